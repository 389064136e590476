// How a compare board reads and lays out, kept pure: the grid that gives 2–5 clips the most
// picture in the space there is, each cell's time to ready, and the transport's clock.

import type { Job } from "./ipc/types";
import { isRunning } from "./job";

export interface Grid {
  cols: number;
  rows: number;
  /** The picture each cell can show, in CSS px. */
  video: { width: number; height: number };
}

export interface GridOptions {
  /** The picture's width / height. */
  aspect?: number;
  /** Each cell's own width and height around its picture (padding, border, its lines). */
  chromeW?: number;
  chromeH?: number;
  /** Between cells. */
  gap?: number;
  /** One row (side by side) is kept unless more rows show a picture this many times larger. */
  preferRow?: number;
}

/**
 * The columns × rows for `n` cells in a `width` × `height` box: the layout whose cells show the
 * largest picture.
 */
export function gridFor(n: number, width: number, height: number, o: GridOptions = {}): Grid {
  const { aspect = 16 / 9, chromeW = 0, chromeH = 0, gap = 10, preferRow = 1.15 } = o;
  const count = Math.max(1, n);
  let best: Grid | null = null;
  let bestArea = -1;
  // Fewest columns first: of two layouts with the same picture, the one with fewer empty places.
  for (let cols = 1; cols <= count; cols++) {
    const rows = Math.ceil(count / cols);
    const cw = Math.max(0, (width - gap * (cols - 1)) / cols - chromeW);
    const ch = Math.max(0, (height - gap * (rows - 1)) / rows - chromeH);
    const vw = Math.min(cw, ch * aspect);
    const video = { width: Math.floor(vw), height: Math.floor(vw / aspect) };
    const area = video.width * video.height * (rows === 1 ? preferRow : 1);
    if (area > bestArea) {
      best = { cols, rows, video };
      bestArea = area;
    }
  }
  return best!;
}

/** Seconds from asking to the clip being ready: to `completed_at`, or so far while it runs (null
 * when it never became ready: failed, refused). */
export function readySeconds(job: Job, now: number): number | null {
  const start = Date.parse(job.created_at);
  if (Number.isNaN(start)) return null;
  if (isRunning(job)) return Math.max(0, Math.floor((now - start) / 1000));
  if (job.status !== "succeeded" || !job.completed_at) return null;
  const end = Date.parse(job.completed_at);
  return Number.isNaN(end) ? null : Math.max(0, Math.round((end - start) / 1000));
}

/** "ready in 41 s", "28 s so far", or null. */
export function readyText(job: Job, now: number): string | null {
  const s = readySeconds(job, now);
  if (s === null) return null;
  const t = s < 60 ? `${s} s` : `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, "0")} s`;
  return isRunning(job) ? `${t} so far` : `ready in ${t}`;
}

/** The transport's clock, to a tenth: 1.25 → "0:01.2"; 83.4 → "1:23.4". */
export function formatClock(seconds: number): string {
  const tenths = Math.max(0, Math.floor((Number.isFinite(seconds) ? seconds : 0) * 10 + 1e-6));
  const m = Math.floor(tenths / 600);
  const s = Math.floor((tenths % 600) / 10);
  return `${m}:${String(s).padStart(2, "0")}.${tenths % 10}`;
}

/** The options the core names, as the create panel calls them. */
const OPTION_NAMES: Record<string, string> = {
  seed: "the seed",
  negative_prompt: '"Avoid"',
  aspect: "the aspect",
  cfg_scale: "the cfg scale",
  "start image": "the start image",
  "end frame": "the end frame",
};

/**
 * A board's notes ("kling-3-pro: seed left out", one per model) as one sentence, grouped by what
 * was left out: 'Left out: the seed for kling-2.5-pro and kling-3-pro; "Avoid" for
 * seedance-2-pro.' Notes of another form are kept as they are. Null when there are none.
 */
export function leftOutSentence(notes: readonly string[]): string | null {
  const byWhat = new Map<string, string[]>();
  const other: string[] = [];
  for (const note of notes) {
    const m = /^(.+?): (.+) left out$/.exec(note.trim());
    if (!m) {
      other.push(note);
      continue;
    }
    const what = m[2]
      .split(/,\s*/)
      .map((o) => OPTION_NAMES[o] ?? o)
      .join(", ");
    byWhat.set(what, [...(byWhat.get(what) ?? []), m[1]]);
  }
  const and = (xs: string[]) => (xs.length < 2 ? xs[0] : `${xs.slice(0, -1).join(", ")} and ${xs[xs.length - 1]}`);
  const parts = [...byWhat].map(([what, models]) => `${what} for ${and(models)}`);
  if (parts.length === 0 && other.length === 0) return null;
  return [parts.length > 0 ? `Left out (the model does not take it): ${parts.join("; ")}.` : "", ...other].join(" ").trim();
}
