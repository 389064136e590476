import { describe, expect, test } from "vitest";
import { canRetry, elapsedSeconds, formatBytes, formatElapsed, isFinished, moneyText, statusText } from "../src/lib/job";
import { job } from "./fixtures";

describe("how a job reads", () => {
  test("money moves from hold to charged or refunded", () => {
    expect(moneyText(job(1, { status: "processing", submitted_at: "2026-01-01T12:00:00Z" }))).toBe("hold $0.76");
    expect(moneyText(job(1, { status: "succeeded", charged_micros: 756_000 }))).toBe("charged $0.76");
    expect(moneyText(job(1, { status: "refunded", refunded_micros: 1_132_000 }))).toBe("refunded $1.13");
    expect(moneyText(job(1, { status: "rejected", submitted_at: null }))).toBe("not charged");
  });

  test("downloads show percent and size", () => {
    const j = job(1, { status: "downloading", bytes_done: 63 * 1024 * 1024, bytes_total: 100 * 1024 * 1024 });
    expect(statusText(j)).toBe("↓ 63% · 63 MB");
    expect(formatBytes(512 * 1024)).toBe("512 KB");
    expect(formatBytes(1.5 * 1024 * 1024)).toBe("1.5 MB");
  });

  test("elapsed time ticks while running and stops when done", () => {
    const start = "2026-01-01T12:00:00Z";
    const now = Date.parse("2026-01-01T12:00:42Z");
    expect(elapsedSeconds(job(1, { status: "processing", submitted_at: start }), now)).toBe(42);
    expect(elapsedSeconds(job(1, { status: "succeeded", submitted_at: start, completed_at: "2026-01-01T12:01:05Z" }), now + 1e6)).toBe(65);
    expect(formatElapsed(42)).toBe("42s");
    expect(formatElapsed(65)).toBe("1m 05s");
    expect(formatElapsed(3720)).toBe("1h 02m");
  });

  test("retry is offered for failures, remove for finished jobs", () => {
    for (const status of ["failed", "refunded", "expired", "rejected"] as const) expect(canRetry(job(1, { status }))).toBe(true);
    expect(canRetry(job(1, { status: "succeeded" }))).toBe(false);
    expect(isFinished(job(1, { status: "succeeded" }))).toBe(true);
    expect(isFinished(job(1, { status: "downloading" }))).toBe(false);
  });
});
