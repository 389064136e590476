import { describe, expect, test } from "vitest";
import { chartGeometry, fillPeriods, modelColors, nextPeriod, niceScale, niceStep, PALETTE } from "../src/lib/chart";
import type { Bucket } from "../src/lib/ipc/types";

const spend = (model: string, charged: number) => ({ model, charged_micros: charged, refunded_micros: 0, clips: 1, refunds: 0 });
const bucket = (start: string, ...models: ReturnType<typeof spend>[]): Bucket => ({
  start,
  charged_micros: models.reduce((s, m) => s + m.charged_micros, 0),
  models,
});

describe("the axis", () => {
  test("steps are 1, 2, 2.5 or 5 × 10ⁿ whole cents", () => {
    expect(niceStep(10_000)).toBe(10_000); // 1¢
    expect(niceStep(13_000)).toBe(20_000); // 2¢
    expect(niceStep(22_000)).toBe(50_000); // 2.5¢ is not a whole cent: 5¢
    expect(niceStep(220_000)).toBe(250_000); // 25¢
    expect(niceStep(3_100_000)).toBe(5_000_000); // $5
    expect(niceStep(1)).toBe(10_000);
  });

  test("the top is the first step at or above the largest bar", () => {
    expect(niceScale(3_780_000)).toEqual({ top: 4_000_000, step: 1_000_000 });
    expect(niceScale(52_400_000)).toEqual({ top: 60_000_000, step: 20_000_000 });
    expect(niceScale(0)).toEqual({ top: 1_000_000, step: 250_000 });
  });
});

describe("periods", () => {
  test("the next day, week and month, across month and year ends", () => {
    expect(nextPeriod("2026-01-31", "day")).toBe("2026-02-01");
    expect(nextPeriod("2026-12-28", "week")).toBe("2027-01-04");
    expect(nextPeriod("2026-01-01", "month")).toBe("2026-02-01");
    expect(nextPeriod("2026-12-01", "month")).toBe("2027-01-01");
  });

  test("the empty periods Rust leaves out come back as zero bars, so time runs evenly", () => {
    const filled = fillPeriods([bucket("2026-03-01", spend("a", 5)), bucket("2026-03-04", spend("a", 7))], "day");
    expect(filled.map((b) => [b.start, b.charged_micros])).toEqual([
      ["2026-03-01", 5],
      ["2026-03-02", 0],
      ["2026-03-03", 0],
      ["2026-03-04", 7],
    ]);
    expect(fillPeriods([bucket("2026-01-01"), bucket("2026-04-01")], "month").map((b) => b.start)).toEqual([
      "2026-01-01",
      "2026-02-01",
      "2026-03-01",
      "2026-04-01",
    ]);
    expect(fillPeriods([], "week")).toEqual([]);
  });
});

describe("stacked bars", () => {
  const buckets = [
    bucket("2026-03-01", spend("veo", 2_000_000), spend("kling", 1_000_000)),
    bucket("2026-03-02", spend("kling", 500_000)),
    bucket("2026-03-03"),
  ];
  const geo = chartGeometry(buckets, ["kling", "veo"], 300, 120, { padTop: 0, padBottom: 20 });
  const plot = 100; // 120 - 20

  test("one bar per period, the tallest scaled against the nice top", () => {
    expect(geo.bars).toHaveLength(3);
    expect(geo.top).toBe(3_000_000);
    const first = geo.bars[0];
    const height = first.segments.reduce((s, x) => s + x.height, 0);
    expect(height).toBeCloseTo((3_000_000 / geo.top) * plot);
    expect(geo.bars[2].segments).toEqual([]);
  });

  test("segments stack bottom-up in the given model order, touching", () => {
    const [kling, veo] = geo.bars[0].segments;
    expect(kling.model).toBe("kling");
    expect(veo.model).toBe("veo");
    expect(kling.y + kling.height).toBeCloseTo(geo.bottom);
    expect(veo.y + veo.height).toBeCloseTo(kling.y);
    expect(veo.height).toBeCloseTo(2 * kling.height);
  });

  test("bars sit inside their slots and ticks span the axis", () => {
    for (const [i, b] of geo.bars.entries()) {
      expect(b.x).toBeGreaterThanOrEqual(i * 100);
      expect(b.x + b.width).toBeLessThanOrEqual((i + 1) * 100);
    }
    expect(geo.ticks[0]).toEqual({ micros: 0, y: geo.bottom });
    expect(geo.ticks.at(-1)).toEqual({ micros: geo.top, y: geo.plotTop });
  });

  test("a model keeps its colour by position; more models than colours wrap", () => {
    const c = modelColors(Array.from({ length: PALETTE.length + 1 }, (_, i) => `m${i}`));
    expect(c.m0).toBe(PALETTE[0]);
    expect(c[`m${PALETTE.length}`]).toBe(PALETTE[0]);
  });
});
