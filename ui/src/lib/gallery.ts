// The gallery's rules, pure: the filter state as the user sets it, the exact Query it becomes
// (local calendar days to UTC instants), and how one item reads on a tile.

import type { GalleryItem, MarkFilter, Micros, Query, Shape, SortKey, StatusFilter, VideoKind } from "./ipc/types";
import { formatDate } from "./dates";

export interface GalleryFilters {
  text: string;
  /** Model ids; empty = every model. */
  models: string[];
  audio: "any" | "sound" | "silent";
  kind: "any" | VideoKind;
  /** The clip's shape: landscape, portrait or square. */
  shape: "any" | Shape;
  favourites: boolean;
  /** Kept takes, rejected ones, or all but the rejected. */
  mark: "any" | MarkFilter;
  /** One board or batch's members (opened from its set), or null. */
  group: number | null;
  status: StatusFilter;
  /** Local calendar days, YYYY-MM-DD as <input type="date"> gives them; "" = open. Both inclusive. */
  from: string;
  to: string;
  sort: SortKey;
  ascending: boolean;
}

export const DEFAULT_FILTERS: Readonly<GalleryFilters> = Object.freeze({
  text: "",
  models: [],
  audio: "any",
  kind: "any",
  shape: "any",
  favourites: false,
  mark: "any",
  group: null,
  status: "all",
  from: "",
  to: "",
  sort: "date",
  ascending: false,
});

export const STATUS_LABEL: Record<StatusFilter, string> = {
  all: "All",
  clips: "Clips",
  failed: "Failed & refunded",
  running: "Running",
  missing: "Missing",
};

export const MARK_LABEL: Record<MarkFilter, string> = { kept: "Kept", rejected: "Rejected", not_rejected: "Not rejected" };

export const SORT_LABEL: Record<SortKey, string> = { date: "Date", cost: "Cost", duration: "Duration" };

/** Anything that narrows the results (the sort order does not). */
export function isFiltered(f: GalleryFilters): boolean {
  return (
    f.text.trim() !== "" ||
    f.models.length > 0 ||
    f.audio !== "any" ||
    f.kind !== "any" ||
    f.shape !== "any" ||
    f.favourites ||
    f.mark !== "any" ||
    f.group !== null ||
    f.status !== "all" ||
    f.from !== "" ||
    f.to !== ""
  );
}

/** Minutes east of UTC in force at local midnight of that calendar day. */
export type ZoneOffset = (year: number, month: number, day: number) => number;

/** The window's own zone, per day (a DST change moves it). */
export const localZone: ZoneOffset = (y, m, d) => -new Date(y, m - 1, d).getTimezoneOffset();

function parseDay(ymd: string): [number, number, number] | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(ymd.trim());
  if (!m) return null;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const check = new Date(Date.UTC(y, mo - 1, d));
  if (check.getUTCFullYear() !== y || check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d) return null;
  return [y, mo, d];
}

/** RFC 3339 UTC instant without fractional seconds: "2026-03-01T05:00:00Z". */
export function rfc3339(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** The instant local midnight starts `ymd` (plus `days`), or null for an invalid day. */
export function dayStart(ymd: string, zone: ZoneOffset = localZone, days = 0): string | null {
  const p = parseDay(ymd);
  if (!p) return null;
  // Date.UTC normalises day overflow (Jan 32 → Feb 1), so "+1 day" needs no calendar of its own.
  const civil = new Date(Date.UTC(p[0], p[1] - 1, p[2] + days));
  const offset = zone(civil.getUTCFullYear(), civil.getUTCMonth() + 1, civil.getUTCDate());
  return rfc3339(civil.getTime() - offset * 60_000);
}

/** A local calendar day as YYYY-MM-DD (what date inputs and SpendQuery.since take). */
export function localDay(d: Date): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/**
 * The exact Query for the filters: `from` is the start of its local day (inclusive), `to` the
 * next local midnight after its day (exclusive), so both chosen days are included. A reversed
 * range is read the right way round.
 */
export function buildQuery(f: GalleryFilters, offset: number, limit: number, zone: ZoneOffset = localZone): Query {
  let [fromDay, toDay] = [f.from, f.to];
  if (fromDay && toDay && fromDay > toDay) [fromDay, toDay] = [toDay, fromDay];
  return {
    text: f.text.trim(),
    models: [...f.models].sort(),
    from: fromDay ? dayStart(fromDay, zone) : null,
    to: toDay ? dayStart(toDay, zone, 1) : null,
    audio: f.audio === "any" ? null : f.audio === "sound",
    kind: f.kind === "any" ? null : f.kind,
    shape: f.shape === "any" ? null : f.shape,
    favourites: f.favourites,
    mark: f.mark === "any" ? null : f.mark,
    group: f.group,
    status: f.status,
    sort: f.sort,
    ascending: f.ascending,
    offset: Math.max(0, Math.floor(offset)),
    limit: Math.min(500, Math.max(1, Math.floor(limit))),
    include_removed: false,
  };
}

const RUNNING = new Set<GalleryItem["status"]>(["queued", "pending", "processing", "downloading"]);

export const isRunningItem = (it: GalleryItem) => RUNNING.has(it.status);
export const hasClip = (it: GalleryItem) => it.clip_url !== null && !it.missing;

/** Portrait start image (the clip follows its aspect); text-to-video clips are landscape. */
/** Not a landscape frame: the tile shows it whole (contained), before its poster says so. */
export const isPortrait = (it: GalleryItem) => it.shape !== "landscape";

/** What a tile says about the money: charged, refunded, held, or nothing. */
export function itemMoney(it: GalleryItem): { label: "charged" | "refunded" | "hold"; micros: Micros } | null {
  if (it.refunded_micros !== null && it.refunded_micros > 0) return { label: "refunded", micros: it.refunded_micros };
  if (it.charged_micros !== null) return { label: "charged", micros: it.charged_micros };
  if (isRunningItem(it)) return { label: "hold", micros: it.hold_micros };
  return null;
}

/** One or two words for a tile without a playable clip. */
export function itemState(it: GalleryItem): string {
  if (it.away) return "Library folder not there";
  if (it.missing) return "Clip file missing";
  switch (it.status) {
    case "queued":
      return "Queued";
    case "pending":
      return "Waiting at Kyma";
    case "processing":
      return "Processing";
    case "downloading":
      return "Downloading";
    case "succeeded":
      return it.clip_url ? "Ready" : "No clip";
    case "refunded":
      return "Refunded";
    case "expired":
      return "Expired";
    case "rejected":
      return "Rejected";
    default:
      return "Failed";
  }
}

/** Short local date for a dense tile: the time today, day and month this year, else with the year. */
export function formatWhen(iso: string, now: Date = new Date()): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "";
  if (localDay(d) === localDay(now)) return formatDate(d, { hour: "numeric", minute: "2-digit" });
  const sameYear = d.getFullYear() === now.getFullYear();
  return formatDate(d, sameYear ? { day: "numeric", month: "short" } : { day: "numeric", month: "short", year: "numeric" });
}

/** Full local date and time, for the details panel. */
export function formatDateTime(iso: string | null): string {
  if (!iso) return "—";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "—";
  return formatDate(d, { dateStyle: "medium", timeStyle: "short" });
}

/** Playback position or length as m:ss. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}
