import { describe, expect, test } from "vitest";
import { PageCache, type PageAnswer } from "../src/lib/pages";

interface Row {
  id: number;
  v: number;
}

/** A fake backend whose answers the test releases by hand. */
function server(total: number) {
  const waiting: { offset: number; limit: number; resolve: (a: PageAnswer<Row>) => void; reject: (e: unknown) => void }[] = [];
  let version = 0;
  return {
    waiting,
    bump: () => version++,
    fetch: (offset: number, limit: number) =>
      new Promise<PageAnswer<Row>>((resolve, reject) => waiting.push({ offset, limit, resolve, reject })),
    /** Answers every waiting request with the library as it is now. */
    async flush() {
      while (waiting.length) {
        const w = waiting.shift()!;
        const items: Row[] = [];
        for (let i = w.offset; i < Math.min(total, w.offset + w.limit); i++) items.push({ id: i + 1, v: version });
        w.resolve({ total, items });
      }
      await Promise.resolve();
      await Promise.resolve();
    },
  };
}

describe("the page cache", () => {
  test("fetches the pages a range needs, once, and serves items by index", async () => {
    const s = server(10_000);
    let changes = 0;
    const cache = new PageCache<Row>(s.fetch, { pageSize: 120, maxPages: 8, onChange: () => changes++ });
    cache.ensure(100, 150); // pages 0 and 1
    cache.ensure(100, 150); // already on their way: no second request
    expect(s.waiting.map((w) => [w.offset, w.limit])).toEqual([
      [0, 120],
      [120, 120],
    ]);
    expect(cache.peek(130)).toBeUndefined();
    await s.flush();
    expect(cache.peek(130)).toEqual({ id: 131, v: 0 });
    expect(cache.total).toBe(10_000);
    expect(changes).toBe(2);
    cache.ensure(110, 140);
    expect(s.waiting).toHaveLength(0);
  });

  test("holds at most maxPages however far the user scrolls (least recently used go first)", async () => {
    const s = server(10_000);
    const cache = new PageCache<Row>(s.fetch, { pageSize: 120, maxPages: 8 });
    for (let start = 0; start < 10_000; start += 60) {
      cache.ensure(start, start + 40);
      await s.flush();
      expect(cache.size).toBeLessThanOrEqual(8);
    }
    // The last pages are the ones kept.
    expect(cache.heldPages()).toEqual([76, 77, 78, 79, 80, 81, 82, 83]);
    expect(cache.peek(0)).toBeUndefined();
    expect(cache.peek(9_999)).toEqual({ id: 10_000, v: 0 });
  });

  test("a page in view is never the one evicted", async () => {
    const s = server(10_000);
    const cache = new PageCache<Row>(s.fetch, { pageSize: 10, maxPages: 2 });
    cache.ensure(0, 5);
    await s.flush();
    cache.ensure(0, 15); // pages 0 (oldest) and 1, both in view
    await s.flush();
    cache.ensure(0, 25); // three pages in view, cache of two: still serves the newest
    await s.flush();
    expect(cache.size).toBe(2);
  });

  test("invalidate keeps showing what it has and refetches what is in view", async () => {
    const s = server(1_000);
    const cache = new PageCache<Row>(s.fetch, { pageSize: 100, maxPages: 4 });
    cache.ensure(0, 150);
    await s.flush();
    s.bump();
    cache.invalidate();
    expect(cache.peek(5)).toEqual({ id: 6, v: 0 }); // stale but shown, no blank flash
    expect(s.waiting.map((w) => w.offset)).toEqual([0, 100]);
    await s.flush();
    expect(cache.peek(5)).toEqual({ id: 6, v: 1 });
  });

  test("an answer to a request made before invalidate is dropped", async () => {
    const s = server(1_000);
    const cache = new PageCache<Row>(s.fetch, { pageSize: 100 });
    cache.ensure(0, 10);
    const early = s.waiting.shift()!;
    s.bump();
    cache.invalidate(); // asks again
    await s.flush();
    early.resolve({ total: 999, items: [{ id: 1, v: -1 }] });
    await Promise.resolve();
    expect(cache.peek(0)).toEqual({ id: 1, v: 1 });
    expect(cache.total).toBe(1_000);
  });

  test("invalidateIds refetches only the pages holding those items", async () => {
    const s = server(1_000);
    const cache = new PageCache<Row>(s.fetch, { pageSize: 100, maxPages: 4 });
    cache.ensure(0, 250);
    await s.flush();
    expect(cache.invalidateIds([150])).toBe(true);
    expect(s.waiting.map((w) => w.offset)).toEqual([100]);
    expect(cache.invalidateIds([999])).toBe(false);
    await s.flush();
  });

  test("a failed page is reported once and not retried until the library changes", async () => {
    const s = server(1_000);
    const errors: unknown[] = [];
    const cache = new PageCache<Row>(s.fetch, { pageSize: 100, onError: (e) => errors.push(e) });
    cache.ensure(0, 10);
    s.waiting.shift()!.reject({ kind: "database", field: null, message: "locked" });
    await Promise.resolve();
    await Promise.resolve();
    expect(errors).toHaveLength(1);
    cache.ensure(0, 10);
    expect(s.waiting).toHaveLength(0);
    cache.invalidate();
    expect(s.waiting).toHaveLength(1);
  });

  test("indices past the total are empty", async () => {
    const s = server(5);
    const cache = new PageCache<Row>(s.fetch, { pageSize: 100 });
    cache.seed(0, { total: 5, items: [1, 2, 3, 4, 5].map((id) => ({ id, v: 0 })) });
    expect(cache.peek(4)).toEqual({ id: 5, v: 0 });
    expect(cache.peek(5)).toBeUndefined();
    expect(cache.peek(-1)).toBeUndefined();
    cache.ensure(0, 100);
    expect(s.waiting).toHaveLength(0);
  });
});
