// The spend chart's geometry, pure: periods filled in so time runs evenly, a "nice" top for the
// axis in whole cents, and each period's bar stacked per model. Drawn as inline SVG by the view.

import type { Bucket, Micros, Period } from "./ipc/types";
import { formatDate } from "./dates";

/** Distinct in both themes; a model keeps its colour as long as the catalog order holds. */
export const PALETTE = ["#7b8cff", "#43c88a", "#e3a44a", "#e8699b", "#4cb6d6", "#b28cf0", "#cfc45a", "#f08058"];

export function modelColors(models: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  models.forEach((m, i) => (out[m] = PALETTE[i % PALETTE.length]));
  return out;
}

function parse(ymd: string): Date {
  const [y, m, d] = ymd.split("-").map(Number);
  return new Date(Date.UTC(y, m - 1, d));
}

function format(d: Date): string {
  return d.toISOString().slice(0, 10);
}

/** The start of the period after `ymd` (calendar arithmetic on the date, no zone involved). */
export function nextPeriod(ymd: string, period: Period): string {
  const d = parse(ymd);
  if (period === "day") d.setUTCDate(d.getUTCDate() + 1);
  else if (period === "week") d.setUTCDate(d.getUTCDate() + 7);
  else d.setUTCMonth(d.getUTCMonth() + 1, 1);
  return format(d);
}

/** Buckets with the empty periods between them put back (Rust leaves them out), oldest first. */
export function fillPeriods(buckets: readonly Bucket[], period: Period, max = 2000): Bucket[] {
  if (buckets.length === 0) return [];
  const byStart = new Map(buckets.map((b) => [b.start, b]));
  const sorted = [...buckets].sort((a, b) => a.start.localeCompare(b.start));
  const last = sorted[sorted.length - 1].start;
  const out: Bucket[] = [];
  for (let s = sorted[0].start; s <= last && out.length < max; s = nextPeriod(s, period)) {
    out.push(byStart.get(s) ?? { start: s, charged_micros: 0, models: [] });
  }
  // A start that is not on the period grid (should not happen) is still shown.
  if (out.length < max) for (const b of sorted) if (!out.some((o) => o.start === b.start)) out.push(b);
  return out.sort((a, b) => a.start.localeCompare(b.start));
}

const MICROS_PER_CENT = 10_000;

/** The smallest 1, 2, 2.5 or 5 × 10ⁿ cents at or above `raw` micros. */
export function niceStep(raw: Micros): Micros {
  const cents = Math.max(1, raw / MICROS_PER_CENT);
  const pow = 10 ** Math.floor(Math.log10(cents));
  for (const f of [1, 2, 2.5, 5, 10]) {
    const step = f * pow;
    // 2.5 of a single cent is not a whole cent.
    if (step >= cents && Number.isInteger(step)) return step * MICROS_PER_CENT;
  }
  return 10 * pow * MICROS_PER_CENT;
}

/** Axis top and tick step for a largest bar of `max`: about `ticks` gridlines, whole cents. */
export function niceScale(max: Micros, ticks = 4): { top: Micros; step: Micros } {
  if (max <= 0) return { top: 1_000_000, step: 250_000 };
  const step = niceStep(max / ticks);
  return { top: Math.ceil(max / step) * step, step };
}

export interface Segment {
  model: string;
  micros: Micros;
  y: number;
  height: number;
}

export interface Bar {
  start: string;
  total: Micros;
  x: number;
  width: number;
  segments: Segment[];
}

export interface ChartGeometry {
  bars: Bar[];
  ticks: { micros: Micros; y: number }[];
  top: Micros;
  /** Plot area: bars stand on `bottom` and reach up to `plotTop` at `top` micros. */
  plotTop: number;
  bottom: number;
  width: number;
}

/**
 * Bars for `buckets` in a `width` × `height` plot area (left axis labels excluded). Segments are
 * stacked bottom-up in `order` (models not in it go last, by id) so colours line up across bars.
 */
export function chartGeometry(
  buckets: readonly Bucket[],
  order: readonly string[],
  width: number,
  height: number,
  opts: { padTop?: number; padBottom?: number; maxBar?: number } = {},
): ChartGeometry {
  const plotTop = opts.padTop ?? 8;
  const bottom = height - (opts.padBottom ?? 0);
  const plot = Math.max(1, bottom - plotTop);
  const max = buckets.reduce((m, b) => Math.max(m, b.charged_micros, sumModels(b)), 0);
  const { top, step } = niceScale(max);
  const rank = (m: string) => {
    const i = order.indexOf(m);
    return i === -1 ? order.length : i;
  };
  const slot = buckets.length > 0 ? width / buckets.length : width;
  const barWidth = Math.max(1, Math.min(opts.maxBar ?? 36, slot * 0.72));
  const bars = buckets.map((b, i): Bar => {
    const models = [...b.models]
      .filter((m) => m.charged_micros > 0)
      .sort((a, c) => rank(a.model) - rank(c.model) || a.model.localeCompare(c.model));
    let acc = 0;
    const segments = models.map((m): Segment => {
      const y0 = bottom - (acc / top) * plot;
      acc += m.charged_micros;
      const y1 = bottom - (acc / top) * plot;
      return { model: m.model, micros: m.charged_micros, y: y1, height: y0 - y1 };
    });
    return { start: b.start, total: b.charged_micros, x: i * slot + (slot - barWidth) / 2, width: barWidth, segments };
  });
  const ticks: { micros: Micros; y: number }[] = [];
  for (let v = 0; v <= top; v += step) ticks.push({ micros: v, y: bottom - (v / top) * plot });
  return { bars, ticks, top, plotTop, bottom, width };
}

function sumModels(b: Bucket): Micros {
  return b.models.reduce((s, m) => s + m.charged_micros, 0);
}

/** How a period's start reads under its bar: "12 Mar", "wk of 10 Mar", "Mar 2026". */
export function periodLabel(ymd: string, period: Period, long = false): string {
  const d = parse(ymd);
  if (period === "month") return formatDate(d, { month: long ? "long" : "short", year: "numeric", timeZone: "UTC" });
  const day = formatDate(d, { day: "numeric", month: "short", timeZone: "UTC" });
  if (period === "week") return long ? `Week of ${day} ${d.getUTCFullYear()}` : day;
  return long ? formatDate(d, { weekday: "short", day: "numeric", month: "short", year: "numeric", timeZone: "UTC" }) : day;
}
