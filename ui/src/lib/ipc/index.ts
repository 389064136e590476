// The thin typed face of the Rust commands and events: one function per command, one per event.
// The only module that touches @tauri-apps/api core/event; everything else imports from here.

import { invoke, type InvokeArgs } from "@tauri-apps/api/core";
import { listen, type UnlistenFn } from "@tauri-apps/api/event";
import type {
  AppError,
  AppState,
  Draft,
  Job,
  JobProblem,
  JobProgress,
  KeyStatus,
  ModelInfo,
  Settings,
  StartImage,
} from "./types";

export type * from "./types";
export type { UnlistenFn };

/** `drop-hover`: an OS drag is over the window. */
export interface DropHover {
  over: boolean;
}

/** `image-dropped`: Rust has already prepared the dropped file (or says why it could not). */
export interface ImageDropped {
  image: StartImage | null;
  error: AppError | null;
}

const ACTIONS = new Set(["replace_key", "add_credit", "retry", "fix_settings"]);

/** Every rejection becomes an AppError, so views never show a raw value or a stack. */
export function toAppError(raw: unknown): AppError {
  if (raw && typeof raw === "object") {
    const r = raw as Record<string, unknown>;
    if (typeof r.kind === "string" && typeof r.message === "string") {
      return {
        kind: r.kind,
        message: r.message,
        action: typeof r.action === "string" && ACTIONS.has(r.action) ? (r.action as AppError["action"]) : null,
        link: typeof r.link === "string" ? r.link : null,
      };
    }
  }
  if (typeof raw === "string" && raw.trim() !== "") {
    return { kind: "internal", message: raw, action: null, link: null };
  }
  return {
    kind: "internal",
    message: "The window lost contact with Kyma Studio's core. Restart the app; your jobs are kept.",
    action: null,
    link: null,
  };
}

async function call<T>(cmd: string, args?: InvokeArgs): Promise<T> {
  try {
    return await invoke<T>(cmd, args);
  } catch (e) {
    throw toAppError(e);
  }
}

export const appState = () => call<AppState>("app_state");
export const keySet = (key: string) => call<KeyStatus>("key_set", { key });
export const keyUseSession = (key: string) => call<KeyStatus>("key_use_session", { key });
export const keyDelete = () => call<KeyStatus>("key_delete");
export const settingsSave = (settings: Settings, bucket_secret: string | null) =>
  call<Settings>("settings_save", { settings, bucket_secret });
export const imagePick = () => call<StartImage | null>("image_pick");
export const imageFromPath = (path: string) => call<StartImage>("image_from_path", { path });
export const imageFromBytes = (bytes: string, name: string) =>
  call<StartImage>("image_from_bytes", { bytes, name });
export const generate = (draft: Draft) => call<Job>("generate", { draft });
export const jobAgain = (id: number) => call<Job>("job_again", { id });
export const jobRemove = (id: number) => call<null>("job_remove", { id });
export const revealClip = (id: number) => call<null>("reveal_clip", { id });
export const refreshCatalog = () => call<ModelInfo[]>("refresh_catalog");

function on<T>(event: string, cb: (payload: T) => void): Promise<UnlistenFn> {
  return listen<T>(event, (e) => cb(e.payload));
}

export const onJobChanged = (cb: (job: Job) => void) => on<Job>("job-changed", cb);
export const onJobProgress = (cb: (p: JobProgress) => void) => on<JobProgress>("job-progress", cb);
export const onJobProblem = (cb: (p: JobProblem) => void) => on<JobProblem>("job-problem", cb);
export const onDropHover = (cb: (p: DropHover) => void) => on<DropHover>("drop-hover", cb);
export const onImageDropped = (cb: (p: ImageDropped) => void) => on<ImageDropped>("image-dropped", cb);
