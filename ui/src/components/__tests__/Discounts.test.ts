import { render, screen, waitFor } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import * as api from "../../lib/api";
import { setLocale } from "../../lib/locale.svelte";
import type { ReadyConnection } from "../../lib/types";
import { connection, draftView, evaluation, line, relation, sync, draft } from "../../test/fixtures";
import InvoiceForm from "../InvoiceForm.svelte";

vi.mock("../../lib/api", async () => (await import("../../test/apiMock")).apiMock());

const mocked = vi.mocked(api);

/** The first system, declared with discounts on lines and on the invoice. */
const withDiscounts: ReadyConnection = {
  ...connection,
  capabilities: { ...connection.capabilities, discounts: { line: true, invoice: true } },
};

async function renderForm(c: ReadyConnection) {
  render(InvoiceForm, { connection: c, sync, administrationId: "1", debounce: 0 });
  await screen.findByTestId("line-0-quantity");
}

const text = (id: string) => screen.getByTestId(id).textContent?.replace(/\s+/g, " ").trim();

describe("Discounts on lines and on the invoice", () => {
  beforeEach(() => {
    vi.clearAllMocks();
    setLocale("en");
    mocked.currentDraft.mockResolvedValue(
      draftView(draft({ relation: relation("r1", "Jansen Bouw"), lines: [line({ id: "l-1", description: "Uren", unit_price: "12.50", quantity: "2" })] })),
    );
  });

  it("offers no discount for a system that takes none", async () => {
    await renderForm(connection);
    expect(screen.queryByTestId("line-0-discount")).toBeNull();
    expect(screen.queryByTestId("invoice-discount")).toBeNull();
    expect(screen.queryByTestId("total-discount")).toBeNull();
  });

  it("keeps a typed line discount and invoice discount in the draft, amount or percentage", async () => {
    const user = userEvent.setup();
    await renderForm(withDiscounts);
    const kind = screen.getByTestId("line-0-discount-kind") as HTMLSelectElement;
    expect([...kind.options].map((o) => o.value)).toEqual(["amount", "percentage"]);
    await user.selectOptions(kind, "percentage");
    await user.type(screen.getByTestId("line-0-discount-value"), "10");
    await waitFor(() =>
      expect(mocked.saveDraft.mock.calls.at(-1)?.[0].lines[0].discount).toEqual({ kind: "percentage", value: "10" }),
    );
    await user.type(screen.getByTestId("invoice-discount-value"), "5,00");
    await waitFor(() => expect(mocked.saveDraft.mock.calls.at(-1)?.[0].discount).toEqual({ kind: "amount", value: "5,00" }));
    expect(mocked.saveDraft.mock.calls.at(-1)?.[0].lines[0].discount).toEqual({ kind: "percentage", value: "10" });
  });

  it("shows the amount before discount and the discount in the totals, and a discount's message on its field", async () => {
    const ev = evaluation({
      totals: {
        lines: [],
        rates: [{ vat_code: "high", percent: "21", net: "17.50", vat: "3.68", gross: "21.18" }],
        net: "17.50",
        vat: "3.68",
        gross: "21.18",
        discount: { before: "25.00", lines: "2.50", invoice: "5.00", total: "7.50" },
      },
      issues: [{ field: "lines[0].discount", message: { nl: "Een korting kan niet negatief zijn.", en: "A discount cannot be negative." } }],
    });
    mocked.currentDraft.mockResolvedValue(
      draftView(
        draft({
          relation: relation("r1", "Jansen Bouw"),
          lines: [line({ description: "Uren", unit_price: "12.50", quantity: "2", discount: { kind: "amount", value: "-1" } })],
          discount: { kind: "amount", value: "5" },
        }),
        ev,
      ),
    );
    mocked.saveDraft.mockResolvedValue(ev);
    const user = userEvent.setup();
    await renderForm(withDiscounts);
    expect((screen.getByTestId("line-0-discount-value") as HTMLInputElement).value).toBe("-1");
    expect((screen.getByTestId("invoice-discount-value") as HTMLInputElement).value).toBe("5");
    expect(text("total-before-discount")).toBe("€25.00");
    expect(text("total-discount")).toBe("-€7.50");
    expect(text("total-net")).toBe("€17.50");
    expect(text("total-gross")).toBe("€21.18");

    await user.click(screen.getByTestId("line-0-discount-value"));
    await user.tab();
    expect((await screen.findByTestId("field-error-lines[0].discount")).textContent).toContain("A discount cannot be negative.");
    expect(screen.getByTestId("line-0-discount-value").getAttribute("aria-invalid")).toBe("true");

    setLocale("nl");
    await waitFor(() => expect(screen.getByText("Korting op de factuur")).toBeTruthy());
    expect(screen.getByText("Vóór korting")).toBeTruthy();
    expect(text("total-discount")).toBe("€ -7,50");
  });
});
