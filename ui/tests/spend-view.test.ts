// @vitest-environment jsdom
import { afterEach, beforeEach, expect, test } from "vitest";
import { cleanup, render, screen } from "@testing-library/svelte";
import Spend from "../src/views/Spend.svelte";
import { app } from "../src/lib/stores";
import type { Spend as SpendSummary } from "../src/lib/ipc";
import { appState, item } from "./fixtures";
import { clearMocks, fakeBackend, tick } from "./backend";
import { scrollerSize } from "./layout";

// The clip list's scroller, so its rows render.
scrollerSize({ clientWidth: 1200, clientHeight: 400 });
beforeEach(() => app.load(appState()));
afterEach(() => {
  cleanup();
  clearMocks();
});

const summary: SpendSummary = {
  since: null,
  charged_micros: 1_209_600,
  refunded_micros: 0,
  held_micros: 0,
  clips: 2,
  refunds: 0,
  per_model: [],
  buckets: [],
};

test("the clip list shows every clip the totals count, deleted and forgotten ones marked", async () => {
  const backend = fakeBackend({
    spend_summary: () => summary,
    gallery_query: () => ({
      total: 3,
      offset: 0,
      items: [
        item(3, { status: "succeeded", charged_micros: 453_600 }),
        item(2, { status: "succeeded", charged_micros: 756_000, removed: "trashed", prompt: "a deleted clip" }),
        item(1, { status: "succeeded", charged_micros: 0, removed: "forgotten", prompt: "a forgotten clip" }),
      ],
    }),
  });
  render(Spend);
  for (let i = 0; i < 6; i++) await tick();
  const query = backend.calls.find((c) => c.cmd === "gallery_query")?.args.query as Record<string, unknown>;
  expect(query.include_removed).toBe(true);
  expect(query.status).toBe("all");
  const rows = screen.getAllByTestId("spend-row");
  expect(rows.map((r) => r.dataset.id)).toEqual(["3", "2", "1"]);
  expect(screen.getAllByTestId("spend-removed").map((t) => t.textContent)).toEqual(["deleted", "forgotten"]);
  expect(rows[1].textContent).toContain("$0.76");
});

test("the header's 'today' is the library's sum since local midnight, refreshed after changes", async () => {
  const { SpendStore } = await import("../src/lib/stores/spend.svelte");
  let charged = 453_600;
  const backend = fakeBackend({ spend_summary: () => ({ ...summary, charged_micros: charged }) });
  const store = new SpendStore();
  const now = new Date(2026, 10, 26, 9, 30);
  await store.refreshToday(now);
  expect(store.today).toBe(453_600);
  const q = backend.calls[0].args.query as Record<string, unknown>;
  expect(q).toEqual({ since: "2026-11-26", period: "day", utc_offset_minutes: -now.getTimezoneOffset() });
  // A deleted clip still counts (the library says so); a burst of changes asks once.
  charged = 1_209_600;
  store.changed();
  store.changed();
  await new Promise((r) => setTimeout(r, 400));
  expect(backend.calls.filter((c) => c.cmd === "spend_summary")).toHaveLength(2);
  expect(store.today).toBe(1_209_600);
});
