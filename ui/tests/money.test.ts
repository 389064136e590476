import { describe, expect, test } from "vitest";
import { formatCents, formatExact, formatRate, parseDollars, toCents, toDollarInput } from "../src/lib/money";

describe("formatting micros", () => {
  test("rounds to the cent, half up", () => {
    expect(formatCents(756_000)).toBe("$0.76");
    expect(formatCents(1_632_825)).toBe("$1.63");
    expect(formatCents(5_000)).toBe("$0.01");
    expect(formatCents(4_999)).toBe("$0.00");
    expect(formatCents(0)).toBe("$0.00");
    expect(formatCents(1_234_565_000)).toBe("$1,234.57");
    expect(toCents(15_000)).toBe(2);
  });

  test("shows exact amounts and rates with every significant digit", () => {
    expect(formatExact(756_000)).toBe("$0.756");
    expect(formatExact(1_500_000)).toBe("$1.50");
    expect(formatExact(1_632_825)).toBe("$1.632825");
    expect(formatRate(94_500)).toBe("$0.0945/s");
    expect(formatRate(151_200)).toBe("$0.1512/s");
    expect(formatRate(400_000)).toBe("$0.40/s");
  });

  test("negative amounts keep their sign", () => {
    expect(formatCents(-756_000)).toBe("-$0.76");
    expect(formatExact(-94_500)).toBe("-$0.0945");
  });
});

describe("parsing dollars", () => {
  test("reads decimal strings exactly", () => {
    expect(parseDollars("1.50")).toBe(1_500_000);
    expect(parseDollars("$2")).toBe(2_000_000);
    expect(parseDollars(" 0.1 ")).toBe(100_000);
    expect(parseDollars(".5")).toBe(500_000);
    expect(parseDollars("0.000001")).toBe(1);
    expect(parseDollars("1,000.25")).toBe(1_000_250_000);
    // 0.1 + 0.2 style float error cannot happen: 0.29 is read as 290_000 exactly.
    expect(parseDollars("0.29")).toBe(290_000);
  });

  test("rejects what is not a non-negative amount", () => {
    for (const bad of ["abc", "-1", "", " ", ".", "1.2.3", "1e3", "0.0000001", "12,34", "$"]) {
      expect(parseDollars(bad), bad).toBeNull();
    }
  });

  test("round-trips through the input format", () => {
    for (const m of [0, 1, 94_500, 1_000_000, 1_500_000, 1_632_825]) {
      expect(parseDollars(toDollarInput(m))).toBe(m);
    }
  });
});
