// Where an AppError belongs on screen: under its cause (prompt, image), as the top banner for
// account and connection problems, or under the Generate button for the rest.

import type { AppError } from "./ipc/types";

export type ErrorPlace = "banner" | "prompt" | "image" | "form";

/** Problems with the key, credit, connection or the app itself: nothing in the form to fix. */
const BANNER_KINDS = new Set([
  "unauthorized",
  "insufficient_credit",
  "network",
  "unreachable",
  "rate_limited",
  "queue_full",
  "server",
  "protocol",
  "engine_stopped",
  "database",
  "newer_library",
  "internal",
]);

/** media::Error kinds: the start image itself is the cause. */
const IMAGE_KINDS = new Set([
  "empty",
  "file_too_large",
  "not_an_image",
  "unsupported_format",
  "unsupported_variant",
  "too_many_pixels",
  "too_much_memory",
  "corrupt",
  "output_too_large",
  "convert",
]);

export function placeOf(err: AppError): ErrorPlace {
  if (err.action !== null) return "banner";
  if (BANNER_KINDS.has(err.kind)) return "banner";
  if (IMAGE_KINDS.has(err.kind) || err.kind.includes("image")) return "image";
  if (err.kind.includes("prompt")) return "prompt";
  if (err.kind === "invalid_input") {
    // Rust's InputError shares one kind; its sentence names the field it is about.
    if (/\bprompt\b/i.test(err.message)) return "prompt";
    if (/\bimage\b/i.test(err.message)) return "image";
  }
  return "form";
}

export const ACTION_LABEL: Record<NonNullable<AppError["action"]>, string> = {
  replace_key: "Replace key",
  add_credit: "Add credit",
  retry: "Retry now",
  fix_settings: "Open settings",
};
