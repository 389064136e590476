// The queue's rows, pure: single generations stay rows of their own; the members of a board or
// batch are gathered under one row for their group, placed where its newest member would be.

import type { GroupView, Job } from "./ipc/types";

export type QueueEntry = { kind: "job"; job: Job } | { kind: "group"; id: number; group: GroupView | null; members: Job[] };

/** `jobs` newest first (as the queue holds them) → rows, a group's members in their order. */
export function queueEntries(jobs: readonly Job[], groupOf: (id: number) => GroupView | undefined): QueueEntry[] {
  const out: QueueEntry[] = [];
  const seen = new Map<number, Extract<QueueEntry, { kind: "group" }>>();
  for (const job of jobs) {
    if (job.group_id === null) {
      out.push({ kind: "job", job });
      continue;
    }
    let entry = seen.get(job.group_id);
    if (!entry) {
      entry = { kind: "group", id: job.group_id, group: groupOf(job.group_id) ?? null, members: [] };
      seen.set(job.group_id, entry);
      out.push(entry);
    }
    entry.members.push(job);
  }
  for (const e of seen.values()) e.members.sort((a, b) => (a.group_index ?? 0) - (b.group_index ?? 0));
  return out;
}

/** "1 m 20 s", "45 s", "2 h 5 m": an ETA to read at a glance. */
export function formatEta(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} m ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} m`;
}
