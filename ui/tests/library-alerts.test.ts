// @vitest-environment jsdom
// The library's alerts. A library folder that is away (an unplugged drive, a renamed folder): the
// alert says where it was expected and what it holds, follows the core's word when the folder
// comes back, and "Locate…" relinks it, or says why the folder picked is not the library. Damage
// found in the background: said, with "Restart to repair".
import { afterEach, expect, test } from "vitest";
import { cleanup, fireEvent, render, screen } from "@testing-library/svelte";
import LibraryAlerts from "../src/components/LibraryAlerts.svelte";
import { AppStore, CreateStore, JobsStore, LibraryHealthStore, ToastStore, UiStore, health } from "../src/lib/stores";
import { awaySentence, relinkedSentence } from "../src/lib/stores/health.svelte";
import { connect } from "../src/lib/stores/session";
import { appState } from "./fixtures";
import { clearMocks, fakeBackend, tick } from "./backend";
import type { AwayFolder } from "../src/lib/ipc";

const drive: AwayFolder = { folder: "/media/you/T7/Kyma Library", clips: 212, waiting: 2 };

afterEach(() => {
  cleanup();
  clearMocks();
  health.away = null;
  health.damage = null;
  health.error = null;
});

test("the sentence names the folder, what is kept and what waits", () => {
  expect(awaySentence(drive)).toBe(
    "Kyma Studio expected it at /media/you/T7/Kyma Library. Its 212 clips and every record are kept; 2 clips wait to download into it. New clips can be made once it is back. Plug the drive in or put the folder back and everything carries on by itself, or show where it is now.",
  );
  expect(awaySentence({ folder: "/one", clips: 1, waiting: 0 })).toBe(
    "Kyma Studio expected it at /one. Its 1 clip and every record are kept. New clips can be made once it is back. Plug the drive in or put the folder back and everything carries on by itself, or show where it is now.",
  );
  expect(awaySentence({ folder: "/new", clips: 0, waiting: 0 })).toContain("Every record is kept.");
  expect(relinkedSentence({ from: "/a", to: "/b", records: 3, clips: 2, found: 2 })).toBe("The library folder is now /b: found 2 of its 2 clips there.");
});

test("the banner shows while a folder is away and leaves when the core says it is back", async () => {
  let folders: AwayFolder | null = drive;
  const backend = fakeBackend({ app_state: () => appState(), library_health: () => ({ away: folders, damage: null }) });
  const app = new AppStore();
  const jobs = new JobsStore();
  const ui = new UiStore();
  const stop = await connect({ app, jobs, ui, create: new CreateStore(app, jobs, ui), health });
  render(LibraryAlerts);
  for (let i = 0; i < 3; i++) await tick();
  expect(screen.getByTestId("library-away").textContent).toContain("The library folder is not there");
  expect(screen.getByTestId("library-away").textContent).toContain("/media/you/T7/Kyma Library");
  // Plugged back in: the core's watcher sends library-changed (all).
  folders = null;
  await backend.emit("library-changed", { ids: [], all: true });
  for (let i = 0; i < 3; i++) await tick();
  expect(screen.queryByTestId("library-away")).toBeNull();
  // A download that finds the folder gone asks again at once.
  folders = drive;
  await backend.emit("job-problem", {
    id: 4,
    error: { kind: "library_missing", field: null, message: "The library folder … is not there", action: null, link: null },
  });
  for (let i = 0; i < 3; i++) await tick();
  expect(screen.getByTestId("library-away")).toBeTruthy();
  stop();
});

test("Locate… relinks the folder picked and says what it found; a wrong folder is said and changes nothing", async () => {
  let picked: string | null = "/home/you/Holiday photos";
  let folders: AwayFolder | null = drive;
  const backend = fakeBackend({
    library_pick_folder: () => picked,
    library_health: () => ({ away: folders, damage: null }),
    library_relink: ({ from, to }) => {
      if (to === "/home/you/Holiday photos")
        throw { kind: "move_refused", field: null, message: "That is not where the library folder went: /home/you/Holiday photos has no clips folder inside; choose the library folder itself (the one holding clips/).", action: null, link: null };
      folders = null;
      return { from, to, records: 214, clips: 212, found: 212 };
    },
  });
  const toasts = new ToastStore();
  const store = new LibraryHealthStore(toasts);
  await store.refresh();
  await store.locate(drive.folder);
  expect(store.error).toContain("has no clips folder inside");
  expect(store.away).toEqual(drive);
  picked = "/media/you/T7 (2)/Kyma Library";
  await store.locate(drive.folder);
  expect(store.error).toBeNull();
  expect(store.away).toBeNull();
  expect(toasts.current?.message).toBe("The library folder is now /media/you/T7 (2)/Kyma Library: found 212 of its 212 clips there.");
  expect(backend.calls.filter((c) => c.cmd === "library_relink").map((c) => c.args)).toEqual([
    { from: drive.folder, to: "/home/you/Holiday photos" },
    { from: drive.folder, to: "/media/you/T7 (2)/Kyma Library" },
  ]);
  // Cancelling the picker changes nothing.
  picked = null;
  folders = drive;
  await store.refresh();
  await store.locate(drive.folder);
  expect(backend.calls.filter((c) => c.cmd === "library_relink")).toHaveLength(2);
});

test("a refusal said while the folder was away leaves with the alert", async () => {
  let away: AwayFolder | null = drive;
  fakeBackend({ library_health: () => ({ away, damage: null }) });
  const ui = new UiStore();
  const store = new LibraryHealthStore(new ToastStore(), ui);
  const refusal = { kind: "library_missing", field: null, message: "The library folder … is not there", action: null, link: null } as const;
  ui.showBanner(refusal);
  await store.refresh();
  expect(ui.banner?.error.kind).toBe("library_missing");
  away = null;
  await store.refresh();
  expect(ui.banner).toBeNull();
  // Another banner (no credit, say) is not the health store's to clear.
  ui.showBanner({ ...refusal, kind: "insufficient_credit" });
  await store.refresh();
  expect(ui.banner?.error.kind).toBe("insufficient_credit");
});

test("the banner's Locate… button is the store's", async () => {
  fakeBackend({ library_health: () => ({ away: drive, damage: null }), library_pick_folder: () => null });
  await health.refresh();
  render(LibraryAlerts);
  await tick();
  await fireEvent.click(screen.getByTestId("library-locate"));
  expect(screen.getByTestId("library-locate").textContent).toContain("Locate…");
});

test("damage found in the background is said, with a restart that opens the repair offer", async () => {
  const damage =
    "The library database at /data/library.sqlite3 is damaged (database disk image is malformed). Restart Kyma Studio to repair it: it opens on the repair offer, and every clip stays in its folder.";
  const backend = fakeBackend({ library_health: () => ({ away: null, damage }), app_restart: () => null });
  await health.refresh();
  render(LibraryAlerts);
  await tick();
  expect(screen.getByTestId("library-damage").textContent).toContain(damage);
  expect(screen.queryByTestId("library-away")).toBeNull();
  await fireEvent.click(screen.getByText("Restart to repair"));
  await tick();
  expect(backend.commands()).toEqual(["library_health", "app_restart"]);
});
