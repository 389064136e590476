// The board's layout and read-outs (lib/board.ts).
import { expect, test } from "vitest";
import { formatClock, gridFor, leftOutSentence, readySeconds, readyText } from "../src/lib/board";
import { job } from "./fixtures";

const cell = { aspect: 16 / 9, chromeW: 18, chromeH: 78, gap: 10 };

test("three clips side by side in a wide window; five on two rows (3 + 2) where one row would shrink them", () => {
  expect(gridFor(3, 1248, 610, cell)).toMatchObject({ cols: 3, rows: 1 });
  expect(gridFor(5, 1248, 580, cell)).toMatchObject({ cols: 3, rows: 2 });
  // The smallest window (960×600): two rows, three columns (not 4 + 1).
  const small = gridFor(5, 928, 394, cell);
  expect(small).toMatchObject({ cols: 3, rows: 2 });
  expect(small.video.width).toBeGreaterThanOrEqual(200);
  // A very wide, low box: one row.
  expect(gridFor(5, 2400, 400, cell)).toMatchObject({ cols: 5, rows: 1 });
});

test("the picture keeps its shape and fits its cell", () => {
  const g = gridFor(2, 1000, 500, { ...cell, aspect: 9 / 16 });
  expect(g.video.height).toBeLessThanOrEqual(500 - 78);
  expect(Math.abs(g.video.width / g.video.height - 9 / 16)).toBeLessThan(0.02);
  expect(gridFor(4, 0, 0, cell).video).toEqual({ width: 0, height: 0 });
});

test("time to ready: to completed_at once done, so far while running, none for a failure", () => {
  const created = "2026-01-01T12:00:00Z";
  const done = job(1, { status: "succeeded", created_at: created, completed_at: "2026-01-01T12:00:41Z" });
  expect(readySeconds(done, Date.parse("2026-01-01T13:00:00Z"))).toBe(41);
  expect(readyText(done, 0)).toBe("ready in 41 s");
  const running = job(2, { status: "processing", created_at: created });
  expect(readyText(running, Date.parse("2026-01-01T12:01:05Z"))).toBe("1 min 05 s so far");
  expect(readyText(job(3, { status: "failed", created_at: created, completed_at: created }), 0)).toBeNull();
});

test("the transport's clock reads to a tenth", () => {
  expect(formatClock(0)).toBe("0:00.0");
  expect(formatClock(1.25)).toBe("0:01.2");
  expect(formatClock(2)).toBe("0:02.0");
  expect(formatClock(83.46)).toBe("1:23.4");
  expect(formatClock(NaN)).toBe("0:00.0");
});

test("the board's notes read as one sentence, grouped by what was left out", () => {
  expect(
    leftOutSentence([
      "kling-2.5-pro: seed left out",
      "kling-3-pro: seed left out",
      "seedance-2-pro: negative_prompt left out",
      "seedance-2-fast: negative_prompt left out",
      "wan: start image, end frame left out",
    ]),
  ).toBe(
    'Left out (the model does not take it): the seed for kling-2.5-pro and kling-3-pro; "Avoid" for seedance-2-pro and seedance-2-fast; the start image, the end frame for wan.',
  );
  expect(leftOutSentence([])).toBeNull();
  expect(leftOutSentence(["something else"])).toBe("something else");
});
