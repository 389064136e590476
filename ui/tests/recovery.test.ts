// @vitest-environment jsdom
// A damaged library: the window opens on the recovery offer (what is wrong, the backup, the
// clips that come back), repairs with one button, says what it did, and then opens the library.
import { afterEach, expect, test, vi } from "vitest";
import { cleanup, fireEvent, render, screen } from "@testing-library/svelte";
import App from "../src/App.svelte";
import Recovery from "../src/views/Recovery.svelte";
import { appState } from "./fixtures";
import { clearMocks, fakeBackend, tick } from "./backend";

const trouble = {
  sentence: "The library database at /data/library.sqlite3 is damaged (database disk image is malformed).",
  backup: "library-20261206-091500-000-daily.sqlite3",
  clips_on_disk: 5,
  damaged_folder: "/data/damaged",
  repairable: true,
};

afterEach(() => {
  cleanup();
  clearMocks();
});

test("a damaged library opens the window on the recovery offer, not the app", async () => {
  fakeBackend({
    library_trouble: () => trouble,
    app_state: () => {
      throw { kind: "internal", field: null, message: "state not managed", action: null, link: null };
    },
  });
  render(App);
  for (let i = 0; i < 5; i++) await tick();
  expect(screen.getByTestId("recovery-problem").textContent).toBe(trouble.sentence);
  expect(screen.getByTestId("recovery").textContent).toContain("2026-12-06 09:15 UTC");
  expect(screen.getByTestId("recovery").textContent).toContain("/data/damaged");
  expect(screen.queryByText("Kyma Studio could not start")).toBeNull();
});

test("a sound library opens as usual", async () => {
  fakeBackend({ library_trouble: () => null, app_state: () => appState() });
  render(App);
  for (let i = 0; i < 5; i++) await tick();
  expect(screen.queryByTestId("recovery")).toBeNull();
});

test("repairing says what came back, then opens the library", async () => {
  const backend = fakeBackend({
    library_recover: () => ({
      sentence: "The library is recovered: 1 record(s) came back from the backup x, and 5 clip(s) got their records back from the files beside them.",
      from_backup: 1,
      rebuilt: 5,
    }),
  });
  const onopen = vi.fn();
  render(Recovery, { trouble, onopen });
  await fireEvent.click(screen.getByTestId("recovery-go"));
  for (let i = 0; i < 3; i++) await tick();
  expect(backend.calls.map((c) => c.cmd)).toEqual(["library_recover"]);
  expect(screen.getByTestId("recovery-report").textContent).toContain("5 clip(s) got their records back");
  await fireEvent.click(screen.getByTestId("recovery-open"));
  expect(onopen).toHaveBeenCalledOnce();
});

test("a database found damaged by the window's first read offers a restart into the repair", async () => {
  const damaged = {
    kind: "database",
    field: null,
    message:
      "The library database at /data/library.sqlite3 is damaged (database disk image is malformed). Restart Kyma Studio to repair it: it opens on the repair offer, and every clip stays in its folder.",
    action: "restart",
    link: null,
  };
  const backend = fakeBackend({
    library_trouble: () => null,
    app_state: () => {
      throw damaged;
    },
    app_restart: () => null,
  });
  render(App);
  for (let i = 0; i < 5; i++) await tick();
  expect(screen.getByTestId("fatal-message").textContent).toBe(damaged.message);
  await fireEvent.click(screen.getByTestId("fatal-restart"));
  await tick();
  expect(backend.commands()).toContain("app_restart");
});

test("a library from a newer Kyma Studio says to update and offers no repair", async () => {
  const backend = fakeBackend({});
  const newer = {
    sentence: "This library was written by a newer Kyma Studio (schema 9, this one knows 8). Update Kyma Studio.",
    backup: null,
    clips_on_disk: 0,
    damaged_folder: "",
    repairable: false,
  };
  render(Recovery, { trouble: newer, onopen: () => {} });
  expect(screen.getByTestId("recovery-problem").textContent).toBe(newer.sentence);
  expect(screen.getByText("This library needs a newer Kyma Studio")).toBeTruthy();
  expect(screen.queryByTestId("recovery-go")).toBeNull();
  expect(backend.calls).toEqual([]);
});
