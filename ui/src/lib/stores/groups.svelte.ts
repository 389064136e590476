// Boards and batches, mirrored from the core: `group_list` fills it, `job-changed` keeps each
// member current (a member's change updates its group's done count and spend), and the queue,
// the board and the gallery's sets read it. Pause, resume and cancel go through here.

import * as ipc from "../ipc";
import type { AppError, CancelOutcome, GroupView, Job } from "../ipc";
import { isFinished, isRunning, isStale } from "../job";

/** Members finished so far, and the money charged for them (refused or dropped ones cost nothing). */
export function tally(cells: Job[]): { done: number; spent: number } {
  return {
    done: cells.filter(isFinished).length,
    spent: cells.reduce((sum, c) => sum + (c.status === "rejected" ? 0 : (c.charged_micros ?? 0)), 0),
  };
}

/**
 * Seconds until a batch is done, from how fast its members have been finishing: the time since the
 * first one was sent, per member finished, times what is left. Null before the first finishes
 * (no honest guess yet) and once all are.
 */
export function etaSeconds(g: GroupView, now: number): number | null {
  const { done } = tally(g.cells);
  const left = g.cells.filter(isRunning).length;
  if (done === 0 || left === 0 || g.state === "paused") return null;
  const started = Math.min(...g.cells.map((c) => Date.parse(c.submitted_at ?? c.created_at)).filter(Number.isFinite));
  const finishedAt = g.cells
    .map((c) => (c.completed_at ? Date.parse(c.completed_at) : NaN))
    .filter(Number.isFinite);
  if (!Number.isFinite(started) || finishedAt.length === 0) return null;
  const elapsed = Math.max(...finishedAt, now) - started;
  return Math.max(0, Math.round(((elapsed / done) * left) / 1000));
}

export class GroupsStore {
  list = $state<GroupView[]>([]);
  /** The group whose last action failed, and why (shown on its row). */
  errors = $state<Record<number, string>>({});

  get(id: number): GroupView | undefined {
    return this.list.find((g) => g.id === id);
  }

  async load() {
    try {
      this.list = await ipc.groupList();
    } catch {
      // The queue shows what it has; the next change refreshes it.
    }
  }

  /** A group just made, or read again. */
  put(view: GroupView) {
    const i = this.list.findIndex((g) => g.id === view.id);
    if (i === -1) this.list = [view, ...this.list];
    else this.list[i] = view;
  }

  async refresh(id: number): Promise<GroupView | undefined> {
    try {
      const view = await ipc.groupGet({ id });
      this.put(view);
      return view;
    } catch {
      return this.get(id);
    }
  }

  /** A member changed: its cell, and its group's tally, follow. */
  jobChanged(job: Job) {
    if (job.group_id === null) return;
    const g = this.get(job.group_id);
    if (!g) {
      void this.refresh(job.group_id);
      return;
    }
    const i = g.cells.findIndex((c) => c.id === job.id);
    if (i === -1) {
      void this.refresh(g.id);
      return;
    }
    if (isStale(g.cells[i], job)) return;
    g.cells[i] = job;
    const t = tally(g.cells);
    g.done = t.done;
    g.spent_micros = t.spent;
  }

  private async act(id: number, work: () => Promise<GroupView | null>) {
    delete this.errors[id];
    try {
      const view = await work();
      if (view) this.put(view);
    } catch (e) {
      this.errors[id] = (e as AppError).message;
    }
  }

  pause(id: number) {
    return this.act(id, () => ipc.groupPause({ id }));
  }

  resume(id: number) {
    return this.act(id, () => ipc.groupResume({ id }));
  }

  /** Cancels the rest; answers the sentence saying what was dropped and what could not be. */
  async cancel(id: number): Promise<CancelOutcome | null> {
    let outcome: CancelOutcome | null = null;
    await this.act(id, async () => {
      outcome = await ipc.groupCancel({ id });
      return ipc.groupGet({ id });
    });
    return outcome;
  }
}
