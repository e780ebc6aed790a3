import { describe, expect, it } from "vitest";
import { unitPriceAfterDiscount, unitPriceFor } from "../lineAmount";

/** quantity × price rounded half away from zero to cents, in plain numbers of cents (test only). */
function cents(q: string, p: string): bigint {
  const [qi, qf = ""] = q.split(".");
  const [pi, pf = ""] = p.replace("-", "").split(".");
  const n = BigInt(qi + qf) * BigInt(pi + pf) * 100n;
  const d = 10n ** BigInt(qf.length + pf.length);
  return (n * 2n + d) / (2n * d);
}

describe("the price per item that gives a typed line amount", () => {
  it("divides evenly when it can", () => {
    expect(unitPriceFor("302,50", "2", 4)).toEqual({ price: "151.25", amount: "302.50", exact: true });
    expect(unitPriceFor("250", "2", 4)).toEqual({ price: "125.00", amount: "250.00", exact: true });
  });

  it("keeps an amount that does not divide evenly exact with the decimals the system takes", () => {
    const r = unitPriceFor("100", "3", 4);
    expect(r).toEqual({ price: "33.3333", amount: "100.00", exact: true });
    // 7 items for € 10,00 with two decimals: 1,43 × 7 = 10,01; 1,42 × 7 = 9,94: none is exact.
    expect(unitPriceFor("10", "7", 2)).toEqual({ price: "1.43", amount: "10.01", exact: false });
  });

  it("reads Dutch and English notation and handles credit lines", () => {
    expect(unitPriceFor("1.234,56", "1", 2)?.price).toBe("1234.56");
    expect(unitPriceFor("-60,50", "2", 4)).toEqual({ price: "-30.25", amount: "-60.50", exact: true });
    expect(unitPriceFor("60,50", "-2", 4)).toEqual({ price: "-30.25", amount: "60.50", exact: true });
  });

  it("gives nothing for a quantity of zero, text, or an amount with more than cents", () => {
    expect(unitPriceFor("10", "0", 4)).toBeNull();
    expect(unitPriceFor("tien", "1", 4)).toBeNull();
    expect(unitPriceFor("10", "", 4)).toBeNull();
    expect(unitPriceFor("10,005", "1", 4)).toBeNull();
  });

  it("is exact for every amount up to € 1.000 and every whole quantity up to 99 at four decimals", () => {
    let cases = 0;
    for (let q = 1; q <= 99; q += 7) {
      for (let c = 1; c <= 100_000; c += 997) {
        const amount = (BigInt(c) / 100n).toString() + "." + String(c % 100).padStart(2, "0");
        const r = unitPriceFor(amount, String(q), 4);
        expect(r?.exact, `${q} × ? = ${amount}`).toBe(true);
        expect(cents(String(q), r!.price)).toBe(BigInt(c));
        cases++;
      }
    }
    expect(cases).toBeGreaterThan(1000);
  });
});

describe("the price per item for an amount typed on a line with its own discount", () => {
  it("takes the amount as what the line comes to after its discount", () => {
    // 2 × 125,00 = 250,00; 10 % off: 225,00.
    expect(unitPriceAfterDiscount("225,00", "2", 4, { kind: "percentage", value: "10" })).toEqual({
      price: "125.00",
      amount: "225.00",
      exact: true,
    });
    // 7,99 − 1,00 = 6,99.
    expect(unitPriceAfterDiscount("6,99", "1", 4, { kind: "amount", value: "1,00" })).toEqual({
      price: "7.99",
      amount: "6.99",
      exact: true,
    });
    // 3 × 3,92 = 11,76; 15 % of it is 1,764, so 1,76 off: 10,00.
    expect(unitPriceAfterDiscount("10", "3", 4, { kind: "percentage", value: "15" })).toEqual({
      price: "3.92",
      amount: "10.00",
      exact: true,
    });
  });

  it("is the plain price without a discount, and nothing for one of 100 % or more", () => {
    expect(unitPriceAfterDiscount("250", "2", 4, null)).toEqual(unitPriceFor("250", "2", 4));
    expect(unitPriceAfterDiscount("250", "2", 4, { kind: "percentage", value: "" })).toEqual(
      unitPriceFor("250", "2", 4),
    );
    expect(unitPriceAfterDiscount("0", "2", 4, { kind: "percentage", value: "100" })).toBeNull();
  });

  it("when it says exact, quantity × price less the discount is the amount typed", () => {
    let exact = 0;
    for (const pct of ["5", "12,5", "33", "50"]) {
      const p = pct.replace(",", ".");
      const [pi, pf = ""] = p.split(".");
      const scale = 10n ** BigInt(pf.length);
      for (const q of ["1", "2", "3", "7"]) {
        for (let after = 1n; after <= 5000n; after += 37n) {
          const text = `${after / 100n},${(after % 100n).toString().padStart(2, "0")}`;
          const r = unitPriceAfterDiscount(text, q, 4, { kind: "percentage", value: pct });
          expect(r).not.toBeNull();
          if (!r?.exact) continue;
          exact += 1;
          const before = cents(q, r.price);
          const off = (before * BigInt(pi + pf) * 2n + 100n * scale) / (200n * scale);
          expect(before - off).toBe(after);
        }
      }
    }
    expect(exact).toBeGreaterThan(1500);
  });
});
