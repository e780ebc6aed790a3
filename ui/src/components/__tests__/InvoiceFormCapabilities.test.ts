import { render, screen, waitFor } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import * as api from "../../lib/api";
import { setLocale } from "../../lib/locale.svelte";
import type { ReadyConnection } from "../../lib/types";
import {
  draftView,
  evaluation,
  line,
  relation,
  secondCaps,
  secondConnection,
  secondDraft,
  secondSystem,
  sync,
} from "../../test/fixtures";
import InvoiceForm from "../InvoiceForm.svelte";

vi.mock("../../lib/api", async () => (await import("../../test/apiMock")).apiMock());

const mocked = vi.mocked(api);
const system = secondSystem.name;

async function renderForm(connection: ReadyConnection = secondConnection) {
  const result = render(InvoiceForm, { connection, sync, administrationId: null, debounce: 0 });
  await screen.findByTestId("relation-input");
  return result;
}

const text = (id: string) => screen.getByTestId(id).textContent?.replace(/\s+/g, " ").trim();

describe("InvoiceForm follows the capabilities (the second system: no administrations, prices incl. VAT)", () => {
  beforeEach(() => {
    vi.clearAllMocks();
    setLocale("en");
    mocked.currentDraft.mockResolvedValue(draftView(secondDraft({ lines: [line({ id: "l-1" })] })));
  });

  it("caps quantity and price at 13 digits before the decimal point and says so on the field", async () => {
    await renderForm();
    const quantity = screen.getByTestId("line-0-quantity");
    const price = screen.getByTestId("line-0-price");
    for (const input of [quantity, price]) {
      expect(input.getAttribute("inputmode")).toBe("decimal");
      expect(input.getAttribute("title")).toBe("At most 13 digits before the decimal point and 2 after it");
      // Sign, "€ ", 13 digits with 4 separators, a decimal separator and 2 decimals.
      expect(input.getAttribute("maxlength")).toBe("23");
    }
  });

  it("has no administration, invoice address or attachments, and looks up with administration \"\"", async () => {
    mocked.searchRelations.mockResolvedValue([relation("r1", "Jansen Bouw")]);
    const user = userEvent.setup();
    await renderForm();
    expect(mocked.currentDraft).toHaveBeenCalledWith("second-1");
    expect(screen.queryByTestId("address-select")).toBeNull();
    expect(screen.queryByTestId("attach-button")).toBeNull();
    expect(screen.queryByText("Attachments")).toBeNull();
    await user.type(screen.getByTestId("relation-input"), "jan");
    await user.click(await screen.findByTestId("relation-option"));
    expect(mocked.searchRelations).toHaveBeenLastCalledWith("second-1", "", "jan", 20);
    expect(mocked.relationAddresses).not.toHaveBeenCalled();
    await waitFor(() => expect(mocked.saveDraft).toHaveBeenCalled());
    expect(mocked.saveDraft.mock.calls.at(-1)?.[0].administration_id).toBeNull();
  });

  it("still lists attachments a draft already has, with an explanation and its message", async () => {
    const att = { id: "att-1", path: "/tmp/bon.pdf", file_name: "bon.pdf", size: 1000, sha256: "", content_type: "application/pdf", remote_ref: null };
    mocked.currentDraft.mockResolvedValue(draftView(secondDraft({ attachments: [att] })));
    mocked.submitDraft.mockRejectedValue({
      code: "validation",
      message: "1 field needs correcting.",
      fields: [{ field: "attachments", message: `${system} takes no attachments through this connection.` }],
    });
    const user = userEvent.setup();
    await renderForm();
    expect(screen.getByTestId("attachment-row").textContent).toContain("bon.pdf");
    expect(text("attachments-unsupported")).toBe(
      `${system} does not take attachments through this connection. Remove these files before sending.`,
    );
    expect(screen.queryByTestId("attach-button")).toBeNull();
    await user.click(screen.getByTestId("submit"));
    expect((await screen.findByTestId("field-error-attachments")).textContent).toContain("takes no attachments");
    expect(screen.queryByTestId("form-error-fields")).toBeNull();
  });

  it("renders a url field as type=url with the allowed extensions, and shows its error", async () => {
    mocked.saveDraft.mockResolvedValue(
      evaluation({
        issues: [
          {
            field: "extra.invoice_file_url",
            message: { nl: "Het adres moet eindigen op een van: .jpg .pdf", en: "The address must end in one of: .jpg .pdf" },
          },
        ],
      }),
    );
    const user = userEvent.setup();
    await renderForm();
    const url = screen.getByTestId("extra-invoice_file_url") as HTMLInputElement;
    expect(url.type).toBe("url");
    expect(url.getAttribute("aria-describedby")).toContain("extra-invoice_file_url-extensions");
    expect(text("extra-invoice_file_url-extensions")).toBe(
      "A web address of a file ending in .jpg, .png, .pdf, .doc, .docx, .gif.",
    );
    await user.type(url, "https://example.nl/factuur.txt");
    await user.tab();
    const error = await screen.findByTestId("field-error-extra.invoice_file_url");
    expect(error.textContent).toBe("The address must end in one of: .jpg .pdf");
    expect(url.getAttribute("aria-invalid")).toBe("true");
    expect(error.closest(".field")).toBe(url.closest(".field"));
    expect(mocked.saveDraft.mock.calls.at(-1)?.[0].extra.invoice_file_url).toBe("https://example.nl/factuur.txt");
  });

  it("shows warnings in amber next to their field, at once, without blocking the submit", async () => {
    const ev = evaluation({
      warnings: [
        {
          field: "relation",
          message: { nl: `Meer klanten hebben deze naam; ${system} neemt de eerste.`, en: `Several customers share this name; ${system} takes the first.` },
        },
        { field: "lines[0].cost_center", message: { nl: "Onbekende kostenplaats.", en: "Unknown cost centre." } },
        { field: "something_else", message: { nl: "Let op.", en: "Mind this." } },
      ],
    });
    mocked.currentDraft.mockResolvedValue(draftView(secondDraft({ relation: relation("r1", "Jansen Bouw") }), ev));
    mocked.submitDraft.mockResolvedValue({ state: "queued", remote_id: null, number: null, message: "", error: null, next: null });
    const user = userEvent.setup();
    render(InvoiceForm, { connection: secondConnection, sync, administrationId: null, debounce: 0 });
    const warning = await screen.findByTestId("field-warning-relation");
    expect(warning.textContent).toContain(`Several customers share this name; ${system} takes the first.`);
    expect(warning.closest(".relation-field")).toBe(screen.getByTestId("relation-selected").closest(".relation-field"));
    expect(screen.getByTestId("relation-selected").getAttribute("aria-describedby")).toBe(warning.id);
    expect(screen.queryByTestId("field-error-relation")).toBeNull();

    const cc = screen.getByTestId("line-0-field-cost_center");
    const ccWarning = screen.getByTestId("field-warning-lines[0].cost_center");
    expect(ccWarning.textContent).toContain("Unknown cost centre.");
    expect(ccWarning.closest(".field")).toBe(cc.closest(".field"));
    expect(cc.getAttribute("aria-invalid")).toBe("false");
    expect(text("form-warnings")).toContain("something_else: Mind this.");

    const submit = screen.getByTestId("submit") as HTMLButtonElement;
    expect(submit.disabled).toBe(false);
    await user.click(submit);
    await waitFor(() => expect(mocked.submitDraft).toHaveBeenCalledWith("draft-1"));
  });

  it("disables Add line at the maximum, with the reason as tooltip and text", async () => {
    const lines = Array.from({ length: 74 }, () => line({ description: "Uren", unit_price: "10" }));
    mocked.currentDraft.mockResolvedValue(draftView(secondDraft({ lines })));
    const user = userEvent.setup();
    await renderForm();
    const add = screen.getByTestId("add-line") as HTMLButtonElement;
    expect(add.disabled).toBe(false);
    expect(text("lines-count")).toBe("74 of at most 75 lines");
    await user.click(add);
    expect(await screen.findByTestId("line-74-description")).toBeTruthy();
    await waitFor(() => expect(add.disabled).toBe(true));
    expect(add.title).toBe(`${system} takes at most 75 lines`);
    expect(text("lines-max")).toBe(`${system} takes at most 75 lines`);
    expect(add.getAttribute("aria-describedby")).toBe("lines-max");

    await user.click(screen.getByTestId("line-74-quantity"));
    await user.keyboard("{Enter}");
    await user.keyboard("{Alt>}n{/Alt}");
    expect(screen.queryByTestId("line-75-description")).toBeNull();

    await user.click(screen.getByTestId("line-3-remove"));
    await waitFor(() => expect(add.disabled).toBe(false));
  });

  it("offers incl. VAT first and re-labels the price and amount columns when switched", async () => {
    const ev = evaluation({ line_amounts: [{ net: "100.00", vat: "21.00", gross: "121.00" }] });
    mocked.currentDraft.mockResolvedValue(
      draftView(secondDraft({ lines: [line({ description: "Advies", unit_price: "121" })] }), ev),
    );
    mocked.saveDraft.mockResolvedValue(ev);
    const user = userEvent.setup();
    await renderForm();
    const radios = [...screen.getByTestId("price-basis").querySelectorAll("input")];
    expect(radios.map((r) => r.value)).toEqual(["incl_vat", "excl_vat"]);
    expect((screen.getByTestId("price-basis-incl_vat") as HTMLInputElement).checked).toBe(true);
    expect(text("col-price")).toBe("Price incl.");
    expect(text("col-total")).toBe("Amount incl.");
    expect(text("line-0-total")).toBe("€121.00");
    expect(screen.getByLabelText("Unit price incl. VAT, line 1")).toBe(screen.getByTestId("line-0-price"));

    await user.click(screen.getByTestId("price-basis-excl_vat"));
    expect(text("col-price")).toBe("Price excl.");
    expect(text("col-total")).toBe("Amount excl.");
    expect(text("line-0-total")).toBe("€100.00");
    expect(screen.getByLabelText("Unit price excl. VAT, line 1")).toBe(screen.getByTestId("line-0-price"));
    await waitFor(() => expect(mocked.saveDraft.mock.calls.at(-1)?.[0].price_basis).toBe("excl_vat"));

    setLocale("nl");
    await waitFor(() => expect(text("col-price")).toBe("Prijs excl."));
    expect(text("col-total")).toBe("Bedrag excl.");
  });

  it("makes the description the main field when no product is required; line fields per line", async () => {
    const user = userEvent.setup();
    await renderForm();
    expect(text("col-description")).toBe("Description *");
    expect(text("col-product")).toBe("Product (optional)");
    const desc = screen.getByTestId("line-0-description");
    const product = screen.getByTestId("line-0-product");
    expect(desc.compareDocumentPosition(product) & Node.DOCUMENT_POSITION_FOLLOWING).toBeTruthy();
    expect(desc.getAttribute("aria-required")).toBe("true");

    await user.type(screen.getByTestId("line-0-field-cost_center"), "KP-10");
    await user.type(screen.getByTestId("line-0-field-ledger_account_number"), "8000");
    await waitFor(() => expect(mocked.saveDraft.mock.calls.at(-1)?.[0].lines[0].extra).toEqual({ cost_center: "KP-10", ledger_account_number: "8000" }));
    expect(screen.getByLabelText("Cost centre")).toBe(screen.getByTestId("line-0-field-cost_center"));

    await user.click(screen.getByTestId("add-line"));
    await waitFor(() => expect(document.activeElement).toBe(screen.getByTestId("line-1-description")));
    expect(screen.getByTestId("line-1-field-cost_center")).toBeTruthy();
  });

  it("keeps a typed description when a product is picked afterwards", async () => {
    const p = { id: "p-9", code: "ADV", description: "Advies per uur", price_excl: "100.00", price_incl: "121.00", vat_code: "high", group: null, archived: false, line_defaults: {} };
    mocked.searchProducts.mockResolvedValue([p]);
    const user = userEvent.setup();
    await renderForm();
    await user.type(screen.getByTestId("line-0-description"), "Advies maart");
    await user.type(screen.getByTestId("line-0-product"), "adv");
    await user.click(await screen.findByTestId("product-option"));
    expect((screen.getByTestId("line-0-description") as HTMLInputElement).value).toBe("Advies maart");
    expect((screen.getByTestId("line-0-price") as HTMLInputElement).value).toBe("121.00");
  });

  it("names the invoice by its number when the id is the number, and shows the back end's notes", async () => {
    mocked.submitDraft.mockResolvedValue({
      state: "sent",
      remote_id: "2026001",
      number: "2026001",
      message: `Invoice sent to ${system} (id 2026001, 2026001).\n${system} computed a total of 121.01; the preview said 121.00.`,
      error: null,
      next: draftView(secondDraft({ id: "draft-2" })),
    });
    const user = userEvent.setup();
    await renderForm();
    await user.click(screen.getByTestId("submit"));
    const result = await screen.findByTestId("submit-result");
    expect(result.getAttribute("data-state")).toBe("sent");
    expect(text("submit-sent-title")).toBe("Invoice sent — number 2026001");
    expect(result.textContent).not.toContain("id 2026001");
    expect(text("submit-warnings")).toBe(`${system} computed a total of 121.01; the preview said 121.00.`);
  });

  it("the same form for the first system keeps administration, address and attachments", async () => {
    const { connection } = await import("../../test/fixtures");
    mocked.currentDraft.mockResolvedValue(draftView());
    render(InvoiceForm, { connection, sync, administrationId: "1", debounce: 0 });
    await screen.findByTestId("relation-input");
    expect(screen.getByTestId("address-select")).toBeTruthy();
    expect(screen.getByTestId("attach-button")).toBeTruthy();
    expect(text("col-product")).toBe("Product *");
    expect(text("col-description")).toBe("Description");
    expect(screen.queryByTestId("lines-count")).toBeNull();
    expect(secondCaps.administrations).toBe(false);
  });
});

describe("InvoiceForm offers no line text the system would not send", () => {
  beforeEach(() => {
    vi.clearAllMocks();
    setLocale("en");
    mocked.currentDraft.mockResolvedValue(draftView(secondDraft({ lines: [line({ id: "l-1" })] })));
  });

  it("shows the product's own description without letting it be changed, when the system prints that", async () => {
    const user = userEvent.setup();
    const capabilities = { ...secondCaps, line_texts: { description: "product" as const, extra_description: true } };
    await renderForm({ ...secondConnection, capabilities });
    const description = screen.getByTestId("line-0-description") as HTMLInputElement;
    expect(description.readOnly).toBe(true);
    expect(description.tabIndex).toBe(-1);
    expect(description.title).toContain("extra description");
    await user.type(description, "typed");
    expect(description.value).not.toContain("typed");
    expect(screen.getByTestId("line-0-extra-description")).toBeTruthy();
  });

  it("has no extra description when the system takes one text per line", async () => {
    const capabilities = { ...secondCaps, line_texts: { description: "typed" as const, extra_description: false } };
    await renderForm({ ...secondConnection, capabilities });
    const description = screen.getByTestId("line-0-description") as HTMLInputElement;
    expect(description.readOnly).toBe(false);
    expect(screen.queryByTestId("line-0-extra-description")).toBeNull();
  });

  it("offers both texts by default", async () => {
    await renderForm();
    expect((screen.getByTestId("line-0-description") as HTMLInputElement).readOnly).toBe(false);
    expect(screen.getByTestId("line-0-extra-description")).toBeTruthy();
  });
});
