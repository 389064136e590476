// One query's answer as the window holds it: a bounded page cache behind a reactive version,
// so a virtual grid or list re-renders when pages land and asks for pages as it scrolls.

import * as ipc from "../ipc";
import type { AppError, GalleryItem, GalleryPage, Query } from "../ipc";
import { PageCache } from "../pages";

export const PAGE_SIZE = 120;
export const MAX_PAGES = 8;

export class QueryResults {
  /** Bumped whenever the held pages change; readers of `item()` re-render on it. */
  version = $state(0);
  /** Rows matching, null until the first answer. */
  total = $state<number | null>(null);
  error = $state<AppError | null>(null);
  private cache: PageCache<GalleryItem>;

  /** `query` gives the Query for one page; `first` is the first page when the caller has it already. */
  constructor(query: (offset: number, limit: number) => Query, first?: GalleryPage) {
    this.cache = new PageCache<GalleryItem>((offset, limit) => ipc.galleryQuery({ query: query(offset, limit) }), {
      pageSize: PAGE_SIZE,
      maxPages: MAX_PAGES,
      onChange: () => {
        this.total = this.cache.total;
        this.error = null;
        this.version++;
      },
      onError: (e) => (this.error = e as AppError),
    });
    if (first) this.cache.seed(0, first);
  }

  /** The item at `index` if its page is in memory; asks for nothing (see `ensure`). */
  item(index: number): GalleryItem | undefined {
    void this.version;
    return this.cache.peek(index);
  }

  /** The view shows [start, end): fetch the pages it needs. */
  ensure(start: number, end: number) {
    this.cache.ensure(start, end);
  }

  /** The library changed: refetch what is visible, keep showing it meanwhile. */
  refresh() {
    this.cache.invalidate();
  }

  /** These rows changed: refetch their pages; false when none is held. */
  refreshIds(ids: readonly number[]): boolean {
    return this.cache.invalidateIds(ids);
  }

  /** Pages held now, least recently used first (memory stays bounded however many rows match). */
  heldPages(): number[] {
    return this.cache.heldPages();
  }
}
