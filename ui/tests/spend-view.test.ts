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
