import { describe, expect, test } from "vitest";
import { dateFormat, formatDate } from "../src/lib/dates";

describe("dates in the user's locale", () => {
  test("say what toLocaleDateString says", () => {
    const d = new Date(Date.UTC(2026, 11, 7, 21, 5));
    const o: Intl.DateTimeFormatOptions = { weekday: "short", day: "numeric", month: "short", year: "numeric", timeZone: "UTC" };
    expect(formatDate(d, o)).toBe(d.toLocaleDateString(undefined, o));
    expect(formatDate(d, { hour: "numeric", minute: "2-digit" })).toBe(d.toLocaleTimeString(undefined, { hour: "numeric", minute: "2-digit" }));
  });

  test("one formatter per set of options, made once", () => {
    expect(dateFormat({ day: "numeric", month: "short" })).toBe(dateFormat({ day: "numeric", month: "short" }));
    expect(dateFormat({ day: "numeric", month: "short" })).not.toBe(dateFormat({ day: "numeric", month: "long" }));
  });
});
