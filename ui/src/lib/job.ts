// How one Job reads in the window: its status words, its money line, elapsed time, download size.

import type { Job, JobStatus, Micros } from "./ipc/types";
import { formatCents } from "./money";

const RUNNING: ReadonlySet<JobStatus> = new Set(["queued", "pending", "processing", "downloading"]);
const RETRYABLE: ReadonlySet<JobStatus> = new Set(["failed", "refunded", "expired", "rejected"]);

/** How far along its life a status is (Rust's jobs::Status). A generation never goes back a
 * stage; within "at Kyma" it may (Kyma can move a job from processing back to pending). */
const STAGE: Record<JobStatus, number> = {
  queued: 0,
  pending: 1,
  processing: 1,
  downloading: 2,
  succeeded: 3,
  failed: 3,
  refunded: 3,
  expired: 3,
  rejected: 3,
};

/** True when `next` is an older picture of the job than `now` (answers and events can cross). */
export const isStale = (now: Job, next: Job) => STAGE[next.status] < STAGE[now.status];

export const isRunning = (job: Job) => RUNNING.has(job.status);
export const isFinished = (job: Job) => !RUNNING.has(job.status);
export const canRetry = (job: Job) => RETRYABLE.has(job.status);
export const isFailure = (job: Job) => RETRYABLE.has(job.status);

export function downloadFraction(job: Job): number | null {
  if (job.bytes_done === null || !job.bytes_total) return null;
  return Math.min(1, Math.max(0, job.bytes_done / job.bytes_total));
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024 * 1024) return `${Math.max(0, Math.round(bytes / 1024))} KB`;
  const mb = bytes / (1024 * 1024);
  if (mb >= 1024) {
    const gb = mb / 1024;
    return gb < 10 ? `${gb.toFixed(2)} GB` : gb < 100 ? `${gb.toFixed(1)} GB` : `${Math.round(gb)} GB`;
  }
  return mb < 10 ? `${mb.toFixed(1)} MB` : `${Math.round(mb)} MB`;
}

export function statusText(job: Job): string {
  switch (job.status) {
    case "queued":
      return "queued";
    case "pending":
      return "waiting at Kyma";
    case "processing":
      return "processing";
    case "downloading": {
      const f = downloadFraction(job);
      if (f === null) return job.bytes_done ? `↓ ${formatBytes(job.bytes_done)}` : "↓ downloading";
      return `↓ ${Math.floor(f * 100)}% · ${formatBytes(job.bytes_done ?? 0)}`;
    }
    case "succeeded":
      return "done";
    default:
      return job.status;
  }
}

/** "hold $0.76" while running, then "charged $0.76" or "refunded $0.76". */
export function moneyLine(job: Job): { label: string; micros: Micros } | null {
  if (job.refunded_micros !== null) return { label: "refunded", micros: job.refunded_micros };
  if (job.charged_micros !== null) return { label: "charged", micros: job.charged_micros };
  // A finished job that never reached Kyma held nothing; one that did keeps its hold until settled.
  if (isRunning(job) || job.submitted_at) return { label: "hold", micros: job.hold_micros };
  return null;
}

export function moneyText(job: Job): string {
  const m = moneyLine(job);
  return m ? `${m.label} ${formatCents(m.micros)}` : "not charged";
}

/** Seconds since the job left (or was created), up to its end; ticks with `now` while running. */
export function elapsedSeconds(job: Job, now: number): number {
  const start = Date.parse(job.submitted_at ?? job.created_at);
  const end = job.completed_at ? Date.parse(job.completed_at) : now;
  if (Number.isNaN(start) || Number.isNaN(end)) return 0;
  return Math.max(0, Math.floor((end - start) / 1000));
}

export function formatElapsed(seconds: number): string {
  if (seconds < 60) return `${seconds}s`;
  const m = Math.floor(seconds / 60);
  const s = String(seconds % 60).padStart(2, "0");
  if (m < 60) return `${m}m ${s}s`;
  return `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, "0")}m`;
}

/** Charged today in local time: the header's "$ today". */
export function spentOn(jobs: readonly Job[], day: Date): Micros {
  let total = 0;
  for (const job of jobs) {
    if (job.charged_micros === null || !job.completed_at) continue;
    const done = new Date(job.completed_at);
    if (
      done.getFullYear() === day.getFullYear() &&
      done.getMonth() === day.getMonth() &&
      done.getDate() === day.getDate()
    ) {
      total += job.charged_micros;
    }
  }
  return total;
}
