// The per-item price that gives a typed line amount. A clerk may type a line's amount (excl.
// or incl. VAT) instead of the price per item; the price follows with as many decimals as the
// system takes, chosen so that quantity × price, rounded to cents, is exactly the amount typed
// whenever such a price exists. Integer arithmetic on scaled values (BigInt): never floats.
// Rust computes the totals from the price; this only proposes the price.

import type { DraftDiscount } from "./types";
import { parseAmount } from "./money";

/** `s` (a canonical decimal as parseAmount gives it) as an integer scaled by 10^dp, or null
 * when it has more decimals than that. */
function scaled(s: string, dp: number): bigint | null {
  const negative = s.startsWith("-");
  const [int, frac = ""] = (negative ? s.slice(1) : s).split(".");
  if (frac.length > dp) return null;
  const v = BigInt(int + frac.padEnd(dp, "0"));
  return negative ? -v : v;
}

/** n / d rounded half away from zero (d > 0). */
function divRound(n: bigint, d: bigint): bigint {
  const neg = n < 0n;
  const a = neg ? -n : n;
  const q = (a * 2n + d) / (2n * d);
  return neg ? -q : q;
}

/** An integer scaled by 10^dp as a canonical decimal string. */
function unscaled(v: bigint, dp: number): string {
  const neg = v < 0n;
  const digits = (neg ? -v : v).toString().padStart(dp + 1, "0");
  const int = digits.slice(0, digits.length - dp);
  const frac = dp > 0 ? "." + digits.slice(digits.length - dp) : "";
  return (neg ? "-" : "") + int + frac;
}

function decimals(s: string): number {
  const i = s.indexOf(".");
  return i < 0 ? 0 : s.length - i - 1;
}

export interface UnitPrice {
  /** The price per item, canonical, with at most `dp` decimals. */
  price: string;
  /** The line amount that price gives (quantity × price in cents), canonical with 2 decimals. */
  amount: string;
  /** Whether that is exactly the amount typed. */
  exact: boolean;
}

/**
 * The price per item (at most `dp` decimals) for which `quantity` × price, rounded half away
 * from zero to cents, is `amount`; the nearest price when none is exact. Null when the amount
 * or the quantity is not a number, the quantity is zero, or the amount has more than two
 * decimals.
 */
export function unitPriceFor(amount: string, quantity: string, dp: number): UnitPrice | null {
  const a = parseAmount(amount);
  const q = parseAmount(quantity);
  if (a === null || q === null) return null;
  const cents = scaled(a, 2);
  const qdp = decimals(q);
  const qi = scaled(q, qdp);
  if (cents === null || qi === null || qi === 0n) return null;
  const m = 10n ** BigInt(qdp + dp);
  // quantity × price in cents, for a price p scaled by 10^dp.
  const lineCents = (p: bigint) => divRound(qi * p * 100n, m);
  const qPos = qi < 0n ? -qi : qi;
  const sign = qi < 0n ? -1n : 1n;
  const p0 = divRound(sign * cents * m, 100n * qPos);
  for (const d of [0n, -1n, 1n, -2n, 2n]) {
    const p = p0 + d;
    if (lineCents(p) === cents) {
      return { price: trim(unscaled(p, dp)), amount: unscaled(cents, 2), exact: true };
    }
  }
  return { price: trim(unscaled(p0, dp)), amount: unscaled(lineCents(p0), 2), exact: false };
}

/** Drops trailing zeros beyond two decimals: "125.0000" → "125.00", "33.3300" → "33.33". */
function trim(s: string): string {
  if (!s.includes(".")) return s;
  let out = s;
  while (decimals(out) > 2 && out.endsWith("0")) out = out.slice(0, -1);
  return out;
}


/**
 * What a line's discount takes off `before` (in cents), as the totals take it (Rust's
 * `totals::discount_amount`): an amount as typed, rounded to cents; a percentage of `before`,
 * rounded half away from zero. Zero for a value that is not a number (the totals count no
 * discount then either, and the field says why).
 */
function discountOff(before: bigint, d: DraftDiscount): bigint {
  const v = parseAmount(d.value);
  if (v === null) return 0n;
  const vdp = decimals(v);
  const vi = scaled(v, vdp) ?? 0n;
  const unit = 10n ** BigInt(vdp);
  return d.kind === "amount" ? divRound(vi * 100n, unit) : divRound(before * vi, 100n * unit);
}

/** The amount before the discount (cents) that leaves `after` once it is off, or the nearest;
 * null for a discount of 100 % or more, which leaves nothing whatever the amount. */
function beforeDiscount(after: bigint, d: DraftDiscount): bigint | null {
  if (d.kind === "amount") return after + discountOff(0n, d);
  const v = parseAmount(d.value);
  if (v === null) return after;
  const unit = 10n ** BigInt(decimals(v));
  const left = 100n * unit - (scaled(v, decimals(v)) ?? 0n);
  if (left <= 0n) return null;
  const guess = divRound(after * 100n * unit, left);
  for (const d0 of [0n, -1n, 1n, -2n, 2n]) {
    const b = guess + d0;
    if (b - discountOff(b, d) === after) return b;
  }
  return guess;
}

/**
 * As [`unitPriceFor`], for a line with its own discount: `amount` is what the line comes to
 * after the discount (what the line shows), and the price per item is the one that leaves that
 * amount once the discount is off. Without a discount, the same as `unitPriceFor`.
 */
export function unitPriceAfterDiscount(
  amount: string,
  quantity: string,
  dp: number,
  discount: DraftDiscount | null | undefined,
): UnitPrice | null {
  if (!discount || discount.value.trim() === "") return unitPriceFor(amount, quantity, dp);
  const a = parseAmount(amount);
  const after = a === null ? null : scaled(a, 2);
  if (after === null) return null;
  const before = beforeDiscount(after, discount);
  if (before === null) return null;
  const r = unitPriceFor(unscaled(before, 2), quantity, dp);
  if (!r) return null;
  const gives = scaled(r.amount, 2) ?? 0n;
  const shown = gives - discountOff(gives, discount);
  return { price: r.price, amount: unscaled(shown, 2), exact: shown === after };
}

/**
 * A discount moved to the other price basis (excl. ↔ incl. VAT): an amount keeps what it is
 * worth, `value × to / from` rounded half away from zero to cents, where `from` and `to` are
 * the same amount on the old and on the new basis (the line's, or the lines' together for the
 * invoice's discount). A percentage is the same on either basis and stays. Null when nothing
 * changes: a percentage, an empty or unreadable value, or `from` zero or not a number.
 */
export function discountOnBasis(d: DraftDiscount, from: string, to: string): DraftDiscount | null {
  if (d.kind !== "amount") return null;
  const v = parseAmount(d.value);
  const f = parseAmount(from);
  const t = parseAmount(to);
  if (v === null || f === null || t === null) return null;
  const dp = Math.max(decimals(f), decimals(t));
  const vi = scaled(v, decimals(v));
  const fs = scaled(f, dp);
  const ts = scaled(t, dp);
  if (vi === null || fs === null || ts === null || fs === 0n) return null;
  // value (scaled by 10^vdp) × to / from, in cents; divRound takes a positive divisor.
  const sign = fs < 0n ? -1n : 1n;
  const n = vi * 100n * ts * sign;
  const den = 10n ** BigInt(decimals(v)) * fs * sign;
  return { kind: d.kind, value: unscaled(divRound(n, den), 2) };
}

/** `a` + `b`, exactly, as a canonical decimal; null when either is not a number. */
export function addAmounts(a: string, b: string): string | null {
  const x = parseAmount(a);
  const y = parseAmount(b);
  if (x === null || y === null) return null;
  const dp = Math.max(decimals(x), decimals(y));
  const xs = scaled(x, dp);
  const ys = scaled(y, dp);
  return xs === null || ys === null ? null : unscaled(xs + ys, dp);
}
