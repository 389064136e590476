// What a paste means for the start image, decided from the event alone: an image file the
// webview handed over (its bytes go to `image_from_bytes`), the OS clipboard to be read by Rust
// (`image_from_clipboard`), or text the browser pastes as usual.
//
// WebKitGTK (Linux) never hands the page a File for a clipboard picture, and names no type for
// it either (its `types` list is empty even for text, which only `getData` reveals), so the page
// cannot see a picture on the clipboard: only the OS can. Hence:
//  - Text on the clipboard, pasted into a text field (the prompt, the image link, a search box,
//    a settings field): the text wins and Rust is not asked, even when the clipboard also holds
//    a picture. Office apps put a picture of the copied cells or words beside the text, and a
//    browser's "Copy Image" may put the image's address beside the picture; the user aimed at a
//    text field, so a picture must not take the place of what they meant to type. Pasting
//    outside the field uses the picture.
//  - Anywhere else, or in a text field with no text on the clipboard (a screenshot pasted into
//    the prompt, as the create panel's "paste / drop one anywhere" invites): Rust reads the
//    clipboard's picture. The page has nowhere to put text, so a picture with text beside it is
//    taken; with no picture Rust answers null and nothing happens.

export type PasteRoute =
  /** The webview handed over an image file (macOS, Windows): its bytes are sent. */
  | { kind: "file"; file: File }
  /** No image file: Rust reads the OS clipboard's picture, if it holds one. */
  | { kind: "clipboard" }
  /** Text into a text field: the event is left alone and the browser pastes it. */
  | { kind: "text" };

export interface PastedImage {
  base64: string;
  name: string;
}

/** Input types that take typed text (a checkbox or a button does not). */
const TEXT_INPUTS: ReadonlySet<string> = new Set(["text", "search", "url", "email", "tel", "password", "number"]);

/** Whether the paste lands in a field that takes text: the browser's own paste then applies. */
export function isTextField(target: EventTarget | null): boolean {
  if (target instanceof HTMLTextAreaElement) return !target.readOnly && !target.disabled;
  if (target instanceof HTMLInputElement) return TEXT_INPUTS.has(target.type) && !target.readOnly && !target.disabled;
  return target instanceof HTMLElement && target.isContentEditable === true;
}

export function imageFile(e: Pick<ClipboardEvent, "clipboardData">): File | null {
  const files = e.clipboardData?.files;
  if (!files) return null;
  for (const f of files) if (f.type.startsWith("image/")) return f;
  return null;
}

/** See the top of this file. */
export function routePaste(e: Pick<ClipboardEvent, "clipboardData" | "target">): PasteRoute {
  const file = imageFile(e);
  if (file) return { kind: "file", file };
  const text = e.clipboardData?.getData("text/plain") ?? "";
  if (text !== "" && isTextField(e.target)) return { kind: "text" };
  return { kind: "clipboard" };
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
