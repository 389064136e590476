// What a paste means for the start image, decided from the event: an image file the webview
// handed over (its bytes go to `image_from_bytes`), the OS clipboard to be read by Rust
// (`image_from_clipboard`), or text the browser pastes as usual.
//
// WebKitGTK (Linux) never hands the page a File for a clipboard picture and names no type for
// it, so only the OS can see a picture on the clipboard. And when the clipboard holds a picture,
// WebKitGTK's paste event shows no text either, even when there is some beside the picture
// (its default paste still inserts that text into a field). Hence:
//  - Text into a text field (the prompt, the image link, a search box, a settings field): the
//    text wins, even when the clipboard also holds a picture. Office apps put a picture of the
//    copied cells or words beside the text, and a browser's "Copy Image" may put the image's
//    address beside the picture; the user aimed at a text field, so a picture must not take the
//    place of what they meant to type. When the event shows the text, Rust is not asked. When
//    it shows none, the browser pastes first, and only if no text arrived in the field is Rust
//    asked for the picture (a screenshot pasted into the prompt, as the create panel's "paste /
//    drop one anywhere" invites).
//  - Anywhere else: Rust reads the clipboard's picture. The page has nowhere to put text, so a
//    picture with text beside it is taken; with no picture Rust answers null and nothing happens.

/** Which frame a pasted picture fills: the end frame when focus is inside the end-frame slot (its
 * button or its link field), else the start image. */
export function pasteFrame(target: EventTarget | null): "start" | "end" {
  return target instanceof Element && target.closest("[data-drop='end-frame']") !== null ? "end" : "start";
}

/** A field that takes typed text. */
export type TextField = HTMLInputElement | HTMLTextAreaElement;

export type PasteRoute =
  /** The webview handed over an image file (macOS, Windows): its bytes are sent. */
  | { kind: "file"; file: File }
  /** Outside a text field, no image file: Rust reads the OS clipboard's picture, if any. */
  | { kind: "clipboard" }
  /** Text into a text field: the event is left alone and the browser pastes it. */
  | { kind: "text" }
  /** A text field, no text in sight: the browser pastes first; if no text arrived in `field`,
   * Rust reads the clipboard's picture. */
  | { kind: "field"; field: TextField };

export interface PastedImage {
  base64: string;
  name: string;
}

/** Input types that take typed text (a checkbox or a button does not). */
const TEXT_INPUTS: ReadonlySet<string> = new Set(["text", "search", "url", "email", "tel", "password", "number"]);

/** Whether the paste lands in a field that takes text: the browser's own paste then applies. */
export function isTextField(target: EventTarget | null): target is TextField {
  if (target instanceof HTMLTextAreaElement) return !target.readOnly && !target.disabled;
  if (target instanceof HTMLInputElement) return TEXT_INPUTS.has(target.type) && !target.readOnly && !target.disabled;
  return false;
}

export function imageFile(e: Pick<ClipboardEvent, "clipboardData">): File | null {
  const files = e.clipboardData?.files;
  if (!files) return null;
  for (const f of files) if (f.type.startsWith("image/")) return f;
  return null;
}

/** See the top of this file. Text into a field wins over an image file too, for a webview that
 * hands over both (Chromium/WebView2 may expose the picture Excel puts beside copied cells). */
export function routePaste(e: Pick<ClipboardEvent, "clipboardData" | "target">): PasteRoute {
  const file = imageFile(e);
  if (!isTextField(e.target)) return file ? { kind: "file", file } : { kind: "clipboard" };
  const text = e.clipboardData?.getData("text/plain") ?? "";
  if (text !== "") return { kind: "text" };
  return file ? { kind: "file", file } : { kind: "field", field: e.target };
}

/** After the browser's own paste into `field` (it runs once the event's handlers return): whether
 * text arrived, judged by the field's value changing from `before`. */
export async function textArrived(field: TextField, before: string): Promise<boolean> {
  await new Promise((r) => setTimeout(r, 0));
  return field.value !== before;
}

/** Base64 of the bytes, built in chunks so a large image does not overflow the call stack. */
export function toBase64(bytes: Uint8Array): string {
  let binary = "";
  const CHUNK = 0x8000;
  for (let i = 0; i < bytes.length; i += CHUNK) {
    binary += String.fromCharCode(...bytes.subarray(i, i + CHUNK));
  }
  return btoa(binary);
}

/** An image file from a paste event, as base64 and a name for `image_from_bytes`. */
export async function readImageFile(file: File): Promise<PastedImage> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  const ext = file.type.split("/")[1] ?? "png";
  return { base64: toBase64(bytes), name: file.name || `pasted-image.${ext}` };
}
