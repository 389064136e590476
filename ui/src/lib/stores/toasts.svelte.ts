// One short message at the bottom of the window ("Deleted · Undo", "Saved to …"), gone after a
// few seconds; the clock stops while the pointer or keyboard focus is on it.

import { Countdown, type Clock, realClock } from "../undo";

export interface ToastAction {
  label: string;
  run: () => void | Promise<void>;
  /** For end-to-end tests, e.g. "toast-undo". */
  testid?: string;
}

export interface Toast {
  id: number;
  message: string;
  kind: "info" | "error";
  action: ToastAction | null;
}

export class ToastStore {
  current = $state<Toast | null>(null);
  private countdown: Countdown | null = null;
  private nextId = 1;
  private clock: Clock;

  constructor(clock: Clock = realClock) {
    this.clock = clock;
  }

  show(message: string, opts: { action?: ToastAction; ms?: number; kind?: Toast["kind"] } = {}): number {
    this.countdown?.cancel();
    const id = this.nextId++;
    this.current = { id, message, kind: opts.kind ?? "info", action: opts.action ?? null };
    const ms = opts.ms ?? (opts.kind === "error" ? 8000 : 4000);
    this.countdown = new Countdown(ms, () => this.dismiss(id), this.clock);
    return id;
  }

  error(message: string) {
    return this.show(message, { kind: "error" });
  }

  /** Closes the toast (only `id`'s, when given: a newer one stays). */
  dismiss(id?: number) {
    if (id !== undefined && this.current?.id !== id) return;
    this.countdown?.cancel();
    this.countdown = null;
    this.current = null;
  }

  /** Runs the toast's action once and closes it. */
  async act() {
    const t = this.current;
    if (!t?.action) return;
    this.dismiss(t.id);
    await t.action.run();
  }

  pause() {
    this.countdown?.pause();
  }

  resume() {
    this.countdown?.resume();
  }
}
