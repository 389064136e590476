// The spend report: totals, per model and per period from `spend_summary`, and the clips it
// counts with their prices (the gallery query, newest first, every status, removed records
// included), both for the same
// "since" choice. Refreshed when jobs settle or the library changes while the view is open.

import * as ipc from "../ipc";
import type { AppError, Period, Spend } from "../ipc";
import { buildQuery, DEFAULT_FILTERS, localDay } from "../gallery";
import { Latest } from "../latest";
import { spendQuery, type SinceChoice } from "../spend";
import { LIVE_DEBOUNCE_MS } from "./gallery.svelte";
import { PAGE_SIZE, QueryResults } from "./results.svelte";

export class SpendStore {
  period = $state<Period>("day");
  since = $state<SinceChoice>("30d");
  /** The day for "since a date…" (YYYY-MM-DD, local). */
  sinceDate = $state(localDay(new Date(Date.now() - 29 * 86_400_000)));
  summary = $state.raw<Spend | null>(null);
  /** The clips counted, newest first. */
  list = $state.raw<QueryResults | null>(null);
  loading = $state(false);
  error = $state<AppError | null>(null);
  /**
   * Charged for clips made since local midnight, from the library (deleted and forgotten clips
   * included), for the header; null until the first answer.
   */
  today = $state<number | null>(null);
  private todayTimer: ReturnType<typeof setTimeout> | null = null;

  private latest = new Latest();
  private timer: ReturnType<typeof setTimeout> | null = null;
  /** Whether the view is on screen: only then do events trigger a reload. */
  private watching = false;

  async load() {
    const ticket = this.latest.begin();
    const now = new Date();
    const query = spendQuery(this.since, this.sinceDate, this.period, now);
    const filters = { ...DEFAULT_FILTERS, models: [], from: query.since ?? "" };
    // Every clip that cost money is listed, deleted and forgotten ones too (the totals count them).
    this.list = new QueryResults((offset, limit) => ({ ...buildQuery(filters, offset, limit), include_removed: true }));
    // The list's first page (and its total) now; the rest as it scrolls.
    this.list.ensure(0, PAGE_SIZE);
    this.loading = true;
    try {
      const summary = await ipc.spendSummary({ query });
      if (!this.latest.isLatest(ticket)) return;
      this.summary = summary;
      this.error = null;
    } catch (e) {
      if (this.latest.isLatest(ticket)) this.error = e as AppError;
    } finally {
      if (this.latest.isLatest(ticket)) this.loading = false;
    }
  }

  choose(patch: { period?: Period; since?: SinceChoice; sinceDate?: string }) {
    if (patch.period) this.period = patch.period;
    if (patch.since) this.since = patch.since;
    if (patch.sinceDate !== undefined) this.sinceDate = patch.sinceDate;
    void this.load();
  }

  /** The view is shown (true) or hidden (false). */
  watch(on: boolean) {
    this.watching = on;
    if (!on && this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
  }

  /** What was charged today, asked of the library. */
  async refreshToday(now: Date = new Date()) {
    try {
      const s = await ipc.spendSummary({ query: { since: localDay(now), period: "day", utc_offset_minutes: -now.getTimezoneOffset() } });
      this.today = s.charged_micros;
    } catch {
      // The header keeps the last figure; the next change asks again.
    }
  }

  /** A job or the library changed: today's figure follows, and the view reloads soon if it is open. */
  changed() {
    if (this.todayTimer === null) {
      this.todayTimer = setTimeout(() => {
        this.todayTimer = null;
        void this.refreshToday();
      }, LIVE_DEBOUNCE_MS);
    }
    if (!this.watching || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.reloadSummary();
    }, LIVE_DEBOUNCE_MS);
  }

  private async reloadSummary() {
    const ticket = this.latest.begin();
    try {
      const summary = await ipc.spendSummary({ query: spendQuery(this.since, this.sinceDate, this.period) });
      if (this.latest.isLatest(ticket)) this.summary = summary;
    } catch {
      // The numbers on screen stay; the next change or visit tries again.
    }
    this.list?.refresh();
  }
}
