// The thin typed face of the Rust commands and events: one function per command, one per event.
// The only module that touches @tauri-apps/api core/event; everything else imports from here.

import { invoke, type InvokeArgs } from "@tauri-apps/api/core";
import { listen, type UnlistenFn } from "@tauri-apps/api/event";
import type {
  AppError,
  AppState,
  DeleteTicket,
  Draft,
  DropHover,
  GalleryDetails,
  GalleryPage,
  ImageDropped,
  Job,
  JobProblem,
  JobProgress,
  KeyStatus,
  LibraryChanged,
  ModelInfo,
  MoveMode,
  MoveProgress,
  MoveReport,
  Query,
  Settings,
  Spend,
  SpendQuery,
  StartImage,
} from "./types";

export type * from "./types";
export type { UnlistenFn };

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

// The library: gallery, clip actions, spend, the library folder.
export const galleryQuery = (query: Query) => call<GalleryPage>("gallery_query", { query });
export const galleryDetails = (id: number) => call<GalleryDetails>("gallery_details", { id });
export const favouriteSet = (id: number, on: boolean) => call<null>("favourite_set", { id, on });
export const clipDelete = (id: number) => call<DeleteTicket>("clip_delete", { id });
export const clipUndoDelete = (id: number) => call<null>("clip_undo_delete", { id });
/** The path written, or null when the user cancelled the save dialog. */
export const clipSaveCopy = (id: number) => call<string | null>("clip_save_copy", { id });
/** False when the user cancelled the file dialog. */
export const clipLocate = (id: number) => call<boolean>("clip_locate", { id });
export const clipForget = (id: number) => call<null>("clip_forget", { id });
/** A poster the window drew from the clip's first frame: base64 JPEG bytes. */
export const thumbPut = (id: number, bytes: string) => call<null>("thumb_put", { id, bytes });
export const spendSummary = (query: SpendQuery) => call<Spend>("spend_summary", { query });
/** The folder chosen in the native dialog, or null when cancelled. */
export const libraryPickFolder = () => call<string | null>("library_pick_folder");
export const libraryMove = (dir: string, mode: MoveMode) => call<MoveReport>("library_move", { dir, mode });
/** The window drew its first frame (logged; `make bench` times start-up by it). */
export const uiReady = () => call<null>("ui_ready");

function on<T>(event: string, cb: (payload: T) => void): Promise<UnlistenFn> {
  return listen<T>(event, (e) => cb(e.payload));
}

export const onJobChanged = (cb: (job: Job) => void) => on<Job>("job-changed", cb);
export const onJobProgress = (cb: (p: JobProgress) => void) => on<JobProgress>("job-progress", cb);
export const onJobProblem = (cb: (p: JobProblem) => void) => on<JobProblem>("job-problem", cb);
export const onDropHover = (cb: (p: DropHover) => void) => on<DropHover>("drop-hover", cb);
export const onImageDropped = (cb: (p: ImageDropped) => void) => on<ImageDropped>("image-dropped", cb);
export const onLibraryChanged = (cb: (p: LibraryChanged) => void) => on<LibraryChanged>("library-changed", cb);
export const onMoveProgress = (cb: (p: MoveProgress) => void) => on<MoveProgress>("library-move-progress", cb);
