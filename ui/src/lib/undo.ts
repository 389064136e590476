// Timing for toasts that offer an undo: how long the offer may stand (never past the core's own
// deadline), and a countdown that pauses while the pointer or focus is on the toast.

export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

/** The usual undo window. */
export const UNDO_MS = 6000;
/** Kept back from the core's deadline so an Undo pressed at the last moment still arrives in time. */
const MARGIN_MS = 400;

/** How long to offer Undo for a deletion the core lets us undo until `undoUntil` (RFC 3339). */
export function undoWindow(undoUntil: string, now: number, max = UNDO_MS): number {
  const until = Date.parse(undoUntil);
  if (Number.isNaN(until)) return max;
  return Math.max(0, Math.min(max, until - now - MARGIN_MS));
}

/** Calls `onExpire` once after `ms`, unless cancelled; pausing stops the clock until resumed. */
export class Countdown {
  private left: number;
  private startedAt = 0;
  private handle: unknown = null;
  private finished = false;
  private onExpire: () => void;
  private clock: Clock;

  constructor(ms: number, onExpire: () => void, clock: Clock = realClock) {
    this.left = Math.max(0, ms);
    this.onExpire = onExpire;
    this.clock = clock;
    this.resume();
  }

  get done(): boolean {
    return this.finished;
  }

  get paused(): boolean {
    return !this.finished && this.handle === null;
  }

  remaining(): number {
    if (this.finished) return 0;
    if (this.handle === null) return this.left;
    return Math.max(0, this.left - (this.clock.now() - this.startedAt));
  }

  pause() {
    if (this.finished || this.handle === null) return;
    this.left = this.remaining();
    this.clock.clearTimeout(this.handle);
    this.handle = null;
  }

  resume() {
    if (this.finished || this.handle !== null) return;
    this.startedAt = this.clock.now();
    this.handle = this.clock.setTimeout(() => {
      this.handle = null;
      this.finished = true;
      this.onExpire();
    }, this.left);
  }

  cancel() {
    if (this.handle !== null) this.clock.clearTimeout(this.handle);
    this.handle = null;
    this.finished = true;
  }
}
