import { describe, expect, test } from "vitest";
import { DEFAULT_FILTERS, buildQuery, dayStart, formatWhen, isFiltered, itemMoney, type GalleryFilters, type ZoneOffset } from "../src/lib/gallery";
import { item } from "./fixtures";

const filters = (patch: Partial<GalleryFilters> = {}): GalleryFilters => ({ ...DEFAULT_FILTERS, models: [], ...patch });
/** A fixed zone, so the tests do not depend on where they run. */
const zone = (minutesEast: number): ZoneOffset => () => minutesEast;

describe("local days to UTC instants", () => {
  test("local midnight of the day, in a zone east and west of UTC", () => {
    expect(dayStart("2026-03-01", zone(120))).toBe("2026-02-28T22:00:00Z");
    expect(dayStart("2026-03-01", zone(-300))).toBe("2026-03-01T05:00:00Z");
    expect(dayStart("2026-03-01", zone(0))).toBe("2026-03-01T00:00:00Z");
    expect(dayStart("2026-03-01", zone(330))).toBe("2026-02-28T18:30:00Z");
  });

  test("the next day rolls over months and years", () => {
    expect(dayStart("2026-01-31", zone(0), 1)).toBe("2026-02-01T00:00:00Z");
    expect(dayStart("2025-12-31", zone(60), 1)).toBe("2025-12-31T23:00:00Z");
    expect(dayStart("2028-02-28", zone(0), 1)).toBe("2028-02-29T00:00:00Z");
  });

  test("the zone is asked for the day itself (a DST change between from and to)", () => {
    // Central Europe: +60 in winter, +120 from the last Sunday of March.
    const cet: ZoneOffset = (_y, m, d) => (m > 3 || (m === 3 && d >= 29) ? 120 : 60);
    expect(dayStart("2026-03-28", cet)).toBe("2026-03-27T23:00:00Z");
    expect(dayStart("2026-03-28", cet, 1)).toBe("2026-03-28T22:00:00Z");
  });

  test("rejects what is not a calendar day", () => {
    expect(dayStart("2026-02-30", zone(0))).toBeNull();
    expect(dayStart("01/03/2026", zone(0))).toBeNull();
    expect(dayStart("", zone(0))).toBeNull();
  });
});

describe("the Query for the filters", () => {
  test("defaults: everything, newest first", () => {
    expect(buildQuery(filters(), 0, 120, zone(0))).toEqual({
      text: "",
      models: [],
      from: null,
      to: null,
      audio: null,
      kind: null,
      shape: null,
      favourites: false,
      mark: null,
      group: null,
      status: "all",
      sort: "date",
      ascending: false,
      offset: 0,
      limit: 120,
      include_removed: false,
    });
  });

  test("a date range covers both chosen days: to is the next local midnight, exclusive", () => {
    const q = buildQuery(filters({ from: "2026-03-01", to: "2026-03-07" }), 240, 120, zone(-300));
    expect(q.from).toBe("2026-03-01T05:00:00Z");
    expect(q.to).toBe("2026-03-08T05:00:00Z");
    expect(q.offset).toBe(240);
  });

  test("a reversed range is read the right way round; one open end stays open", () => {
    const q = buildQuery(filters({ from: "2026-03-07", to: "2026-03-01" }), 0, 10, zone(0));
    expect([q.from, q.to]).toEqual(["2026-03-01T00:00:00Z", "2026-03-08T00:00:00Z"]);
    expect(buildQuery(filters({ to: "2026-03-01" }), 0, 10, zone(0))).toMatchObject({ from: null, to: "2026-03-02T00:00:00Z" });
  });

  test("every filter maps to its field", () => {
    const q = buildQuery(
      filters({ text: "  neon alley ", models: ["veo", "kling"], audio: "silent", kind: "i2v", favourites: true, status: "failed", sort: "cost", ascending: true }),
      0,
      9999,
      zone(0),
    );
    expect(q).toMatchObject({ text: "neon alley", models: ["kling", "veo"], audio: false, kind: "i2v", favourites: true, status: "failed", sort: "cost", ascending: true });
    expect(q.limit).toBe(500);
    expect(buildQuery(filters({ audio: "sound" }), 0, 1, zone(0)).audio).toBe(true);
    expect(buildQuery(filters({ mark: "kept", group: 7 }), 0, 1, zone(0))).toMatchObject({ mark: "kept", group: 7 });
  });

  test("only narrowing filters count as filtered (not the sort)", () => {
    expect(isFiltered(filters())).toBe(false);
    expect(isFiltered(filters({ sort: "cost", ascending: true }))).toBe(false);
    expect(isFiltered(filters({ text: " " }))).toBe(false);
    expect(isFiltered(filters({ text: "fox" }))).toBe(true);
    expect(isFiltered(filters({ status: "missing" }))).toBe(true);
    expect(isFiltered(filters({ to: "2026-01-01" }))).toBe(true);
    expect(isFiltered(filters({ mark: "kept" }))).toBe(true);
    expect(isFiltered(filters({ group: 3 }))).toBe(true);
  });
});

describe("how a tile reads", () => {
  test("money: refunded wins, then charged, then the hold while running", () => {
    expect(itemMoney(item(1, { status: "succeeded", charged_micros: 756_000 }))).toEqual({ label: "charged", micros: 756_000 });
    expect(itemMoney(item(2, { status: "refunded", refunded_micros: 3_200_000 }))).toEqual({ label: "refunded", micros: 3_200_000 });
    expect(itemMoney(item(3, { status: "processing", hold_micros: 945_000 }))).toEqual({ label: "hold", micros: 945_000 });
    expect(itemMoney(item(4, { status: "rejected" }))).toBeNull();
  });

  test("dates: the time today, day and month this year, the year before that", () => {
    const now = new Date(2026, 5, 15, 18, 0);
    expect(formatWhen(new Date(2026, 5, 15, 9, 5).toISOString(), now)).toMatch(/9:05/);
    expect(formatWhen(new Date(2026, 2, 3, 9, 5).toISOString(), now)).toMatch(/Mar/);
    expect(formatWhen(new Date(2026, 2, 3, 9, 5).toISOString(), now)).not.toMatch(/2026/);
    expect(formatWhen(new Date(2024, 2, 3).toISOString(), now)).toMatch(/2024/);
  });
});
