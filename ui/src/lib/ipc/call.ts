// The one place that calls Tauri's invoke: every command goes through `call`, which sends its
// argument struct under the one key every Rust command reads (`args`) and turns every rejection
// into an AppError. The per-command wrappers are generated from Rust (bindings/commands.ts).

import { invoke } from "@tauri-apps/api/core";
import type { AppError } from "./bindings/AppError";
import { ERROR_ACTIONS, ERROR_KINDS, FIELDS } from "./bindings/constants";
import type { ErrorKind } from "./bindings/ErrorKind";
import type { Field } from "./bindings/Field";

const ACTIONS: ReadonlySet<string> = new Set(ERROR_ACTIONS);
const KINDS: ReadonlySet<string> = new Set(ERROR_KINDS);
const FIELD_NAMES: ReadonlySet<string> = new Set(FIELDS);

/** Every rejection becomes an AppError, so views never show a raw value or a stack. A kind this
 * window does not know (a newer core) reads as "internal", with the core's sentence kept. */
export function toAppError(raw: unknown): AppError {
  if (raw && typeof raw === "object") {
    const r = raw as Record<string, unknown>;
    if (typeof r.kind === "string" && typeof r.message === "string") {
      return {
        kind: KINDS.has(r.kind) ? (r.kind as ErrorKind) : "internal",
        field: typeof r.field === "string" && FIELD_NAMES.has(r.field) ? (r.field as Field) : null,
        message: r.message,
        action: typeof r.action === "string" && ACTIONS.has(r.action) ? (r.action as AppError["action"]) : null,
        link: typeof r.link === "string" ? r.link : null,
      };
    }
  }
  if (typeof raw === "string" && raw.trim() !== "") {
    return { kind: "internal", field: null, message: raw, action: null, link: null };
  }
  return {
    kind: "internal",
    field: null,
    message: "The window lost contact with Kyma Studio's core. Restart the app; your jobs are kept.",
    action: null,
    link: null,
  };
}

export async function call<T>(cmd: string, args: object): Promise<T> {
  try {
    return await invoke<T>(cmd, { args });
  } catch (e) {
    throw toAppError(e);
  }
}
