// Posters the window makes itself: when a tile's thumbnail is missing (404) but its clip is
// here, the clip's first frame is drawn (two at a time, once per clip per session), handed to
// the core with `thumb_put`, and the tile reloads its poster.

import { SvelteMap, SvelteSet } from "svelte/reactivity";
import * as ipc from "../ipc";
import { toAppError } from "../ipc/call";
import { GrabQueue, grabFrame } from "../frames";
import type { ToastStore } from "./toasts.svelte";

/** The failure of a poster with no clip to draw it from (never a poster URL). */
const NO_CLIP = "\u0000no clip";

/** Posters are small: the grid never shows a tile wider than this. */
const POSTER_WIDTH = 320;

export class PosterStore {
  /** A full disk is said once a session (a gallery of 35 tiles would say it 35 times). */
  private toldDiskFull = false;

  constructor(private toasts?: ToastStore) {}

  /** id → a cache-busting version once the window made a poster for it. */
  private versions = new SvelteMap<number, number>();
  /**
   * ids whose poster cannot be shown: `true` when none could be made (the tile shows an icon,
   * never a broken image), `NO_CLIP` while there was no clip to draw one from (its library
   * folder away, say: tried again once the clip is there), or the one poster URL that still
   * failed after a poster was made.
   */
  private failures = new SvelteMap<number, string | true>();
  /** ids whose poster is being drawn: their tiles show the loading state, not "No preview". */
  private drawing = new SvelteSet<number>();
  private queue = new GrabQueue(2, (id, state) => {
    this.drawing.delete(id);
    if (state === "ok") this.versions.set(id, Date.now());
    else this.failures.set(id, true);
  });

  /** Whether the window is drawing (or about to draw) this clip's poster. */
  making(id: number): boolean {
    return this.drawing.has(id);
  }

  version(id: number): number | undefined {
    return this.versions.get(id);
  }

  /**
   * Whether the tile should not try `src` (or any poster, when none could be made). A poster
   * that failed for want of a clip is tried again once the tile has one (`clipUrl`).
   */
  failed(id: number, src: string, clipUrl: string | null = null): boolean {
    const f = this.failures.get(id);
    if (f === NO_CLIP) return clipUrl === null;
    return f === true || f === src;
  }

  /** The poster at `src` did not load: draw one from the clip, if there is a clip and it was not tried. */
  broken(id: number, clipUrl: string | null, src: string) {
    if (!clipUrl) {
      this.failures.set(id, NO_CLIP);
      return;
    }
    // Already made once this session and this URL still fails: not again (a new URL may work).
    if (this.versions.has(id) || this.queue.state(id) === "failed") {
      this.failures.set(id, src);
      return;
    }
    this.drawing.add(id);
    void this.queue.request(id, async () => {
      const frame = await grabFrame(clipUrl, { at: 0.05, maxWidth: POSTER_WIDTH, type: "image/jpeg", quality: 0.8 });
      try {
        await ipc.thumbPut({ id, bytes: frame.base64 });
      } catch (e) {
        const err = toAppError(e);
        if (err.kind === "disk_full" && !this.toldDiskFull) {
          this.toldDiskFull = true;
          this.toasts?.error(err.message);
        }
        throw e;
      }
    });
  }

  /** The tile went away before its turn: do not draw a poster nobody will see. */
  cancel(id: number) {
    this.queue.cancel(id);
    if (this.queue.state(id) === undefined) this.drawing.delete(id);
  }

  get busy(): number {
    return this.queue.active + this.queue.queued;
  }
}
