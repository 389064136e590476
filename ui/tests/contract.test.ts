// @vitest-environment jsdom
// The wire contract of the thin IPC wrapper: each function sends exactly the command name and
// argument names the Rust side declares, every rejection arrives as an AppError sentence, and
// each event is listened for under its name. The shapes themselves are the ts-rs bindings
// (src/lib/ipc/bindings), re-exported by types.ts, so the compiler checks them.
import { afterEach, describe, expect, test } from "vitest";
import * as ipc from "../src/lib/ipc";
import type { AppError, Settings } from "../src/lib/ipc";
import { COMMANDS } from "../src/lib/ipc/bindings/commands";
import { DEFAULT_SETTINGS } from "../src/lib/ipc/bindings/constants";
import { DEFAULT_FILTERS, buildQuery } from "../src/lib/gallery";
import { mockIPC } from "@tauri-apps/api/mocks";
import { clearMocks, fakeBackend } from "./backend";

afterEach(() => clearMocks());

const query = buildQuery({ ...DEFAULT_FILTERS, models: [], text: "fox" }, 0, 120);
const SETTINGS = { ...DEFAULT_SETTINGS, image_hosting: { kind: "s3", endpoint: "https://s3.example.com", bucket: "b", region: "auto", access_key_id: "AKIA", secret_set: false } } satisfies Settings;

const CALLS: [string, () => Promise<unknown>, Record<string, unknown>][] = [
  ["gallery_query", () => ipc.galleryQuery({ query }), { query }],
  ["gallery_details", () => ipc.galleryDetails({ id: 4 }), { id: 4 }],
  ["favourite_set", () => ipc.favouriteSet({ id: 4, on: true }), { id: 4, on: true }],
  ["clip_delete", () => ipc.clipDelete({ id: 4 }), { id: 4 }],
  ["clip_undo_delete", () => ipc.clipUndoDelete({ id: 4 }), { id: 4 }],
  ["clip_save_copy", () => ipc.clipSaveCopy({ id: 4 }), { id: 4 }],
  ["clip_locate", () => ipc.clipLocate({ id: 4 }), { id: 4 }],
  ["clip_forget", () => ipc.clipForget({ id: 4 }), { id: 4 }],
  ["thumb_put", () => ipc.thumbPut({ id: 4, bytes: "/9j/4AAQ" }), { id: 4, bytes: "/9j/4AAQ" }],
  ["spend_summary", () => ipc.spendSummary({ query: { since: null, period: "day", utc_offset_minutes: 60 } }), { query: { since: null, period: "day", utc_offset_minutes: 60 } }],
  ["library_pick_folder", () => ipc.libraryPickFolder(), {}],
  ["library_move", () => ipc.libraryMove({ dir: "/media/clips", mode: "move" }), { dir: "/media/clips", mode: "move" }],
  ["job_again", () => ipc.jobAgain({ id: 4 }), { id: 4 }],
  ["reveal_clip", () => ipc.revealClip({ id: 4 }), { id: 4 }],
  ["image_from_bytes", () => ipc.imageFromBytes({ bytes: "AAAA", name: "Kling 3 Pro last frame.jpg" }), { bytes: "AAAA", name: "Kling 3 Pro last frame.jpg" }],
  ["settings_save", () => ipc.settingsSave({ settings: SETTINGS, bucket_secret: "s3cr3t" }), { settings: SETTINGS, bucket_secret: "s3cr3t" }],
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
        throw { kind: "undo_expired", field: null, message: "It is too late to undo deleting generation #4.", action: null, link: null };
      },
    });
    await expect(call()).rejects.toEqual({ kind: "undo_expired", field: null, message: "It is too late to undo deleting generation #4.", action: null, link: null });
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
    await expect(ipc.clipDelete({ id: 1 })).rejects.toMatchObject({ kind: "internal", field: null, message: "the clip server is gone" });
    const err = (await ipc.galleryQuery({ query }).catch((e) => e)) as AppError;
    expect(err.kind).toBe("internal");
    expect(err.message).toMatch(/Restart the app/);
  });
});

describe("the wrappers are Rust's command table", () => {
  test("one wrapper per command, each sending its argument struct under `args`", async () => {
    const backend = fakeBackend(Object.fromEntries(COMMANDS.map((c) => [c, () => null])));
    const wrappers = ipc as unknown as Record<string, (a?: unknown) => Promise<unknown>>;
    for (const cmd of COMMANDS) {
      const name = cmd.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
      expect(typeof wrappers[name], name).toBe("function");
      await wrappers[name]({});
    }
    expect(backend.commands()).toEqual([...COMMANDS]);
  });

  test("the bucket secret is sent under the name Rust reads (the lost-secret bug)", async () => {
    const sent: unknown[] = [];
    mockIPC((_cmd, payload) => {
      sent.push(payload);
      return null;
    });
    await ipc.settingsSave({ settings: SETTINGS, bucket_secret: "s3cr3t" });
    expect(sent).toEqual([{ args: { settings: SETTINGS, bucket_secret: "s3cr3t" } }]);
  });

  test("no code outside the IPC module calls invoke", () => {
    const files = import.meta.glob("../src/**/*.{ts,svelte}", { query: "?raw", import: "default", eager: true }) as Record<string, string>;
    const callers = Object.entries(files)
      .filter(([path, text]) => !path.includes("/lib/ipc/") && /\binvoke\s*[(<]/.test(text))
      .map(([path]) => path);
    expect(callers).toEqual([]);
    expect(Object.keys(files).length).toBeGreaterThan(20);
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

test("every action the core can send is known to the window and has a button", async () => {
  const { ERROR_ACTIONS } = await import("../src/lib/ipc/bindings/constants");
  const { ACTION_LABEL } = await import("../src/lib/errors");
  // ACTION_LABEL is typed by ts-rs's ErrorAction (every Rust variant); ERROR_ACTIONS is Rust's
  // ErrorAction::ALL, which the window uses to accept an action arriving at run time.
  expect([...ERROR_ACTIONS].sort()).toEqual(Object.keys(ACTION_LABEL).sort());
  const restart = { kind: "database", field: null, message: "damaged", action: "restart", link: null };
  expect(ipc.toAppError(restart).action).toBe("restart");
});
