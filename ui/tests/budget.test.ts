import { beforeEach, describe, expect, test, vi } from "vitest";

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
});
