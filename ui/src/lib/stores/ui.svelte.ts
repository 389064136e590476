// Window state that belongs to no record: the tab, the clip in the player, the banner,
// which sheet is open, the drop overlay, and a clock that ticks while jobs run.

import type { AppError } from "../ipc";

export type Tab = "create" | "gallery" | "spend";
export type CreateMode = "single" | "compare" | "batch";

export interface Banner {
  error: AppError;
  /** What "Retry now" does, when the failed thing can simply be done again. */
  retry: (() => void) | null;
}

export class UiStore {
  tab = $state<Tab>("create");
  selectedId = $state<number | null>(null);
  playing = $state(false);
  loop = $state(true);
  banner = $state<Banner | null>(null);
  settingsOpen = $state(false);
  /** Settings opened straight to the key form ("Replace key"). */
  settingsReplaceKey = $state(false);
  dropHover = $state(false);
  /** The user chose to look around without a key (demo) — hide the key screen. */
  keyScreenDismissed = $state(false);
  now = $state(Date.now());
  /** The generation open in the clip details (over any view), or null. */
  detailsId = $state<number | null>(null);
  /** The compare board open over the stage, or null. */
  boardId = $state<number | null>(null);
  /** What the create panel makes: one clip (with its takes), a compare board, or a batch. */
  createMode = $state<CreateMode>("single");

  openBoard(id: number) {
    this.detailsId = null;
    this.boardId = id;
  }

  openSettings(replaceKey = false) {
    this.settingsReplaceKey = replaceKey;
    this.settingsOpen = true;
  }

  closeSettings() {
    this.settingsOpen = false;
    this.settingsReplaceKey = false;
  }

  showBanner(error: AppError, retry: (() => void) | null = null) {
    this.banner = { error, retry };
  }
}
