// Every generation, newest first, mirrored from the engine: `app_state` fills it, then
// `job-changed` inserts or replaces by id and `job-progress` moves the download bar.

import type { AppError, Job, JobProblem, JobProgress } from "../ipc";
import { isRunning, isStale, spentOn } from "../job";

function newestFirst(a: Job, b: Job): number {
  const byTime = Date.parse(b.created_at) - Date.parse(a.created_at);
  return byTime !== 0 && !Number.isNaN(byTime) ? byTime : b.id - a.id;
}

export class JobsStore {
  list = $state<Job[]>([]);
  /** The latest problem the engine reported per job, until the job moves on. */
  problems = $state<Record<number, AppError>>({});

  running = $derived(this.list.filter(isRunning).length);

  replaceAll(jobs: Job[]) {
    this.list = [...jobs].sort(newestFirst);
    this.problems = {};
  }

  get(id: number): Job | undefined {
    return this.list.find((j) => j.id === id);
  }

  /** Insert or replace by id; returns the job as it was before, if any. An older picture of the
   * job is ignored: `generate` answers "queued", but a refused POST's "rejected" event may arrive
   * first, and a job never goes back a stage. */
  apply(job: Job): Job | undefined {
    const i = this.list.findIndex((j) => j.id === job.id);
    if (i === -1) {
      this.list = [job, ...this.list].sort(newestFirst);
      return undefined;
    }
    const before = $state.snapshot(this.list[i]) as Job;
    if (isStale(before, job)) return before;
    this.list[i] = job;
    if (before.status !== job.status) delete this.problems[job.id];
    return before;
  }

  progress(p: JobProgress) {
    const job = this.get(p.id);
    if (!job) return;
    job.bytes_done = p.bytes_done;
    job.bytes_total = p.bytes_total;
  }

  problem(p: JobProblem) {
    this.problems[p.id] = p.error;
  }

  remove(id: number) {
    this.list = this.list.filter((j) => j.id !== id);
    delete this.problems[id];
  }

  spentToday(now: Date = new Date()) {
    return spentOn(this.list, now);
  }
}
