import { describe, expect, test } from "vitest";
import { layout, moveIndex, rowTop, scrollToShow, spacerHeight, visibleWindow, type GridSpec } from "../src/lib/grid";

// The gallery's spec: 16:9 posters plus a 44 px caption.
const SPEC: GridSpec = { minTile: 208, gap: 14, padding: 16, rowHeight: (w) => Math.round((w * 9) / 16) + 44 };

describe("columns from the width", () => {
  test("as many tiles as fit at their minimum width, stretched to fill", () => {
    const l = layout(1270, SPEC);
    expect(l.columns).toBe(5);
    expect(l.tileWidth * 5 + 14 * 4 + 32).toBeCloseTo(1270);
    expect(l.rowHeight).toBe(Math.round((l.tileWidth * 9) / 16) + 44);
    expect(layout(1700, SPEC).columns).toBe(7);
    expect(layout(480, SPEC).columns).toBe(2);
  });

  test("never fewer than one column, even when nothing fits; a fixed count wins", () => {
    expect(layout(100, SPEC).columns).toBe(1);
    expect(layout(0, SPEC).columns).toBe(1);
    expect(layout(1270, { ...SPEC, columns: 1 }).columns).toBe(1);
  });
});

describe("the visible window", () => {
  const l = layout(1270, SPEC); // 5 columns
  const pitch = l.rowHeight + l.gap;

  test("the spacer holds every row, so the scrollbar is true to 10,000 items", () => {
    expect(spacerHeight(10_000, l)).toBe(2 * 16 + 2000 * l.rowHeight + 1999 * 14);
    expect(spacerHeight(0, l)).toBe(0);
    expect(spacerHeight(1, l)).toBe(32 + l.rowHeight);
  });

  test("at the top: the rows in view plus one below", () => {
    const w = visibleWindow(0, 660, 10_000, l, 1);
    expect(w.firstRow).toBe(0);
    expect(w.lastRow).toBe(Math.ceil((660 - 16) / pitch) - 1 + 1);
    expect(w.start).toBe(0);
    expect(w.end).toBe((w.lastRow + 1) * 5);
  });

  test("in the middle: overscan both sides, at most a handful of rows whatever N", () => {
    const top = rowTop(1000, l);
    const w = visibleWindow(top, 660, 10_000, l, 2);
    expect(w.firstRow).toBe(998);
    expect(w.lastRow - w.firstRow + 1).toBeLessThanOrEqual(Math.ceil(660 / pitch) + 1 + 4);
    expect(w.end - w.start).toBeLessThanOrEqual(50);
    expect(w.start).toBe(998 * 5);
  });

  test("at the end: clamped to the last row and the last item", () => {
    const w = visibleWindow(spacerHeight(10_003, l), 660, 10_003, l, 1);
    expect(w.lastRow).toBe(2000);
    expect(w.end).toBe(10_003);
  });

  test("nothing to show: empty list or no viewport yet", () => {
    expect(visibleWindow(0, 660, 0, l)).toMatchObject({ start: 0, end: 0 });
    expect(visibleWindow(0, 0, 50, l)).toMatchObject({ start: 0, end: 0 });
  });
});

describe("keyboard movement and scrolling into view", () => {
  test("arrows move by one or a row, stopping at the ends; paging moves whole screens", () => {
    expect(moveIndex(7, "ArrowRight", 100, 5, 3)).toBe(8);
    expect(moveIndex(0, "ArrowLeft", 100, 5, 3)).toBe(0);
    expect(moveIndex(7, "ArrowDown", 100, 5, 3)).toBe(12);
    expect(moveIndex(97, "ArrowDown", 100, 5, 3)).toBe(97);
    expect(moveIndex(3, "ArrowUp", 100, 5, 3)).toBe(3);
    expect(moveIndex(7, "PageDown", 100, 5, 3)).toBe(22);
    expect(moveIndex(7, "PageUp", 100, 5, 3)).toBe(0);
    expect(moveIndex(7, "End", 100, 5, 3)).toBe(99);
    expect(moveIndex(7, "Home", 100, 5, 3)).toBe(0);
    expect(moveIndex(7, "x", 100, 5, 3)).toBeNull();
    expect(moveIndex(0, "ArrowDown", 0, 5, 3)).toBeNull();
  });

  test("scrolls only when the item is not fully in view", () => {
    const l = layout(1270, SPEC);
    expect(scrollToShow(0, 0, 660, l)).toBeNull();
    const below = scrollToShow(50, 0, 660, l)!; // row 10
    expect(below + 660).toBeGreaterThanOrEqual(rowTop(10, l) + l.rowHeight);
    const above = scrollToShow(0, 5000, 660, l);
    expect(above).toBe(0);
  });
});
