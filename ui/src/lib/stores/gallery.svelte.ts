// The gallery: the filters as the user sets them, the answer to the current query held as a
// bounded page cache (only the pages near the visible rows are in memory), live refresh from
// job and library events, and the clip actions that change the library (favourite, delete/undo).

import { tick } from "svelte";
import * as ipc from "../ipc";
import type { AppError, GalleryPage, Job, LibraryChanged } from "../ipc";
import { DEFAULT_FILTERS, buildQuery, isFiltered, type GalleryFilters } from "../gallery";
import { Latest } from "../latest";
import { Ring } from "../ring";
import { undoWindow } from "../undo";
import { PAGE_SIZE, QueryResults } from "./results.svelte";
import type { ToastStore } from "./toasts.svelte";

/** Bursts of job/library events (a download finishing, many posters made) become one refetch. */
export const LIVE_DEBOUNCE_MS = 300;

export interface SearchSample {
  /** Keystroke (or filter change) to results in the DOM. */
  searchMs: number;
  /** The `gallery_query` round trip alone. */
  ipcMs: number;
  total: number;
}

/** The latest searches, for the benchmark; a fixed ring, so it never grows. */
export const searchStats = new Ring<SearchSample>(128);

declare global {
  interface Window {
    __kymaGalleryStats?: { lastSearchMs: number; lastIpcMs: number; searches: number };
  }
}

function record(sample: SearchSample) {
  searchStats.push(sample);
  if (typeof window !== "undefined") {
    window.__kymaGalleryStats = { lastSearchMs: sample.searchMs, lastIpcMs: sample.ipcMs, searches: searchStats.count };
  }
}

/** After the window has started, the pause before the gallery's first page is read (`prefetch`). */
export const PREFETCH_MS = 600;

const now = () => (typeof performance !== "undefined" ? performance.now() : Date.now());

export class GalleryStore {
  filters = $state<GalleryFilters>({ ...DEFAULT_FILTERS, models: [] });
  /** The current query's answer; replaced (not mutated) when the query changes. */
  results = $state.raw<QueryResults | null>(null);
  /** Bumped when a new query's answer replaces the last: the grid scrolls back to the top. */
  generation = $state(0);
  /** A search is on its way (the old results stay until it lands). */
  searching = $state(false);
  error = $state<AppError | null>(null);
  /** The tile playing its clip on hover: one at a time. */
  hoverId = $state<number | null>(null);

  private latest = new Latest();
  private liveTimer: ReturnType<typeof setTimeout> | null = null;
  private prefetchTimer: ReturnType<typeof setTimeout> | null = null;
  private toasts: ToastStore;
  /** Whether the gallery is on screen; off screen, changes wait for the next visit (which refreshes). */
  private watching = false;

  constructor(toasts: ToastStore) {
    this.toasts = toasts;
  }

  get filtered(): boolean {
    return isFiltered(this.filters);
  }

  /** Rows matching the current query, null before the first answer. */
  get total(): number | null {
    return this.results?.total ?? null;
  }

  set<K extends keyof GalleryFilters>(key: K, value: GalleryFilters[K], t0 = now()) {
    this.filters[key] = value;
    void this.search(t0);
  }

  clearFilters() {
    this.filters = { ...DEFAULT_FILTERS, models: [], sort: this.filters.sort, ascending: this.filters.ascending };
    void this.search();
  }

  /**
   * Runs the current filters as a new query. The first page is fetched before anything changes
   * on screen, so the old results stay until the new ones replace them; an answer that arrives
   * after a newer search started is dropped.
   */
  async search(t0 = now()) {
    const ticket = this.latest.begin();
    const filters = $state.snapshot(this.filters) as GalleryFilters;
    this.searching = true;
    const sent = now();
    let first: GalleryPage;
    try {
      first = await ipc.galleryQuery({ query: buildQuery(filters, 0, PAGE_SIZE) });
    } catch (e) {
      if (!this.latest.isLatest(ticket)) return;
      this.error = e as AppError;
      this.searching = false;
      return;
    }
    const ipcMs = now() - sent;
    if (!this.latest.isLatest(ticket)) return;
    this.results = new QueryResults((offset, limit) => buildQuery(filters, offset, limit), first);
    this.error = null;
    this.searching = false;
    this.generation++;
    await tick();
    record({ searchMs: now() - t0, ipcMs, total: first.total });
  }

  /**
   * Once the window has started: the gallery's first page is read a moment later, while the
   * window is idle, so opening the gallery draws its tiles in its first frame (the opened gallery
   * refreshes it then). Nothing if a search already ran.
   */
  prefetch(delayMs = PREFETCH_MS) {
    if (this.prefetchTimer || this.results) return;
    this.prefetchTimer = setTimeout(() => {
      this.prefetchTimer = null;
      if (!this.results && !this.searching) void this.search();
    }, delayMs);
  }

  /** The library changed under the current query: refetch what is visible, keep showing it meanwhile. */
  refresh() {
    if (this.liveTimer) clearTimeout(this.liveTimer);
    this.liveTimer = null;
    if (this.results) this.results.refresh();
  }

  /** The gallery is shown (true) or hidden (false). */
  watch(on: boolean) {
    this.watching = on;
    if (!on && this.liveTimer) {
      clearTimeout(this.liveTimer);
      this.liveTimer = null;
    }
  }

  /** Coalesces bursts of events (a download finishing, many posters made) into one refresh. */
  refreshSoon(ms = LIVE_DEBOUNCE_MS) {
    if (this.liveTimer || !this.results || !this.watching) return;
    this.liveTimer = setTimeout(() => this.refresh(), ms);
  }

  jobChanged(_job: Job) {
    // Any change can move a row in or out of the query (status, money, a finished download).
    this.refreshSoon();
  }

  libraryChanged(_p: LibraryChanged) {
    this.refreshSoon();
  }

  /** Drops pending work when the window closes. */
  stop() {
    if (this.liveTimer) clearTimeout(this.liveTimer);
    this.liveTimer = null;
    if (this.prefetchTimer) clearTimeout(this.prefetchTimer);
    this.prefetchTimer = null;
    this.latest.cancel();
  }

  async setFavourite(id: number, on: boolean) {
    try {
      await ipc.favouriteSet({ id, on });
      // Under "favourites only" the row leaves the query: indices shift, refetch all in view.
      if (this.filters.favourites || !this.results?.refreshIds([id])) this.refresh();
    } catch (e) {
      this.toasts.error((e as AppError).message);
    }
  }

  /** Deletes now and offers Undo while the core still allows it (then the file goes to the trash). */
  async delete(id: number): Promise<boolean> {
    try {
      const ticket = await ipc.clipDelete({ id });
      if (this.hoverId === id) this.hoverId = null;
      this.refresh();
      this.toasts.show("Deleted", {
        ms: undoWindow(ticket.undo_until, Date.now()),
        action: { label: "Undo", testid: "toast-undo", run: () => this.undoDelete(id) },
      });
      return true;
    } catch (e) {
      this.toasts.error((e as AppError).message);
      return false;
    }
  }

  async undoDelete(id: number) {
    try {
      await ipc.clipUndoDelete({ id });
      this.refresh();
      this.toasts.show("Restored");
    } catch (e) {
      this.toasts.error((e as AppError).message);
    }
  }
}
