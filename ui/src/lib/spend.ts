// The spend view's choices as the query Rust sums: since when, per which period, in which zone.

import type { Period, SpendQuery } from "./ipc/types";
import { localDay } from "./gallery";

export type SinceChoice = "all" | "30d" | "year" | "date";

export const SINCE_LABEL: Record<SinceChoice, string> = {
  all: "All time",
  "30d": "Last 30 days",
  year: "This year",
  date: "Since a date…",
};

export const PERIOD_LABEL: Record<Period, string> = { day: "Day", week: "Week", month: "Month" };

/** The first local day counted (YYYY-MM-DD), or null for all time. "Last 30 days" includes today. */
export function sinceDay(choice: SinceChoice, date: string, now: Date): string | null {
  switch (choice) {
    case "all":
      return null;
    case "30d":
      return localDay(new Date(now.getFullYear(), now.getMonth(), now.getDate() - 29));
    case "year":
      return `${now.getFullYear()}-01-01`;
    case "date":
      return /^\d{4}-\d{2}-\d{2}$/.test(date) ? date : null;
  }
}

export function spendQuery(choice: SinceChoice, date: string, period: Period, now: Date = new Date()): SpendQuery {
  return { since: sinceDay(choice, date, now), period, utc_offset_minutes: -now.getTimezoneOffset() };
}
