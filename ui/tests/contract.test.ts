// @vitest-environment jsdom
// The wire contract of the thin IPC wrapper: each function sends exactly the command name and
// argument names the Rust side declares, every rejection arrives as an AppError sentence, and
// each event is listened for under its name. The shapes themselves are the ts-rs bindings
// (src/lib/ipc/bindings), re-exported by types.ts, so the compiler checks them.
import { afterEach, describe, expect, test } from "vitest";
import * as ipc from "../src/lib/ipc";
import type { AppError } from "../src/lib/ipc";
import { DEFAULT_FILTERS, buildQuery } from "../src/lib/gallery";
import { clearMocks, fakeBackend } from "./backend";

afterEach(() => clearMocks());

const query = buildQuery({ ...DEFAULT_FILTERS, models: [], text: "fox" }, 0, 120);

const CALLS: [string, () => Promise<unknown>, Record<string, unknown>][] = [
  ["gallery_query", () => ipc.galleryQuery(query), { query }],
  ["gallery_details", () => ipc.galleryDetails(4), { id: 4 }],
  ["favourite_set", () => ipc.favouriteSet(4, true), { id: 4, on: true }],
  ["clip_delete", () => ipc.clipDelete(4), { id: 4 }],
  ["clip_undo_delete", () => ipc.clipUndoDelete(4), { id: 4 }],
  ["clip_save_copy", () => ipc.clipSaveCopy(4), { id: 4 }],
  ["clip_locate", () => ipc.clipLocate(4), { id: 4 }],
  ["clip_forget", () => ipc.clipForget(4), { id: 4 }],
  ["thumb_put", () => ipc.thumbPut(4, "/9j/4AAQ"), { id: 4, bytes: "/9j/4AAQ" }],
  ["spend_summary", () => ipc.spendSummary({ since: null, period: "day", utc_offset_minutes: 60 }), { query: { since: null, period: "day", utc_offset_minutes: 60 } }],
  ["library_pick_folder", () => ipc.libraryPickFolder(), {}],
  ["library_move", () => ipc.libraryMove("/media/clips", "move"), { dir: "/media/clips", mode: "move" }],
  ["job_again", () => ipc.jobAgain(4), { id: 4 }],
  ["reveal_clip", () => ipc.revealClip(4), { id: 4 }],
  ["image_from_bytes", () => ipc.imageFromBytes("AAAA", "Kling 3 Pro last frame.jpg"), { bytes: "AAAA", name: "Kling 3 Pro last frame.jpg" }],
  ["ui_ready", () => ipc.uiReady(), {}],
];

describe("library commands", () => {
  test.each(CALLS)("%s sends its exact arguments and returns the answer", async (cmd, call, args) => {
    const backend = fakeBackend({ [cmd]: () => "answer" });
    expect(await call()).toBe("answer");
    expect(backend.calls).toEqual([{ cmd, args }]);
  });

  test.each(CALLS)("%s: a refusal arrives as an AppError sentence", async (cmd, call) => {
    fakeBackend({
      [cmd]: () => {
        throw { kind: "undo_expired", message: "It is too late to undo deleting generation #4.", action: null, link: null };
      },
    });
    await expect(call()).rejects.toEqual({ kind: "undo_expired", message: "It is too late to undo deleting generation #4.", action: null, link: null });
  });

  test("anything else the core throws still becomes a sentence, never a raw value", async () => {
    fakeBackend({
      clip_delete: () => {
        throw "the clip server is gone";
      },
      gallery_query: () => {
        throw new Error("boom");
      },
    });
    await expect(ipc.clipDelete(1)).rejects.toMatchObject({ kind: "internal", message: "the clip server is gone" });
    const err = (await ipc.galleryQuery(query).catch((e) => e)) as AppError;
    expect(err.kind).toBe("internal");
    expect(err.message).toMatch(/Restart the app/);
  });
});

describe("library events", () => {
  test("library-changed and library-move-progress reach their listeners", async () => {
    const backend = fakeBackend({});
    const changes: unknown[] = [];
    const progress: unknown[] = [];
    const stops = [await ipc.onLibraryChanged((p) => changes.push(p)), await ipc.onMoveProgress((p) => progress.push(p))];
    await backend.emit("library-changed", { ids: [3, 4], all: false });
    await backend.emit("library-move-progress", { done: 2, total: 9 });
    expect(changes).toEqual([{ ids: [3, 4], all: false }]);
    expect(progress).toEqual([{ done: 2, total: 9 }]);
    for (const stop of stops) stop();
  });
});
