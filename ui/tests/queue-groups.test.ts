import { describe, expect, test } from "vitest";
import { queueEntries, formatEta } from "../src/lib/queue";
import { etaSeconds, tally } from "../src/lib/stores/groups.svelte";
import type { GroupView } from "../src/lib/ipc/types";
import { job } from "./fixtures";

function group(id: number, patch: Partial<GroupView> = {}): GroupView {
  return {
    id,
    kind: "batch",
    title: `batch ${id}`,
    state: "running",
    size: 0,
    hold_micros: 0,
    spent_micros: 0,
    done: 0,
    created_at: "2026-01-01T12:00:00Z",
    cells: [],
    notes: [],
    ...patch,
  };
}

describe("the queue's rows", () => {
  test("a group's members gather under one row where its newest member is, in their order", () => {
    const list = [
      job(9, { group_id: 2, group_index: 1 }),
      job(8),
      job(7, { group_id: 2, group_index: 3 }),
      job(6, { group_id: 2, group_index: 2 }),
      job(5, { group_id: 1, group_index: 1 }),
      job(4),
    ];
    const g2 = group(2);
    const rows = queueEntries(list, (id) => (id === 2 ? g2 : undefined));
    expect(rows.map((r) => (r.kind === "job" ? `job ${r.job.id}` : `group ${r.id}`))).toEqual([
      "group 2",
      "job 8",
      "group 1",
      "job 4",
    ]);
    const first = rows[0];
    expect(first.kind === "group" && first.members.map((m) => m.id)).toEqual([9, 6, 7]);
    expect(first.kind === "group" && first.group).toBe(g2);
    const unknown = rows[2];
    expect(unknown.kind === "group" && unknown.group).toBeNull();
  });

  test("tally: finished members and what they were charged; refused and dropped ones cost nothing", () => {
    const cells = [
      job(1, { status: "succeeded", charged_micros: 94_500 }),
      job(2, { status: "rejected", error_kind: "cancelled" }),
      job(3, { status: "processing" }),
      job(4, { status: "refunded", refunded_micros: 94_500 }),
    ];
    expect(tally(cells)).toEqual({ done: 3, spent: 94_500 });
  });

  test("the ETA comes from the pace so far, and only once there is one", () => {
    const t0 = Date.parse("2026-01-01T12:00:00Z");
    const at = (s: number) => new Date(t0 + s * 1000).toISOString();
    const cells = [
      job(1, { status: "succeeded", submitted_at: at(0), completed_at: at(20) }),
      job(2, { status: "succeeded", submitted_at: at(0), completed_at: at(40) }),
      job(3, { status: "processing", submitted_at: at(1) }),
      job(4, { status: "queued" }),
    ];
    // 2 done in 40 s: 20 s each, 2 left → 40 s.
    expect(etaSeconds(group(1, { cells }), t0 + 40_000)).toBe(40);
    expect(etaSeconds(group(1, { cells, state: "paused" }), t0 + 40_000)).toBeNull();
    expect(etaSeconds(group(1, { cells: cells.slice(2) }), t0)).toBeNull();
    expect(formatEta(45)).toBe("45 s");
    expect(formatEta(80)).toBe("1 m 20 s");
    expect(formatEta(7500)).toBe("2 h 5 m");
  });
});
