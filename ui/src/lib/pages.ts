// A bounded cache of result pages for one query: pages are fetched by offset when the visible
// range needs them, the least recently used go first once `maxPages` are held, so memory stays
// flat however many rows match. Invalidated pages stay visible until their fresh copy lands.

export interface PageAnswer<T> {
  total: number;
  items: T[];
}

export type PageFetch<T> = (offset: number, limit: number) => Promise<PageAnswer<T>>;

export interface PageCacheOptions {
  pageSize?: number;
  maxPages?: number;
  /** Called after any change a reader would see: a page landed, the total moved, pages dropped. */
  onChange?: () => void;
  onError?: (error: unknown) => void;
}

interface Page<T> {
  items: T[];
  /** Shown until refetched: the library changed since it was read. */
  stale: boolean;
}

export class PageCache<T extends { id: number }> {
  readonly pageSize: number;
  readonly maxPages: number;
  /** Rows matching the query, as of the latest answer; null before the first one. */
  total: number | null = null;

  // Map order is the LRU order: the first key is the least recently used page.
  private pages = new Map<number, Page<T>>();
  /** Page → the generation its request belongs to. */
  private loading = new Map<number, number>();
  private failed = new Set<number>();
  /** Bumped by invalidate(): answers to older requests are dropped. */
  private generation = 0;
  private pinned = new Set<number>();
  private range: [number, number] = [0, 0];
  private fetchPage: PageFetch<T>;
  private onChange: () => void;
  private onError: (error: unknown) => void;

  constructor(fetchPage: PageFetch<T>, opts: PageCacheOptions = {}) {
    this.fetchPage = fetchPage;
    this.pageSize = opts.pageSize ?? 120;
    this.maxPages = Math.max(1, opts.maxPages ?? 8);
    this.onChange = opts.onChange ?? (() => {});
    this.onError = opts.onError ?? (() => {});
  }

  get size(): number {
    return this.pages.size;
  }

  /** Page numbers held, least recently used first (for tests and diagnostics). */
  heldPages(): number[] {
    return [...this.pages.keys()];
  }

  pageOf(index: number): number {
    return Math.floor(index / this.pageSize);
  }

  /** The item at `index` if its page is held (stale or not); never fetches. */
  peek(index: number): T | undefined {
    if (index < 0 || (this.total !== null && index >= this.total)) return undefined;
    const page = this.pages.get(this.pageOf(index));
    return page?.items[index - this.pageOf(index) * this.pageSize];
  }

  /** Puts an answer the caller already has (the first page of a new query). */
  seed(offset: number, answer: PageAnswer<T>) {
    this.store(this.pageOf(offset), answer);
  }

  /** Makes sure the pages covering [start, end) are held and fresh; fetches what is missing. */
  ensure(start: number, end: number) {
    this.range = [start, end];
    const last = this.total === null ? end : Math.min(end, this.total);
    const first = this.pageOf(Math.max(0, start));
    const lastPage = last > start ? this.pageOf(last - 1) : first;
    this.pinned = new Set();
    for (let p = first; p <= lastPage; p++) {
      this.pinned.add(p);
      const page = this.pages.get(p);
      if (page) this.touch(p, page);
      if ((!page || page.stale) && !this.failed.has(p) && this.loading.get(p) !== this.generation) {
        void this.load(p);
      }
    }
  }

  /** Everything may have changed: keep showing what is held, refetch what is visible. */
  invalidate() {
    this.generation++;
    this.failed.clear();
    for (const page of this.pages.values()) page.stale = true;
    this.ensure(...this.range);
  }

  /** These items changed: refetch the pages that hold them. Returns whether any is held. */
  invalidateIds(ids: readonly number[]): boolean {
    const wanted = new Set(ids);
    let hit = false;
    for (const [n, page] of this.pages) {
      if (page.items.some((it) => wanted.has(it.id))) {
        page.stale = true;
        this.failed.delete(n);
        // A request already in flight may have read the old row: ask again.
        this.loading.delete(n);
        hit = true;
      }
    }
    if (hit) this.ensure(...this.range);
    return hit;
  }

  private touch(n: number, page: Page<T>) {
    this.pages.delete(n);
    this.pages.set(n, page);
  }

  private async load(n: number) {
    const generation = this.generation;
    this.loading.set(n, generation);
    try {
      const answer = await this.fetchPage(n * this.pageSize, this.pageSize);
      if (generation !== this.generation || this.loading.get(n) !== generation) return;
      this.loading.delete(n);
      this.store(n, answer);
    } catch (e) {
      if (this.loading.get(n) !== generation) return;
      this.loading.delete(n);
      this.failed.add(n);
      this.onError(e);
    }
  }

  private store(n: number, answer: PageAnswer<T>) {
    this.total = answer.total;
    this.pages.delete(n);
    this.pages.set(n, { items: answer.items, stale: false });
    this.evict(n);
    this.onChange();
  }

  private evict(keep: number) {
    for (const n of this.pages.keys()) {
      if (this.pages.size <= this.maxPages) break;
      if (n === keep || this.pinned.has(n)) continue;
      this.pages.delete(n);
    }
    // Only pinned pages left and still too many: the visible range is larger than the cache.
    for (const n of this.pages.keys()) {
      if (this.pages.size <= this.maxPages) break;
      if (n !== keep) this.pages.delete(n);
    }
  }
}
