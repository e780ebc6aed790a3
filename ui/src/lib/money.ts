// Amounts are decimal strings. They are parsed and formatted here as text, digit by digit;
// never through a JS number, so 0.1 + 0.2 problems cannot reach an invoice.

import type { Lang } from "./types";

/**
 * Most digits before the decimal point in a typed quantity or price. The Rust side checks the
 * same limit (core::money::MAX_INT_DIGITS, with a test that reads this line): 13 digits and
 * cents are what every supported bookkeeping system can hold.
 */
export const MAX_INT_DIGITS = 13;

/**
 * The most characters an amount input takes: a sign, "€ ", MAX_INT_DIGITS digits with
 * thousands separators, a decimal separator and `dp` decimals. Anything longer cannot be a
 * number the back end accepts; what fits but is too large gets the field's own message.
 */
export function amountMaxLength(dp: number): number {
  const groups = Math.floor((MAX_INT_DIGITS - 1) / 3);
  const decimals = dp > 0 ? 1 + dp : 0;
  return 1 + 2 + MAX_INT_DIGITS + groups + decimals;
}

interface Parts {
  negative: boolean;
  int: string;
  frac: string;
}

const CANONICAL = /^([-+]?)(\d*)(?:\.(\d*))?$/;

/** Splits a canonical decimal string ("-1234.50", "7", ".5") into sign, integer and fraction. */
function split(value: string): Parts | null {
  const m = CANONICAL.exec(value.trim());
  if (!m) return null;
  const int = (m[2] ?? "").replace(/^0+(?=\d)/, "");
  const frac = m[3] ?? "";
  if (int === "" && frac === "") return null;
  const digits = (int + frac).replace(/0/g, "");
  return { negative: m[1] === "-" && digits !== "", int: int === "" ? "0" : int, frac };
}

function groupThousands(int: string, sep: string): string {
  let out = "";
  for (let i = 0; i < int.length; i++) {
    const fromEnd = int.length - i;
    out += int[i];
    if (fromEnd > 1 && (fromEnd - 1) % 3 === 0) out += sep;
  }
  return out;
}

function padFraction(frac: string, minDp: number, maxTrim: boolean): string {
  let f = frac;
  if (maxTrim) {
    while (f.length > minDp && f.endsWith("0")) f = f.slice(0, -1);
  }
  while (f.length < minDp) f += "0";
  return f;
}

function separators(lang: Lang): { decimal: string; group: string } {
  return lang === "nl" ? { decimal: ",", group: "." } : { decimal: ".", group: "," };
}

export interface FormatOptions {
  /** At least this many decimals (padded with zeros). */
  minDp?: number;
  /** Group thousands ("1.234,56"). */
  group?: boolean;
  /** Drop trailing zeros beyond minDp ("67.7300" → "67.73"). */
  trimZeros?: boolean;
}

/**
 * Formats a canonical decimal string for the UI language. Something that is not a canonical
 * decimal is returned unchanged.
 */
export function formatDecimal(value: string, lang: Lang, opts: FormatOptions = {}): string {
  const p = split(value);
  if (!p) return value;
  const { decimal, group } = separators(lang);
  const int = opts.group ? groupThousands(p.int, group) : p.int;
  const frac = padFraction(p.frac, opts.minDp ?? 0, opts.trimZeros ?? false);
  return (p.negative ? "-" : "") + int + (frac ? decimal + frac : "");
}

/** "€ 1.234,56" in Dutch, "€1,234.56" in English; negatives "€ -1.234,56" / "-€1,234.56". */
export function formatMoney(value: string, lang: Lang): string {
  const p = split(value);
  if (!p) return value;
  const abs = formatDecimal((p.int || "0") + (p.frac ? "." + p.frac : ""), lang, {
    minDp: 2,
    group: true,
    trimZeros: true,
  });
  if (lang === "nl") return "€\u00a0" + (p.negative ? "-" : "") + abs;
  return (p.negative ? "-" : "") + "€" + abs;
}

/**
 * A canonical decimal rounded to `dp` decimals, half away from zero ("34.649999999999999" at 2
 * is "34.65"); a value with fewer decimals, or that is no decimal, is given back as it is.
 */
export function roundDecimal(value: string, dp: number): string {
  const p = split(value);
  const places = Math.max(0, Math.min(20, Math.trunc(dp)));
  if (!p || p.frac.length <= places) return value;
  const kept = BigInt(p.int + p.frac.slice(0, places));
  const up = p.frac.charCodeAt(places) - 48 >= 5 ? 1n : 0n;
  const r = (kept + up).toString().padStart(places + 1, "0");
  const int = places > 0 ? r.slice(0, -places) : r;
  const frac = places > 0 ? r.slice(-places) : "";
  const zero = /^0*$/.test(r);
  return (p.negative && !zero ? "-" : "") + int + (frac ? "." + frac : "");
}

/** An amount of an invoice read back, with the invoice's price decimals when it has them. */
export function formatMoneyAt(value: string, lang: Lang, dp: number | null | undefined): string {
  return formatMoney(dp === null || dp === undefined ? value : roundDecimal(value, dp), lang);
}

/** "21%" / "5,5%". */
export function formatPercent(value: string, lang: Lang): string {
  const p = split(value);
  if (!p) return value + "%";
  return formatDecimal(value, lang, { trimZeros: true }) + "%";
}

/**
 * A price as it goes into an input: no thousands separators (a lone "." would read as a
 * decimal point), at least two decimals, trailing zeros beyond two dropped: "67,73".
 */
export function formatForInput(value: string, lang: Lang): string {
  return formatDecimal(value, lang, { minDp: 2, trimZeros: true });
}

/** Whole numbers such as counts: "1.234" / "1,234". */
export function formatCount(n: number, lang: Lang): string {
  const s = String(Math.trunc(n));
  const negative = s.startsWith("-");
  const digits = negative ? s.slice(1) : s;
  return (negative ? "-" : "") + groupThousands(digits, separators(lang).group);
}

/**
 * Parses what a clerk typed, Dutch or English notation, into a canonical decimal string
 * ("1234.56", "-3.5"), or null when it is not a number. Same rules as the Rust side:
 * spaces and a leading "€" or "EUR" are ignored; when both "." and "," occur the last one is
 * the decimal separator; a lone "," is a decimal comma; a lone "." is a decimal point unless it
 * occurs more than once (then it groups thousands; the same holds for ",").
 */
export function parseAmount(input: string): string | null {
  let s = input.trim();
  s = s.replace(/^€+/, "").replace(/^(EUR)+/, "");
  s = s.replace(/[\s\u00a0\u202f]/g, "");
  if (s === "") return null;
  let negative = false;
  if (s.startsWith("-")) {
    negative = true;
    s = s.slice(1).replace(/^€+/, "");
  } else if (s.startsWith("+")) {
    s = s.slice(1);
  }
  if (s === "" || !/^[0-9.,]+$/.test(s)) return null;
  const lastDot = s.lastIndexOf(".");
  const lastComma = s.lastIndexOf(",");
  const count = (c: string) => s.split(c).length - 1;
  let decimalSep: string | null = null;
  let groupSep: string | null = null;
  if (lastDot >= 0 && lastComma >= 0) {
    [decimalSep, groupSep] = lastDot > lastComma ? [".", ","] : [",", "."];
  } else if (lastComma >= 0) {
    [decimalSep, groupSep] = count(",") > 1 ? [null, ","] : [",", null];
  } else if (lastDot >= 0) {
    [decimalSep, groupSep] = count(".") > 1 ? [null, "."] : [".", null];
  }
  let int = "";
  let frac = "";
  let seenDecimal = false;
  for (const c of s) {
    if (c === decimalSep) {
      if (seenDecimal) return null;
      seenDecimal = true;
    } else if (c === groupSep) {
      if (seenDecimal) return null;
    } else if (seenDecimal) {
      frac += c;
    } else {
      int += c;
    }
  }
  if (int === "" && frac === "") return null;
  int = int.replace(/^0+(?=\d)/, "");
  if (int === "") int = "0";
  const allZero = /^0*$/.test(int + frac);
  return (negative && !allZero ? "-" : "") + int + (frac ? "." + frac : "");
}

/** Whether a typed amount is understood. */
export function isAmount(input: string): boolean {
  return parseAmount(input) !== null;
}
