import { describe, expect, it } from "vitest";
import {
  formatMoneyAt,
  roundDecimal,
  amountMaxLength,
  formatCount,
  formatDecimal,
  formatForInput,
  formatMoney,
  formatPercent,
  MAX_INT_DIGITS,
  parseAmount,
} from "../money";

describe("formatMoney", () => {
  it("formats Dutch amounts", () => {
    expect(formatMoney("1234.56", "nl")).toBe("€\u00a01.234,56");
    expect(formatMoney("37.5", "nl")).toBe("€\u00a037,50");
    expect(formatMoney("0", "nl")).toBe("€\u00a00,00");
    expect(formatMoney("1234567.8", "nl")).toBe("€\u00a01.234.567,80");
  });

  it("formats English amounts", () => {
    expect(formatMoney("1234.56", "en")).toBe("€1,234.56");
    expect(formatMoney("7.88", "en")).toBe("€7.88");
    expect(formatMoney("100", "en")).toBe("€100.00");
  });

  it("formats negatives", () => {
    expect(formatMoney("-1234.56", "nl")).toBe("€\u00a0-1.234,56");
    expect(formatMoney("-1234.56", "en")).toBe("-€1,234.56");
    expect(formatMoney("-0.00", "en")).toBe("€0.00");
  });

  it("keeps every digit: no floating point on the way", () => {
    expect(formatMoney("0.1", "en")).toBe("€0.10");
    expect(formatMoney("123456789012345.67", "nl")).toBe("€\u00a0123.456.789.012.345,67");
    expect(formatMoney("2.345", "nl")).toBe("€\u00a02,345");
  });

  it("leaves something that is not a number alone", () => {
    expect(formatMoney("abc", "nl")).toBe("abc");
  });
});

describe("formatDecimal and friends", () => {
  it("formats for inputs without grouping", () => {
    expect(formatForInput("67.73", "nl")).toBe("67,73");
    expect(formatForInput("67.7300", "nl")).toBe("67,73");
    expect(formatForInput("1234.5", "nl")).toBe("1234,50");
    expect(formatForInput("1234.5", "en")).toBe("1234.50");
    expect(formatForInput("0.537190", "en")).toBe("0.53719");
    expect(formatForInput("12", "nl")).toBe("12,00");
  });

  it("formats percentages", () => {
    expect(formatPercent("21", "nl")).toBe("21%");
    expect(formatPercent("21.00", "en")).toBe("21%");
    expect(formatPercent("5.5", "nl")).toBe("5,5%");
  });

  it("groups when asked", () => {
    expect(formatDecimal("-1234567", "en", { group: true })).toBe("-1,234,567");
    expect(formatDecimal("999", "nl", { group: true })).toBe("999");
    expect(formatCount(1234, "en")).toBe("1,234");
    expect(formatCount(1234, "nl")).toBe("1.234");
  });
});

describe("parseAmount", () => {
  it("reads Dutch and English notation", () => {
    expect(parseAmount("12,50")).toBe("12.50");
    expect(parseAmount("12.50")).toBe("12.50");
    expect(parseAmount("1.234,56")).toBe("1234.56");
    expect(parseAmount("1,234.56")).toBe("1234.56");
    expect(parseAmount("1.234.567")).toBe("1234567");
    expect(parseAmount("1,234,567")).toBe("1234567");
    expect(parseAmount("€ 12,50")).toBe("12.50");
    expect(parseAmount(",5")).toBe("0.5");
    expect(parseAmount(" 7 ")).toBe("7");
    expect(parseAmount("007")).toBe("7");
  });

  it("reads negatives", () => {
    expect(parseAmount("-3")).toBe("-3");
    expect(parseAmount("-€3,5")).toBe("-3.5");
    expect(parseAmount("-1.234,56")).toBe("-1234.56");
    expect(parseAmount("-0")).toBe("0");
  });

  it("refuses what is not a number", () => {
    for (const s of ["", "   ", "12,5x", "abc", "1,2.3,4", "-", ".", "1e5"]) {
      expect(parseAmount(s), s).toBeNull();
    }
  });

  it("round-trips what it formats", () => {
    const norm = (x: string | null) => x?.replace(/(\.\d*?)0+$/, "$1").replace(/\.$/, "");
    for (const v of ["1234.56", "-0.5", "1000000", "67.73", "-98765.4321"]) {
      for (const lang of ["nl", "en"] as const) {
        expect(norm(parseAmount(formatForInput(v, lang)))).toBe(norm(v));
        expect(norm(parseAmount(formatDecimal(v, lang, { group: true, minDp: 2 })))).toBe(norm(v));
      }
    }
  });
});

describe("the limit on typed amounts", () => {
  it("is thirteen digits before the decimal point, as on the Rust side", () => {
    expect(MAX_INT_DIGITS).toBe(13);
  });

  it("lets the largest amount be typed with separators, a sign and a euro sign", () => {
    for (const [text, dp] of [
      ["-€ 9.999.999.999.999,99", 2],
      ["-€ 9.999.999.999.999,9999", 4],
      ["9999999999999.99", 2],
    ] as const) {
      expect(text.length).toBeLessThanOrEqual(amountMaxLength(dp));
    }
  });

  it("still takes fifteen nines, so the field can say they are too large", () => {
    expect("999999999999999".length).toBeLessThanOrEqual(amountMaxLength(0));
  });

  it("keeps every digit of the largest amount when formatting it", () => {
    expect(formatMoney("9999999999999.99", "nl")).toBe("€\u00a09.999.999.999.999,99");
    expect(formatMoney("9999999999999.99", "en")).toBe("€9,999,999,999,999.99");
  });
});

describe("an amount read back, at the invoice's price decimals", () => {
  it("rounds half away from zero and leaves shorter values alone", () => {
    expect(roundDecimal("34.649999999999999", 2)).toBe("34.65");
    expect(roundDecimal("-1105.690000000000055", 2)).toBe("-1105.69");
    expect(roundDecimal("2.345", 2)).toBe("2.35");
    expect(roundDecimal("-2.345", 2)).toBe("-2.35");
    expect(roundDecimal("9.995", 2)).toBe("10.00");
    expect(roundDecimal("-0.004", 2)).toBe("0.00");
    expect(roundDecimal("12.5", 3)).toBe("12.5");
    expect(roundDecimal("7.5", 0)).toBe("8");
    expect(roundDecimal("abc", 2)).toBe("abc");
  });

  it("shows money with the decimals where given, as read otherwise", () => {
    expect(formatMoneyAt("34.649999999999999", "nl", 2)).toBe("€\u00a034,65");
    expect(formatMoneyAt("1.2345", "en", 3)).toBe("€1.235");
    expect(formatMoneyAt("1.2345", "en", null)).toBe("€1.2345");
  });
});
