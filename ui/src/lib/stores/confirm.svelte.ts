// "Ask once more above the user's threshold", one rule for a clip, a board and a batch: a total
// at or below the threshold goes at once; above it, the total waits here for a second yes, and
// only that yes sends (whatever the form holds then, checked again by the send itself).

import type { Micros } from "../ipc";
import { needsConfirm } from "../draft";

export class ConfirmGate {
  /** The total awaiting a second yes (null: not asking). */
  total = $state<Micros | null>(null);
  private pending: (() => Promise<void>) | null = null;

  get asking(): boolean {
    return this.total !== null;
  }

  /** Sends now, or asks first when `total` is above `threshold`. */
  async ask(total: Micros, threshold: Micros, send: () => Promise<void>): Promise<void> {
    if (this.asking) return;
    if (needsConfirm(total, threshold)) {
      this.total = total;
      this.pending = send;
      return;
    }
    await send();
  }

  /** The second yes: sends what was asked, once. */
  async confirm(): Promise<void> {
    const send = this.pending;
    this.cancel();
    if (send) await send();
  }

  cancel(): void {
    this.total = null;
    this.pending = null;
  }
}
