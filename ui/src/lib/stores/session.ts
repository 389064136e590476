// Connects the stores to the core: one `app_state` read, then the event stream. Returns the
// function that stops listening.

import * as ipc from "../ipc";
import type { AppError, LibraryChanged } from "../ipc";
import { isRunning, isStale } from "../job";
import type { AppStore } from "./app.svelte";
import type { LibraryHealthStore } from "./health.svelte";
import type { CreateStore } from "./create.svelte";
import type { GalleryStore } from "./gallery.svelte";
import type { GroupsStore } from "./groups.svelte";
import type { BudgetStore } from "./budget.svelte";
import type { BatchStore } from "./batch.svelte";
import type { JobsStore } from "./jobs.svelte";
import type { SpendStore } from "./spend.svelte";
import type { UiStore } from "./ui.svelte";

export interface Stores {
  app: AppStore;
  jobs: JobsStore;
  ui: UiStore;
  create: CreateStore;
  /** The library views; optional so a test can connect only what it looks at. */
  gallery?: GalleryStore;
  spend?: SpendStore;
  groups?: GroupsStore;
  budget?: BudgetStore;
  batch?: BatchStore;
  health?: LibraryHealthStore;
}

/** The queue holds open jobs and the last day's finished ones (as `app_state` answers). */
export const QUEUE_WINDOW_MS = 24 * 3_600_000;

/**
 * The library changed outside the job lifecycle (a clip deleted, restored, forgotten, found or
 * moved): the queue follows, so it never offers a clip the user removed, and an undone delete
 * comes back. A whole-library change (a folder move) reloads the queue.
 */
export async function syncQueue(jobs: JobsStore, ui: UiStore, change: LibraryChanged) {
  if (change.all) {
    try {
      jobs.replaceAll((await ipc.appState()).jobs);
    } catch {
      // The queue keeps what it shows; the next event or start refreshes it.
    }
    return;
  }
  await Promise.all(
    change.ids.map(async (id) => {
      let details;
      try {
        details = await ipc.galleryDetails({ id });
      } catch {
        return;
      }
      if (details.item.removed !== null) {
        jobs.remove(id);
        if (ui.selectedId === id) ui.selectedId = null;
      } else if (jobs.get(id) || Date.now() - Date.parse(details.job.created_at) < QUEUE_WINDOW_MS) {
        jobs.apply(details.job);
      }
    }),
  );
}

/** Account-wide problems reported on a job (bad key, no credit) also go to the banner. */
const ACCOUNT_ACTIONS = new Set<AppError["action"]>(["replace_key", "add_credit"]);

export async function connect({ app, jobs, ui, create, gallery, spend, groups, budget, batch, health }: Stores): Promise<() => void> {
  const unlisten = await Promise.all([
    ipc.onJobChanged((job) => {
      const before = jobs.apply(job);
      if (before && isStale(before, job)) return;
      const justFinished = job.status === "succeeded" && before?.status !== "succeeded";
      if (justFinished && (ui.selectedId === null || !ui.playing)) ui.selectedId = job.id;
      gallery?.jobChanged(job);
      groups?.jobChanged(job);
      spend?.changed();
      // A settled job moved money: the balance follows (throttled).
      if (job.status !== before?.status && ["succeeded", "refunded", "failed", "expired"].includes(job.status)) {
        void budget?.refresh();
      }
    }),
    ipc.onLibraryChanged((change) => {
      gallery?.libraryChanged(change);
      spend?.changed();
      void syncQueue(jobs, ui, change);
      // A folder went away or came back, damage was found, or the library moved: the alerts follow.
      if (change.all) void health?.refresh();
    }),
    ipc.onJobProgress((p) => jobs.progress(p)),
    ipc.onJobProblem((p) => {
      jobs.problem(p);
      if (ACCOUNT_ACTIONS.has(p.error.action)) ui.showBanner(p.error);
      if (p.error.kind === "library_missing") void health?.refresh();
    }),
    ipc.onDropHover(({ over }) => (ui.dropHover = over)),
    ipc.onImageDropped((result) => {
      ui.dropHover = false;
      ui.tab = "create";
      // One picture dropped while a batch of pictures is open joins the batch.
      if (batch && ui.createMode === "batch") {
        if (result.image) batch.addStaged(result.image);
        else if (result.error) batch.error = result.error.message;
      } else create.dropped(result, landedOnEndSlot(result.position));
    }),
    // Several pictures, or a folder: a batch.
    ipc.onImagesDropped(({ paths, skipped }) => {
      ui.dropHover = false;
      ui.tab = "create";
      ui.createMode = "batch";
      batch?.addPaths(paths, skipped);
    }),
  ]);
  try {
    const state = await ipc.appState();
    app.load(state);
    jobs.replaceAll(state.jobs);
    create.syncModels();
    void groups?.load();
    void budget?.refresh(true);
    void health?.refresh();
    // The gallery's first page, read while idle, so its first open draws tiles in one frame.
    gallery?.prefetch();
  } catch (e) {
    app.loadError = e as AppError;
  }
  // The elapsed times tick only while something runs.
  const clock = setInterval(() => {
    if (jobs.list.some(isRunning)) ui.now = Date.now();
  }, 1000);
  return () => {
    clearInterval(clock);
    gallery?.stop();
    for (const stop of unlisten) stop();
  };
}

/** True when a drop at `at` (CSS pixels) landed on the end-frame slot of the create panel. */
export function landedOnEndSlot(at: [number, number] | null): boolean {
  if (!at || typeof document === "undefined") return false;
  const slot = document.querySelector("[data-drop='end-frame']");
  if (!slot) return false;
  const r = slot.getBoundingClientRect();
  return at[0] >= r.left && at[0] <= r.right && at[1] >= r.top && at[1] <= r.bottom;
}
