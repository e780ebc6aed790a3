import { describe, expect, it } from "vitest";
import { addDays, datePattern, formatDay, monthGrid, monthTitle, parseDay, showDay, weekdayNames } from "../format";

describe("one date format per language", () => {
  it("names the format a clerk types in", () => {
    expect(datePattern("nl")).toBe("dd-mm-jjjj");
    expect(datePattern("en")).toBe("dd/mm/yyyy");
  });

  it("shows a date day first in both languages, whatever the system locale", () => {
    expect(formatDay("2026-11-30", "nl")).toBe("30-11-2026");
    expect(formatDay("2026-11-30", "en")).toBe("30/11/2026");
    expect(showDay("2026-03-01", "nl")).toBe("01-03-2026");
    expect(showDay("31-02", "nl")).toBe("31-02");
  });

  it("reads what a clerk types, day first", () => {
    expect(parseDay("30-11-2026")).toBe("2026-11-30");
    expect(parseDay("30/11/2026")).toBe("2026-11-30");
    expect(parseDay(" 30.11.2026 ")).toBe("2026-11-30");
    expect(parseDay("1-3-2026")).toBe("2026-03-01");
    expect(parseDay("1-3-26")).toBe("2026-03-01");
    expect(parseDay("30112026")).toBe("2026-11-30");
    expect(parseDay("301126")).toBe("2026-11-30");
    // The ISO form, as a paste or the Rust side gives it.
    expect(parseDay("2026-11-30")).toBe("2026-11-30");
    // 11/30/2026 is the US order: not a date here, and not silently taken as another one.
    expect(parseDay("11/30/2026")).toBeNull();
  });

  it("refuses what is no date", () => {
    for (const s of ["", "30-11", "31-04-2026", "29-02-2026", "0-1-2026", "1-13-2026", "abc", "30-11-20266"]) {
      expect(parseDay(s), s).toBeNull();
    }
    expect(parseDay("29-02-2028")).toBe("2028-02-29");
  });

  it("steps a day with the arrow keys across months and years", () => {
    expect(addDays("2026-12-31", 1)).toBe("2027-01-01");
    expect(addDays("2026-03-01", -1)).toBe("2026-02-28");
  });
});

describe("the calendar's month", () => {
  it("covers whole weeks from Monday", () => {
    const g = monthGrid(2026, 2);
    expect(g.length % 7).toBe(0);
    expect(g[0]).toBe("2026-01-26");
    expect(g).toContain("2026-02-28");
    expect(g[g.length - 1]).toBe("2026-03-01");
    expect(monthTitle(2026, 2, "nl")).toBe("februari 2026");
    expect(weekdayNames("en")[0]).toBe("Mo");
  });
});
