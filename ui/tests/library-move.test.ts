// @vitest-environment jsdom
import { afterEach, expect, test } from "vitest";
import { AppStore, GalleryStore, JobsStore, LibraryMoveStore, SpendStore, ToastStore } from "../src/lib/stores";
import { appState, job, library } from "./fixtures";
import { clearMocks, fakeBackend, tick } from "./backend";
import type { Query } from "../src/lib/ipc/types";

afterEach(() => clearMocks());

function stores() {
  const app = new AppStore();
  app.load(appState());
  const jobs = new JobsStore();
  const gallery = new GalleryStore(new ToastStore());
  return { app, jobs, gallery, move: new LibraryMoveStore(app, jobs, gallery) };
}

test("change folder: pick, choose to move, follow progress, then reload the settings", async () => {
  let emit: (event: string, payload: unknown) => Promise<unknown> = async () => {};
  let finish: (v: unknown) => void = () => {};
  const moved = appState({ settings: { ...appState().settings, library_dir: "/media/clips" }, jobs: [job(1)] });
  const backend = fakeBackend({
    library_pick_folder: () => "/media/clips",
    gallery_query: (a) => library((a.query as Query).status === "clips" ? 40 : 2)(a),
    library_move: () => new Promise((resolve) => (finish = resolve)),
    app_state: () => moved,
  });
  emit = backend.emit;
  const { app, jobs, move } = stores();
  await move.pick();
  expect(move.phase).toBe("choose");
  expect(move.dir).toBe("/media/clips");
  expect(move.clips).toBe(38); // 40 clips, 2 of them missing
  const started = move.start();
  await tick();
  expect(move.phase).toBe("moving");
  await emit("library-move-progress", { done: 10, total: 38 });
  expect(move.progress).toEqual({ done: 10, total: 38 });
  finish({ new_dir: "/media/clips", moved: 38, left: 0, bytes_moved: 400_000_000, error: null });
  await started;
  expect(backend.calls.find((c) => c.cmd === "library_move")?.args).toEqual({ dir: "/media/clips", mode: "move" });
  expect(move.phase).toBe("done");
  expect(move.report?.moved).toBe(38);
  expect(app.settings.library_dir).toBe("/media/clips");
  expect(jobs.list.map((j) => j.id)).toEqual([1]);
});

test("cancelling the folder dialog changes nothing", async () => {
  fakeBackend({ library_pick_folder: () => null });
  const { move } = stores();
  await move.pick();
  expect(move.phase).toBe("idle");
});

test("a move that fails keeps its sentence and ends the progress", async () => {
  fakeBackend({
    library_pick_folder: () => "/ro",
    gallery_query: library(3),
    library_move: () => {
      throw { kind: "move_refused", field: null, message: "The library folder cannot change now: a download is running.", action: null, link: null };
    },
  });
  const { move } = stores();
  await move.pick();
  move.mode = "leave";
  await move.start();
  expect(move.phase).toBe("done");
  expect(move.error).toMatch(/a download is running/);
});

test("spend: asks in the window's zone and loads the list's first page with the same since", async () => {
  const backend = fakeBackend({
    spend_summary: () => ({ since: null, charged_micros: 1, refunded_micros: 0, held_micros: 0, clips: 1, refunds: 0, per_model: [], buckets: [] }),
    gallery_query: library(3),
  });
  const spend = new SpendStore();
  spend.since = "all";
  await spend.load();
  await tick();
  const summary = backend.calls.find((c) => c.cmd === "spend_summary")!;
  expect(summary.args.query).toEqual({ since: null, period: "day", utc_offset_minutes: -new Date().getTimezoneOffset() });
  const list = backend.calls.find((c) => c.cmd === "gallery_query")!;
  expect(list.args.query).toMatchObject({ status: "all", sort: "date", ascending: false, from: null, offset: 0 });
  expect(spend.summary?.charged_micros).toBe(1);
  expect(spend.list?.total).toBe(3);
});
