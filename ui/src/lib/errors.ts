// Where an AppError belongs on screen: under the input it concerns (prompt, image), as the top
// banner for account, connection and settings problems, or under the Generate button for the
// rest. Decided by the error's field and kind (both typed by Rust), never by its message text.

import type { AppError, ErrorKind, Field } from "./ipc/types";

export type ErrorPlace = "banner" | "prompt" | "image" | "end_image" | "options" | "form";

function placeOfField(field: Field): ErrorPlace {
  switch (field) {
    case "prompt":
      return "prompt";
    case "image":
      return "image";
    case "model":
    case "duration":
    case "key":
      return "form";
    case "settings":
      return "banner";
    case "end_image":
      return "end_image";
    case "aspect":
    case "negative":
    case "seed":
    case "takes":
      return "options";
    default: {
      const unknown: never = field;
      return unknown;
    }
  }
}

/** One exhaustive switch: a new ErrorKind in Rust fails the type check here until it is placed. */
function placeOfKind(kind: ErrorKind): ErrorPlace {
  switch (kind) {
    // The key, credit, connection, settings or the app itself: nothing in the form to fix.
    case "unauthorized":
    case "insufficient_credit":
    case "network":
    case "unreachable":
    case "rate_limited":
    case "queue_full":
    case "server":
    case "protocol":
    case "engine_stopped":
    case "database":
    case "newer_library":
    case "internal":
    case "no_key":
    case "invalid_settings":
    case "keychain_unavailable":
    case "keychain_locked":
    case "keychain_failed":
    case "bad_endpoint":
    case "bad_bucket_name":
    case "bad_region":
    case "bad_access_key":
    case "missing_secret":
    case "access_denied":
    case "wrong_secret":
    case "unknown_access_key":
    case "bucket_not_found":
    case "wrong_region":
    case "bucket_error":
    case "clock_skew":
    case "timeout":
    case "disk":
    case "disk_full":
    case "library_missing":
    case "unusable_job_id":
    case "over_budget":
      return "banner";
    // The start image itself is the cause.
    case "empty":
    case "file_too_large":
    case "not_an_image":
    case "unsupported_format":
    case "unsupported_variant":
    case "too_many_pixels":
    case "too_much_memory":
    case "corrupt":
    case "output_too_large":
    case "convert":
    case "clipboard_unreadable":
    case "missing_image":
      return "image";
    case "invalid_input":
    case "rejected":
    case "not_found":
    case "unsafe_url":
    case "link_expired":
    case "too_large":
    case "not_video":
    case "incomplete":
    case "damaged":
    case "http":
    case "io":
    case "still_running":
    case "no_clip":
    case "not_missing":
    case "clip_missing":
    case "not_a_clip":
    case "undo_expired":
    case "not_deleted":
    case "move_refused":
    case "trash_failed":
    case "bad_thumbnail":
    case "bad_object_key":
    case "bad_link_lifetime":
    case "unsupported_method":
    case "cancelled":
      return "form";
    default: {
      const unknown: never = kind;
      return unknown;
    }
  }
}

export function placeOf(err: AppError): ErrorPlace {
  if (err.action !== null) return "banner";
  return err.field !== null ? placeOfField(err.field) : placeOfKind(err.kind);
}

export const ACTION_LABEL: Record<NonNullable<AppError["action"]>, string> = {
  replace_key: "Replace key",
  add_credit: "Add credit",
  retry: "Retry now",
  fix_settings: "Open settings",
  restart: "Restart to repair",
};
