import { describe, expect, test } from "vitest";
import { sinceDay, spendQuery } from "../src/lib/spend";

describe("since when", () => {
  const now = new Date(2026, 2, 10, 15, 30); // 10 March 2026, local

  test("each choice as the first local day counted", () => {
    expect(sinceDay("all", "", now)).toBeNull();
    expect(sinceDay("30d", "", now)).toBe("2026-02-09"); // 30 days including today
    expect(sinceDay("year", "", now)).toBe("2026-01-01");
    expect(sinceDay("date", "2025-11-02", now)).toBe("2025-11-02");
    expect(sinceDay("date", "", now)).toBeNull();
  });

  test("the query carries the window's zone as minutes east of UTC", () => {
    const q = spendQuery("year", "", "week", now);
    expect(q).toEqual({ since: "2026-01-01", period: "week", utc_offset_minutes: -now.getTimezoneOffset() });
  });
});
