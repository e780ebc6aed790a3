import { describe, expect, it, vi } from "vitest";
import { InvoiceFormState } from "../form.svelte";
import { addAmounts, discountOnBasis } from "../lineAmount";
import { connection, declared, draft, draftView, evaluation, line } from "../../test/fixtures";
import type { Capabilities } from "../types";

vi.mock("../api", async () => (await import("../../test/apiMock")).apiMock());

// A system that takes prices on either basis and discounts on lines and on the invoice.
const both = declared.find(
  (c) => c.price_bases.length === 2 && c.discounts.line && c.discounts.invoice,
) as Capabilities;

function form() {
  const f = new InvoiceFormState({ ...connection, kind: both.kind, capabilities: both }, async () => evaluation());
  // Excl. VAT, 21 %: 2 × 125.00 − 10.00 = 240.00 (290.40 incl.), and 1 × 100.00 (121.00 incl.);
  // 34.00 off the invoice.
  const d = draft({
    price_basis: "excl_vat",
    lines: [
      line({ quantity: "2", unit_price: "125.00", discount: { kind: "amount", value: "10.00" } }),
      line({ quantity: "1", unit_price: "100.00", discount: { kind: "percentage", value: "0" } }),
    ],
    discount: { kind: "amount", value: "34.00" },
  });
  f.load(
    draftView(
      d,
      evaluation({
        line_amounts: [
          { net: "240.00", vat: "50.40", gross: "290.40" },
          { net: "100.00", vat: "21.00", gross: "121.00" },
        ],
      }),
    ),
  );
  return f;
}

describe("typing a line's amount on the other price basis", () => {
  it("is a system the generated capabilities hold", () => {
    expect(both).toBeTruthy();
  });

  it("keeps what every discount given as an amount is worth, so no total changes", () => {
    const f = form();
    const r = f.setLineAmount(1, "incl_vat", "121.00");
    expect(r?.exact).toBe(true);
    const d = f.draft!;
    expect(d.price_basis).toBe("incl_vat");
    expect(d.lines[1].unit_price).toBe("121.00");
    // 10.00 excl. is 12.10 incl.; the price per item is the list price incl. VAT again.
    expect(d.lines[0].discount).toEqual({ kind: "amount", value: "12.10" });
    expect(d.lines[0].unit_price).toBe("151.25");
    // 34.00 on 340.00 excl. is 41.14 on 411.40 incl.: 411.40 − 41.14 = 370.26 = 306.00 × 1.21.
    expect(d.discount).toEqual({ kind: "amount", value: "41.14" });
  });

  it("leaves a percentage as it is, and switches nothing for an amount that is not a number", () => {
    const f = form();
    expect(f.setLineAmount(1, "incl_vat", "twelve")).toBeNull();
    expect(f.draft!.price_basis).toBe("excl_vat");
    expect(f.draft!.discount).toEqual({ kind: "amount", value: "34.00" });
    f.setLineAmount(0, "incl_vat", "290.40");
    expect(f.draft!.lines[1].discount).toEqual({ kind: "percentage", value: "0" });
    // The line typed in takes its own discount on the new basis too.
    expect(f.draft!.lines[0].discount).toEqual({ kind: "amount", value: "12.10" });
    expect(f.draft!.lines[0].unit_price).toBe("151.25");
  });
});

describe("a discount moved to the other basis", () => {
  it("keeps its worth to the cent, either way, and for a credit", () => {
    expect(discountOnBasis({ kind: "amount", value: "10" }, "240.00", "290.40")).toEqual({
      kind: "amount",
      value: "12.10",
    });
    expect(discountOnBasis({ kind: "amount", value: "12.10" }, "290.40", "240.00")?.value).toBe("10.00");
    expect(discountOnBasis({ kind: "amount", value: "5" }, "-100.00", "-109.00")?.value).toBe("5.45");
    // 10.00 incl. at 21 %: 8.2644… excl., rounded half away from zero.
    expect(discountOnBasis({ kind: "amount", value: "10" }, "121.00", "100.00")?.value).toBe("8.26");
  });

  it("is no change for a percentage, an empty value, or nothing to measure against", () => {
    expect(discountOnBasis({ kind: "percentage", value: "10" }, "100", "121")).toBeNull();
    expect(discountOnBasis({ kind: "amount", value: "" }, "100", "121")).toBeNull();
    expect(discountOnBasis({ kind: "amount", value: "5" }, "0.00", "0.00")).toBeNull();
    expect(discountOnBasis({ kind: "amount", value: "5" }, "x", "121")).toBeNull();
  });

  it("adds amounts exactly", () => {
    expect(addAmounts("0.1", "0.2")).toBe("0.3");
    expect(addAmounts("290.40", "-121")).toBe("169.40");
    expect(addAmounts("1", "y")).toBeNull();
  });
});
