// The money around the next submit: Kyma's balance (shown in the header only when Kyma answers
// with a figure), today's spending and the daily cap. Read at start, after a job settles and
// after a group is made; never more often than every 15 s unless asked, to spare the key's RPM.
// A refresh asked for within those 15 s is not lost: it happens when they are over, so the
// header never keeps a balance from before the last clip was charged.

import * as ipc from "../ipc";
import type { Budget } from "../ipc";

export const MIN_REFRESH_MS = 15_000;

export class BudgetStore {
  current = $state<Budget | null>(null);
  private last = 0;
  private pending: Promise<void> | null = null;
  private trailing: ReturnType<typeof setTimeout> | null = null;
  private now: () => number;

  constructor(now: () => number = Date.now) {
    this.now = now;
  }

  /** The balance in micro-dollars, when known. */
  get balance(): number | null {
    return this.current?.balance_micros ?? null;
  }

  async refresh(force = false): Promise<void> {
    if (this.pending) return this.pending;
    const wait = this.last + MIN_REFRESH_MS - this.now();
    if (!force && wait > 0) {
      this.trailing ??= setTimeout(() => {
        this.trailing = null;
        void this.refresh();
      }, wait);
      return;
    }
    if (this.trailing) {
      clearTimeout(this.trailing);
      this.trailing = null;
    }
    this.last = this.now();
    this.pending = (async () => {
      try {
        this.current = await ipc.budgetGet();
      } catch {
        // No figure is better than a stale one shown as current.
        if (this.current) this.current = { ...this.current, balance_micros: null };
      } finally {
        this.pending = null;
      }
    })();
    return this.pending;
  }
}
