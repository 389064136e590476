// The library's health, for the alerts under the header: the library folder when it is away (an
// unplugged drive, a folder renamed or moved outside the app) and damage found in the database
// in the background. Read at start and again whenever the library changes as a whole (the
// core's watcher says so when a folder goes away or comes back, or damage is found), so the
// alerts leave by themselves. "Locate…" points the records at where the folder is now.

import * as ipc from "../ipc";
import type { AppError, AwayFolder, Relinked } from "../ipc";
import type { ToastStore } from "./toasts.svelte";
import type { UiStore } from "./ui.svelte";

const clips = (n: number) => `${n} clip${n === 1 ? "" : "s"}`;

/** What the alert says about a folder that is away: where it was expected, what it holds. */
export function awaySentence(f: AwayFolder): string {
  const kept = f.clips > 0 ? `Its ${clips(f.clips)} and every record are kept` : "Every record is kept";
  const waiting = f.waiting > 0 ? `; ${clips(f.waiting)} wait to download into it` : "";
  return `Kyma Studio expected it at ${f.folder}. ${kept}${waiting}. New clips can be made once it is back. Plug the drive in or put the folder back and everything carries on by itself, or show where it is now.`;
}

/** What relinking did, for the toast. */
export function relinkedSentence(r: Relinked): string {
  const found = r.clips > 0 ? `found ${r.found} of its ${clips(r.clips)} there` : "it held no clips yet";
  return `The library folder is now ${r.to}: ${found}.`;
}

export class LibraryHealthStore {
  /** The library folder, when it is not there. */
  away = $state<AwayFolder | null>(null);
  /** Damage a background check found in the database: the sentence to show. */
  damage = $state<string | null>(null);
  /** The folder being relinked, while it is. */
  busy = $state<string | null>(null);
  /** Why the last "Locate…" (or restart) was refused: the wrong folder, say. */
  error = $state<string | null>(null);
  private toasts: ToastStore;
  private ui: UiStore | null;

  constructor(toasts: ToastStore, ui: UiStore | null = null) {
    this.toasts = toasts;
    this.ui = ui;
  }

  async refresh() {
    try {
      const h = await ipc.libraryHealth();
      this.away = h.away;
      this.damage = h.damage;
      if (h.away === null) {
        this.error = null;
        // A refusal said while the folder was away is out of date now.
        if (this.ui?.banner?.error.kind === "library_missing") this.ui.banner = null;
      }
    } catch {
      // The alerts keep what they show; the next change asks again.
    }
  }

  /** The folder picker, then the relink; cancelling the picker changes nothing. */
  async locate(from: string) {
    this.error = null;
    let to: string | null;
    try {
      to = await ipc.libraryPickFolder();
    } catch (e) {
      this.error = (e as AppError).message;
      return;
    }
    if (!to) return;
    this.busy = from;
    try {
      const r = await ipc.libraryRelink({ from, to });
      this.toasts.show(relinkedSentence(r), { ms: 6000 });
      await this.refresh();
    } catch (e) {
      this.error = (e as AppError).message;
    } finally {
      this.busy = null;
    }
  }

  /** Starts the app again: it opens on the repair offer. */
  async restart() {
    try {
      await ipc.appRestart();
    } catch (e) {
      this.error = (e as AppError).message;
    }
  }
}
