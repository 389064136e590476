import { describe, expect, test } from "vitest";
import { JobsStore } from "../src/lib/stores/jobs.svelte";
import { job } from "./fixtures";

describe("the jobs store", () => {
  test("keeps jobs newest first", () => {
    const s = new JobsStore();
    s.replaceAll([job(1), job(3), job(2)]);
    expect(s.list.map((j) => j.id)).toEqual([3, 2, 1]);
  });

  test("job-changed inserts a new job at the top", () => {
    const s = new JobsStore();
    s.replaceAll([job(1)]);
    expect(s.apply(job(2))).toBeUndefined();
    expect(s.list.map((j) => j.id)).toEqual([2, 1]);
  });

  test("job-changed replaces by id and returns the job as it was", () => {
    const s = new JobsStore();
    s.replaceAll([job(1), job(2, { status: "processing" })]);
    const before = s.apply(job(2, { status: "succeeded", charged_micros: 756_000 }));
    expect(before?.status).toBe("processing");
    expect(s.list).toHaveLength(2);
    expect(s.get(2)).toMatchObject({ status: "succeeded", charged_micros: 756_000 });
  });

  test("an older picture of a job never replaces a newer one (generate's answer after the refusal)", () => {
    const s = new JobsStore();
    s.apply(job(4, { status: "rejected", error_kind: "insufficient_credit" }));
    const kept = s.apply(job(4, { status: "queued" }));
    expect(kept?.status).toBe("rejected");
    expect(s.get(4)).toMatchObject({ status: "rejected", error_kind: "insufficient_credit" });
    s.apply(job(5, { status: "downloading" }));
    s.apply(job(5, { status: "processing" }));
    expect(s.get(5)?.status).toBe("downloading");
    s.apply(job(5, { status: "succeeded" }));
    expect(s.get(5)?.status).toBe("succeeded");
  });

  test("job-progress moves the download of that job only", () => {
    const s = new JobsStore();
    s.replaceAll([job(1, { status: "downloading" }), job(2, { status: "downloading" })]);
    s.progress({ id: 1, bytes_done: 630, bytes_total: 1000 });
    s.progress({ id: 99, bytes_done: 1, bytes_total: 2 });
    expect(s.get(1)).toMatchObject({ bytes_done: 630, bytes_total: 1000 });
    expect(s.get(2)).toMatchObject({ bytes_done: null, bytes_total: null });
  });

  test("a problem stays with its job until the job moves on", () => {
    const s = new JobsStore();
    s.replaceAll([job(1, { status: "processing" })]);
    s.problem({ id: 1, error: { kind: "network", field: null, message: "Offline.", action: null, link: null } });
    s.apply(job(1, { status: "processing", remote_status: "in_progress" }));
    expect(s.problems[1]?.message).toBe("Offline.");
    s.apply(job(1, { status: "downloading" }));
    expect(s.problems[1]).toBeUndefined();
  });

  test("counts what was charged today, in local time", () => {
    const s = new JobsStore();
    const now = new Date(2026, 4, 10, 15, 0);
    const at = (d: number, h: number) => new Date(2026, 4, d, h, 30).toISOString();
    s.replaceAll([
      job(1, { status: "succeeded", charged_micros: 756_000, completed_at: at(10, 0) }),
      job(2, { status: "succeeded", charged_micros: 1_632_825, completed_at: at(10, 14) }),
      job(3, { status: "succeeded", charged_micros: 500_000, completed_at: at(9, 23) }),
      job(4, { status: "processing", charged_micros: null }),
      job(5, { status: "refunded", refunded_micros: 900_000, completed_at: at(10, 9) }),
    ]);
    expect(s.spentToday(now)).toBe(2_388_825);
  });

  test("remove drops the job", () => {
    const s = new JobsStore();
    s.replaceAll([job(1), job(2)]);
    s.remove(1);
    expect(s.list.map((j) => j.id)).toEqual([2]);
  });
});
