// The typed face of the Rust core: the command wrappers (generated from Rust's command table,
// bindings/commands.ts) and one function per event. With call.ts, the only code that touches
// @tauri-apps/api core/event; everything else imports from here.

import { listen, type UnlistenFn } from "@tauri-apps/api/event";
import type { DropHover, ImageDropped, ImagesDropped, Job, JobProblem, JobProgress, LibraryChanged, MoveProgress } from "./types";

export type * from "./types";
export type { UnlistenFn };

export { toAppError } from "./call";
export * from "./bindings/commands";

function on<T>(event: string, cb: (payload: T) => void): Promise<UnlistenFn> {
  return listen<T>(event, (e) => cb(e.payload));
}

export const onJobChanged = (cb: (job: Job) => void) => on<Job>("job-changed", cb);
export const onJobProgress = (cb: (p: JobProgress) => void) => on<JobProgress>("job-progress", cb);
export const onJobProblem = (cb: (p: JobProblem) => void) => on<JobProblem>("job-problem", cb);
export const onDropHover = (cb: (p: DropHover) => void) => on<DropHover>("drop-hover", cb);
export const onImageDropped = (cb: (p: ImageDropped) => void) => on<ImageDropped>("image-dropped", cb);
export const onImagesDropped = (cb: (p: ImagesDropped) => void) => on<ImagesDropped>("images-dropped", cb);
export const onLibraryChanged = (cb: (p: LibraryChanged) => void) => on<LibraryChanged>("library-changed", cb);
export const onMoveProgress = (cb: (p: MoveProgress) => void) => on<MoveProgress>("library-move-progress", cb);
