// @vitest-environment jsdom
import { afterEach, describe, expect, test, vi } from "vitest";
import { Latest } from "../src/lib/latest";
import { Ring } from "../src/lib/ring";
import { GalleryStore, searchStats } from "../src/lib/stores/gallery.svelte";
import { ToastStore } from "../src/lib/stores/toasts.svelte";
import type { GalleryPage, Query } from "../src/lib/ipc/types";
import { item, library } from "./fixtures";
import { clearMocks, fakeBackend, tick } from "./backend";

afterEach(() => {
  clearMocks();
  vi.useRealTimers();
});

describe("the stale-answer guard", () => {
  test("only the newest request's answer counts", () => {
    const latest = new Latest();
    const a = latest.begin();
    const b = latest.begin();
    expect(latest.isLatest(a)).toBe(false);
    expect(latest.isLatest(b)).toBe(true);
    latest.cancel();
    expect(latest.isLatest(b)).toBe(false);
  });

  test("typing fast: a slow early answer never replaces the newer one", async () => {
    const answers = new Map<string, (p: GalleryPage) => void>();
    fakeBackend({
      gallery_query: (a) => new Promise<GalleryPage>((resolve) => answers.set((a.query as Query).text, resolve)),
    });
    const g = new GalleryStore(new ToastStore());
    g.set("text", "l");
    g.set("text", "la");
    await tick();
    expect([...answers.keys()]).toEqual(["l", "la"]);
    answers.get("la")!({ total: 2, offset: 0, items: [item(7), item(8)] });
    await tick();
    answers.get("l")!({ total: 500, offset: 0, items: [item(1)] });
    await tick();
    expect(g.total).toBe(2);
    expect(g.results?.item(0)?.id).toBe(7);
  });
});

describe("searching", () => {
  test("after start the first page is read once, while idle, so the first open draws tiles at once", async () => {
    vi.useFakeTimers();
    const backend = fakeBackend({ gallery_query: library(300) });
    const g = new GalleryStore(new ToastStore());
    g.prefetch(600);
    g.prefetch(600);
    await vi.advanceTimersByTimeAsync(599);
    expect(backend.calls).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(backend.calls).toHaveLength(1);
    expect(g.total).toBe(300);
    // Already read: nothing more.
    g.prefetch(600);
    await vi.advanceTimersByTimeAsync(2_000);
    expect(backend.calls).toHaveLength(1);
  });

  test("a prefetch waiting when the window closes never runs", async () => {
    vi.useFakeTimers();
    const backend = fakeBackend({ gallery_query: library(3) });
    const g = new GalleryStore(new ToastStore());
    g.prefetch(600);
    g.stop();
    await vi.advanceTimersByTimeAsync(2_000);
    expect(backend.calls).toHaveLength(0);
    expect(g.total).toBeNull();
  });

  test("the first page comes with the answer; later pages as the grid asks", async () => {
    const backend = fakeBackend({ gallery_query: library(10_000) });
    const g = new GalleryStore(new ToastStore());
    await g.search();
    expect(g.total).toBe(10_000);
    expect(g.results?.item(119)?.id).toBe(120);
    expect(g.results?.item(5_000)).toBeUndefined();
    g.results!.ensure(5_000, 5_040);
    await tick();
    expect(g.results?.item(5_000)?.id).toBe(5_001);
    const offsets = backend.calls.map((c) => (c.args.query as Query).offset);
    expect(offsets).toEqual([0, 4_920]);
  });

  test("each answer is timed: the ring buffer and window.__kymaGalleryStats", async () => {
    fakeBackend({ gallery_query: library(50) });
    const g = new GalleryStore(new ToastStore());
    const before = searchStats.count;
    await g.search(performance.now() - 5);
    expect(searchStats.count).toBe(before + 1);
    const last = searchStats.last()!;
    expect(last.searchMs).toBeGreaterThanOrEqual(5);
    expect(last.ipcMs).toBeGreaterThanOrEqual(0);
    expect(last.ipcMs).toBeLessThanOrEqual(last.searchMs);
    expect(window.__kymaGalleryStats).toEqual({ lastSearchMs: last.searchMs, lastIpcMs: last.ipcMs, searches: searchStats.count });
  });

  test("clearing filters keeps the sort", async () => {
    fakeBackend({ gallery_query: library(3) });
    const g = new GalleryStore(new ToastStore());
    g.filters.sort = "cost";
    g.filters.text = "fox";
    g.filters.favourites = true;
    g.clearFilters();
    expect(g.filtered).toBe(false);
    expect(g.filters.sort).toBe("cost");
  });
});

describe("live changes", () => {
  test("a burst of events becomes one refetch of what is in view", async () => {
    vi.useFakeTimers();
    const backend = fakeBackend({ gallery_query: library(1_000) });
    const g = new GalleryStore(new ToastStore());
    await g.search();
    const calls = () => backend.calls.filter((c) => c.cmd === "gallery_query").length;
    const n = calls();
    g.libraryChanged({ ids: [1], all: false });
    await vi.advanceTimersByTimeAsync(1_000);
    expect(calls()).toBe(n); // not on screen: the next visit refreshes
    g.watch(true);
    for (let i = 0; i < 5; i++) g.libraryChanged({ ids: [i], all: false });
    expect(calls()).toBe(n);
    await vi.advanceTimersByTimeAsync(300);
    expect(calls()).toBe(n + 1);
  });
});

describe("delete with undo", () => {
  test("Deleted · Undo for the core's window; Undo restores", async () => {
    vi.useFakeTimers({ now: Date.UTC(2026, 0, 1, 12) });
    const backend = fakeBackend({
      gallery_query: library(10),
      clip_delete: (a) => ({ id: a.id, undo_until: new Date(Date.now() + 6_000).toISOString() }),
      clip_undo_delete: () => null,
    });
    const toasts = new ToastStore();
    const g = new GalleryStore(toasts);
    await g.search();
    expect(await g.delete(3)).toBe(true);
    expect(toasts.current?.message).toBe("Deleted");
    expect(toasts.current?.action?.testid).toBe("toast-undo");
    await toasts.act();
    expect(backend.calls.filter((c) => c.cmd === "clip_undo_delete")).toEqual([{ cmd: "clip_undo_delete", args: { id: 3 } }]);
    expect(toasts.current?.message).toBe("Restored");
  });

  test("the undo offer ends before the core's deadline", async () => {
    vi.useFakeTimers({ now: Date.UTC(2026, 0, 1, 12) });
    fakeBackend({
      gallery_query: library(10),
      clip_delete: (a) => ({ id: a.id, undo_until: new Date(Date.now() + 6_000).toISOString() }),
    });
    const toasts = new ToastStore();
    const g = new GalleryStore(toasts);
    await g.search();
    await g.delete(3);
    await vi.advanceTimersByTimeAsync(5_500);
    expect(toasts.current?.message).toBe("Deleted");
    await vi.advanceTimersByTimeAsync(200); // 5.7 s: gone, 0.3 s before the core's 6 s
    expect(toasts.current).toBeNull();
  });

  test("a refused delete says why", async () => {
    fakeBackend({
      gallery_query: library(10),
      clip_delete: () => {
        throw { kind: "still_running", field: null, message: "Generation #3 is still running at Kyma; wait for it to finish.", action: null, link: null };
      },
    });
    const toasts = new ToastStore();
    const g = new GalleryStore(toasts);
    expect(await g.delete(3)).toBe(false);
    expect(toasts.current).toMatchObject({ kind: "error", message: "Generation #3 is still running at Kyma; wait for it to finish." });
  });
});

test("the ring keeps the latest measurements and nothing more", () => {
  const r = new Ring<number>(3);
  for (let i = 1; i <= 5; i++) r.push(i);
  expect(r.toArray()).toEqual([3, 4, 5]);
  expect(r.last()).toBe(5);
  expect(r.count).toBe(5);
});
