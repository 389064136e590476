import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";

const budgetGet = vi.fn();
vi.mock("../src/lib/ipc", () => ({ budgetGet: () => budgetGet() }));

import { BudgetStore, MIN_REFRESH_MS } from "../src/lib/stores/budget.svelte";

describe("the header's balance", () => {
  beforeEach(() => budgetGet.mockReset());

  test("read at once, then at most every 15 s unless forced; hidden when Kyma does not answer", async () => {
    let now = 1_000_000;
    const b = new BudgetStore(() => now);
    budgetGet.mockResolvedValue({ balance_micros: 18_420_000, spent_today_micros: 0, daily_cap_micros: null });
    await b.refresh();
    expect(b.balance).toBe(18_420_000);
    now += MIN_REFRESH_MS - 1;
    await b.refresh();
    expect(budgetGet).toHaveBeenCalledTimes(1);
    await b.refresh(true);
    expect(budgetGet).toHaveBeenCalledTimes(2);
    budgetGet.mockRejectedValue({ kind: "network", message: "offline" });
    now += MIN_REFRESH_MS;
    await b.refresh();
    expect(b.balance).toBeNull();
    budgetGet.mockResolvedValue({ balance_micros: null, spent_today_micros: 5, daily_cap_micros: 9 });
    await b.refresh(true);
    expect(b.balance).toBeNull();
    expect(b.current?.daily_cap_micros).toBe(9);
  });

  describe("a refresh asked for too soon", () => {
    beforeEach(() => vi.useFakeTimers());
    afterEach(() => vi.useRealTimers());

    test("happens once when the 15 s are over, so the last charge shows", async () => {
      let now = 5_000_000;
      const b = new BudgetStore(() => now);
      budgetGet.mockResolvedValue({ balance_micros: 10_000_000, spent_today_micros: 0, daily_cap_micros: null });
      await b.refresh();
      // Two clips settle 1 s and 2 s later: neither reads at once, one read follows.
      budgetGet.mockResolvedValue({ balance_micros: 9_000_000, spent_today_micros: 1_000_000, daily_cap_micros: null });
      now += 1_000;
      await b.refresh();
      now += 1_000;
      await b.refresh();
      expect(budgetGet).toHaveBeenCalledTimes(1);
      now += MIN_REFRESH_MS;
      await vi.advanceTimersByTimeAsync(MIN_REFRESH_MS);
      expect(budgetGet).toHaveBeenCalledTimes(2);
      expect(b.balance).toBe(9_000_000);
      await vi.advanceTimersByTimeAsync(MIN_REFRESH_MS * 2);
      expect(budgetGet).toHaveBeenCalledTimes(2);
    });
  });
});
