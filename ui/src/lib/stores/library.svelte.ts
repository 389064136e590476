// Changing the library folder: pick a folder, choose to move the clips there or leave them,
// follow the move's progress, then show what happened and reload the settings and jobs.

import * as ipc from "../ipc";
import type { AppError, MoveMode, MoveProgress, MoveReport } from "../ipc";
import type { AppStore } from "./app.svelte";
import type { JobsStore } from "./jobs.svelte";
import type { GalleryStore } from "./gallery.svelte";

export type MovePhase = "idle" | "choose" | "moving" | "done";

export class LibraryMoveStore {
  phase = $state<MovePhase>("idle");
  dir = $state("");
  /** Clips whose files are in the library now (the ones a move would copy). */
  clips = $state<number | null>(null);
  mode = $state<MoveMode>("move");
  progress = $state<MoveProgress | null>(null);
  report = $state<MoveReport | null>(null);
  error = $state<string | null>(null);

  private app: AppStore;
  private jobs: JobsStore;
  private gallery: GalleryStore;

  constructor(app: AppStore, jobs: JobsStore, gallery: GalleryStore) {
    this.app = app;
    this.jobs = jobs;
    this.gallery = gallery;
  }

  /** The native folder dialog; cancelling it changes nothing. */
  async pick() {
    this.error = null;
    try {
      const dir = await ipc.libraryPickFolder();
      if (!dir) return;
      this.dir = dir;
      this.mode = "move";
      this.report = null;
      this.progress = null;
      this.clips = null;
      this.phase = "choose";
      this.clips = await this.countClips();
    } catch (e) {
      this.error = (e as AppError).message;
    }
  }

  private async countClips(): Promise<number | null> {
    const base = { text: "", models: [], from: null, to: null, audio: null, kind: null, shape: null, favourites: false, mark: null, group: null, sort: "date", ascending: false, offset: 0, limit: 1, include_removed: false } as const;
    try {
      const [clips, missing] = await Promise.all([
        ipc.galleryQuery({ query: { ...base, models: [], status: "clips" } }),
        ipc.galleryQuery({ query: { ...base, models: [], status: "missing" } }),
      ]);
      return Math.max(0, clips.total - missing.total);
    } catch {
      return null;
    }
  }

  async start() {
    if (this.phase !== "choose") return;
    this.phase = "moving";
    this.progress = null;
    this.error = null;
    const stop = await ipc.onMoveProgress((p) => (this.progress = p));
    try {
      this.report = await ipc.libraryMove({ dir: this.dir, mode: this.mode });
      const state = await ipc.appState();
      this.app.settings = state.settings;
      this.jobs.replaceAll(state.jobs);
      this.gallery.refresh();
    } catch (e) {
      this.error = (e as AppError).message;
    } finally {
      stop();
      this.phase = "done";
    }
  }

  close() {
    if (this.phase === "moving") return;
    this.phase = "idle";
    this.report = null;
    this.error = null;
    this.progress = null;
  }
}
