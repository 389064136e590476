// Reads a pasted image file out of a clipboard event as base64 for `image_from_bytes`.

export interface PastedImage {
  base64: string;
  name: string;
}

export function imageFile(e: ClipboardEvent): File | null {
  const files = e.clipboardData?.files;
  if (!files) return null;
  for (const f of files) if (f.type.startsWith("image/")) return f;
  return null;
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

/** The pasted image, or null when the paste holds none (then the event is left alone). */
export async function pastedImage(e: ClipboardEvent): Promise<PastedImage | null> {
  const file = imageFile(e);
  if (!file) return null;
  e.preventDefault();
  const bytes = new Uint8Array(await file.arrayBuffer());
  const ext = file.type.split("/")[1] ?? "png";
  return { base64: toBase64(bytes), name: file.name || `pasted-image.${ext}` };
}
