import { render, screen, waitFor, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import * as api from "../../lib/api";
import { app } from "../../lib/app.svelte";
import { setLocale } from "../../lib/locale.svelte";
import type { Relation, SubmitResult } from "../../lib/types";
import {
  connection,
  deferred,
  firstSystem,
  draft,
  draftView,
  evaluation,
  line,
  product,
  relation,
  sync,
} from "../../test/fixtures";
import InvoiceForm from "../InvoiceForm.svelte";

vi.mock("../../lib/api", async () => (await import("../../test/apiMock")).apiMock());

const mocked = vi.mocked(api);
const system = firstSystem.name;

async function renderForm(debounce = 0) {
  const result = render(InvoiceForm, { connection, sync, administrationId: "1", debounce });
  await screen.findByTestId("relation-input");
  return result;
}

const nbsp = (s: string | null) => (s ?? "").replace(/\u00a0/g, " ").trim();

describe("InvoiceForm", () => {
  beforeEach(() => {
    vi.clearAllMocks();
    setLocale("en");
    mocked.currentDraft.mockResolvedValue(draftView(draft({ lines: [line({ id: "l-1" })] })));
  });

  it("restores the open draft of the connection", async () => {
    mocked.currentDraft.mockResolvedValue(
      draftView(draft({ reference: "PO-77", lines: [line({ description: "Kept", unit_price: "12,50" })] })),
    );
    await renderForm();
    expect(mocked.currentDraft).toHaveBeenCalledWith("conn-1");
    expect((screen.getByTestId("reference") as HTMLInputElement).value).toBe("PO-77");
    expect((screen.getByTestId("line-0-price") as HTMLInputElement).value).toBe("12,50");
    expect(mocked.saveDraft).not.toHaveBeenCalled();
  });

  describe("relation type-ahead", () => {
    it("ArrowDown and Enter pick the highlighted relation", async () => {
      const found = [relation("r1", "Jansen Bouw"), relation("r2", "Jansen Advies")];
      mocked.searchRelations.mockResolvedValue(found);
      const user = userEvent.setup();
      await renderForm();
      await user.type(screen.getByTestId("relation-input"), "jans");
      const options = await screen.findAllByTestId("relation-option");
      expect(options).toHaveLength(2);
      expect(options.map((o) => o.getAttribute("aria-selected"))).toEqual(["false", "false"]);
      expect(mocked.searchRelations).toHaveBeenLastCalledWith("conn-1", "1", "jans", 20);

      await user.keyboard("{ArrowDown}");
      expect(screen.getAllByTestId("relation-option")[0].getAttribute("aria-selected")).toBe("true");
      await user.keyboard("{ArrowDown}{ArrowDown}");
      expect(screen.getAllByTestId("relation-option")[1].getAttribute("aria-selected")).toBe("true");
      await user.keyboard("{ArrowUp}{ArrowDown}");
      expect(screen.getByTestId("relation-input").getAttribute("aria-activedescendant")).toBe(
        screen.getAllByTestId("relation-option")[1].id,
      );
      await user.keyboard("{Enter}");

      const chip = await screen.findByTestId("relation-selected");
      expect(chip.textContent).toContain("Jansen Advies");
      expect(screen.queryByTestId("relation-option")).toBeNull();
      await waitFor(() =>
        expect(mocked.relationAddresses).toHaveBeenCalledWith("conn-1", "1", found[1]),
      );
      await waitFor(() => expect(mocked.saveDraft).toHaveBeenCalled());
      expect(mocked.saveDraft.mock.calls.at(-1)?.[0].relation?.id).toBe("r2");
    });

    it("Enter without a highlighted option takes the first one; a click picks too", async () => {
      mocked.searchRelations.mockResolvedValue([relation("r1", "Jansen Bouw"), relation("r2", "Jansen Advies")]);
      const user = userEvent.setup();
      await renderForm();
      await user.type(screen.getByTestId("relation-input"), "jans");
      await screen.findAllByTestId("relation-option");
      await user.keyboard("{Enter}");
      expect((await screen.findByTestId("relation-selected")).textContent).toContain("Jansen Bouw");

      await user.click(screen.getByTestId("relation-clear"));
      expect(document.activeElement).toBe(screen.getByTestId("relation-input"));
      await user.type(screen.getByTestId("relation-input"), "jans");
      await user.click((await screen.findAllByTestId("relation-option"))[1]);
      expect((await screen.findByTestId("relation-selected")).textContent).toContain("Jansen Advies");
    });

    it("ignores answers that arrive out of order", async () => {
      const answers: Record<string, ReturnType<typeof deferred<Relation[]>>> = {};
      mocked.searchRelations.mockImplementation((_c, _a, q) => {
        answers[q] = deferred<Relation[]>();
        return answers[q].promise;
      });
      const user = userEvent.setup();
      await renderForm();
      const input = screen.getByTestId("relation-input");
      await user.type(input, "a");
      await user.type(input, "b");
      expect(Object.keys(answers)).toEqual(["a", "ab"]);

      answers.ab.resolve([relation("r2", "Abbink")]);
      await screen.findByText("Abbink");
      answers.a.resolve([relation("r1", "Aalders"), relation("r3", "Anker")]);
      await new Promise((r) => setTimeout(r, 10));

      const options = screen.getAllByTestId("relation-option");
      expect(options.map((o) => o.textContent)).toEqual([expect.stringContaining("Abbink")]);
      expect(screen.queryByText("Aalders")).toBeNull();
    });

    it("Escape closes the list; an empty answer says so", async () => {
      mocked.searchRelations.mockResolvedValue([]);
      const user = userEvent.setup();
      await renderForm();
      await user.type(screen.getByTestId("relation-input"), "xyz");
      expect((await screen.findByTestId("relation-input-empty")).textContent?.trim()).toBe(
        "No relation matches 'xyz'",
      );
      await user.keyboard("{Escape}");
      expect(screen.queryByTestId("relation-input-empty")).toBeNull();
      expect(screen.getByTestId("relation-input").getAttribute("aria-expanded")).toBe("false");
    });

    it("says relations are loading while the first sync has not filled the cache", async () => {
      mocked.searchRelations.mockResolvedValue([]);
      const user = userEvent.setup();
      render(InvoiceForm, {
        connection,
        sync: { ...sync, relations: 0, running: true, last_synced_at: null },
        administrationId: "1",
        debounce: 0,
      });
      await user.type(await screen.findByTestId("relation-input"), "jan");
      expect((await screen.findByTestId("relation-input-empty")).textContent?.trim()).toBe(
        "Relations are being loaded…",
      );
    });

    it("asks again when a sync brings relations while the list found nothing", async () => {
      mocked.searchRelations.mockResolvedValue([]);
      const user = userEvent.setup();
      const view = render(InvoiceForm, {
        connection,
        sync: { ...sync, relations: 10, running: true },
        administrationId: "1",
        debounce: 0,
      });
      await user.type(await screen.findByTestId("relation-input"), "jans");
      await screen.findByTestId("relation-input-empty");
      mocked.searchRelations.mockResolvedValue([relation("r1", "Jansen Bouw")]);
      await view.rerender({ connection, sync: { ...sync, relations: 2133, running: false }, administrationId: "1", debounce: 0 });
      expect(await screen.findByTestId("relation-option")).toBeTruthy();
      expect(mocked.searchRelations).toHaveBeenLastCalledWith("conn-1", "1", "jans", 20);
    });

    it("an open product list that found nothing asks again when a sync brings products", async () => {
      mocked.searchProducts.mockResolvedValue([]);
      const user = userEvent.setup();
      const view = render(InvoiceForm, {
        connection,
        sync: { ...sync, products: 3, running: true },
        administrationId: "1",
        debounce: 0,
      });
      await user.type(await screen.findByTestId("line-0-product"), "koffie");
      await waitFor(() => expect(mocked.searchProducts).toHaveBeenCalled());
      mocked.searchProducts.mockResolvedValue([product]);
      await view.rerender({ connection, sync: { ...sync, products: 500, running: false }, administrationId: "1", debounce: 0 });
      expect(await screen.findByTestId("product-option")).toBeTruthy();
      expect(mocked.searchProducts).toHaveBeenLastCalledWith("conn-1", "1", "koffie", expect.any(Number));
    });

    it("with a delay set, searches once the typing pauses", async () => {
      mocked.searchRelations.mockResolvedValue([relation("r1", "Jansen")]);
      const user = userEvent.setup();
      await renderForm(80);
      await user.type(screen.getByTestId("relation-input"), "jansen");
      await screen.findAllByTestId("relation-option");
      expect(mocked.searchRelations.mock.calls.length).toBeLessThan(6);
      expect(mocked.searchRelations).toHaveBeenLastCalledWith("conn-1", "1", "jansen", 20);
    });
  });

  describe("lines", () => {
    it("Enter in the last line adds a line and focuses its product input", async () => {
      const user = userEvent.setup();
      await renderForm();
      await user.click(screen.getByTestId("line-0-quantity"));
      await user.keyboard("{Enter}");
      const product1 = await screen.findByTestId("line-1-product");
      expect(document.activeElement).toBe(product1);

      await user.click(screen.getByTestId("line-1-price"));
      await user.keyboard("{Enter}");
      expect(document.activeElement).toBe(await screen.findByTestId("line-2-product"));

      await user.click(screen.getByTestId("line-2-extra-description"));
      await user.keyboard("{Enter}");
      expect(document.activeElement).toBe(await screen.findByTestId("line-3-product"));
    });

    it("Enter in an earlier line does not add one", async () => {
      mocked.currentDraft.mockResolvedValue(draftView(draft({ lines: [line(), line()] })));
      const user = userEvent.setup();
      await renderForm();
      await user.click(screen.getByTestId("line-0-quantity"));
      await user.keyboard("{Enter}");
      expect(screen.queryByTestId("line-2-product")).toBeNull();
    });

    it("pressing the add-line button leaves the focus in the field until the click", async () => {
      const user = userEvent.setup();
      await renderForm();
      const quantity = screen.getByTestId("line-0-quantity");
      await user.click(quantity);
      const press = new MouseEvent("mousedown", { bubbles: true, cancelable: true });
      screen.getByTestId("add-line").dispatchEvent(press);
      expect(press.defaultPrevented).toBe(true);
      expect(document.activeElement).toBe(quantity);
    });

    it("Alt+N and the button add a line", async () => {
      const user = userEvent.setup();
      await renderForm();
      await user.click(screen.getByTestId("add-line"));
      expect(document.activeElement).toBe(await screen.findByTestId("line-1-product"));
      await user.keyboard("{Alt>}n{/Alt}");
      expect(document.activeElement).toBe(await screen.findByTestId("line-2-product"));
    });

    it("picking a product fills description, price in the UI language and VAT", async () => {
      setLocale("nl");
      mocked.searchProducts.mockResolvedValue([{ ...product, vat_code: "low" }]);
      const user = userEvent.setup();
      await renderForm();
      await user.type(screen.getByTestId("line-0-product"), "arb");
      const opt = await screen.findByTestId("product-option");
      expect(nbsp(opt.textContent)).toContain("ARB-U");
      expect(nbsp(opt.textContent)).toContain("€ 67,73");
      await user.keyboard("{Enter}");
      expect((screen.getByTestId("line-0-description") as HTMLInputElement).value).toBe("Arbeid per uur");
      expect((screen.getByTestId("line-0-price") as HTMLInputElement).value).toBe("67,73");
      expect((screen.getByTestId("line-0-vat") as HTMLSelectElement).value).toBe("low");
      await waitFor(() => expect(document.activeElement).toBe(screen.getByTestId("line-0-quantity")));
    });

    it("uses the price including VAT when the draft is on that basis", async () => {
      mocked.currentDraft.mockResolvedValue(draftView(draft({ price_basis: "incl_vat" })));
      mocked.searchProducts.mockResolvedValue([product]);
      const user = userEvent.setup();
      await renderForm();
      await user.type(screen.getByTestId("line-0-product"), "arb");
      await user.click(await screen.findByTestId("product-option"));
      expect((screen.getByTestId("line-0-price") as HTMLInputElement).value).toBe("81.95");
    });

    it("shows line totals and the totals panel from the evaluation", async () => {
      setLocale("nl");
      const ev = evaluation({
        line_amounts: [{ net: "37.50", vat: "7.88", gross: "45.38" }],
        totals: {
          lines: [{ net: "37.50", vat: "7.88", gross: "45.38" }],
          rates: [{ vat_code: "high", percent: "21", net: "37.50", vat: "7.88", gross: "45.38" }],
          net: "1234.56",
          vat: "7.88",
          gross: "1242.44",
        },
      });
      mocked.currentDraft.mockResolvedValue(draftView(draft({ lines: [line({ unit_price: "37,50" })] }), ev));
      await renderForm();
      expect(nbsp(screen.getByTestId("line-0-total").textContent)).toBe("€ 37,50");
      expect(nbsp(screen.getByTestId("vat-row").textContent)).toBe("21% over € 37,50 = € 7,88");
      expect(nbsp(screen.getByTestId("total-net").textContent)).toBe("€ 1.234,56");
      expect(nbsp(screen.getByTestId("total-vat").textContent)).toBe("€ 7,88");
      expect(nbsp(screen.getByTestId("total-gross").textContent)).toBe("€ 1.242,44");
      setLocale("en");
      await waitFor(() => expect(screen.getByTestId("total-gross").textContent).toBe("€1,242.44"));
    });
  });

  describe("autosave", () => {
    it("keeps one save in flight and sends the latest draft when it returns", async () => {
      const pending: ReturnType<typeof deferred<ReturnType<typeof evaluation>>>[] = [];
      mocked.saveDraft.mockImplementation(() => {
        const d = deferred<ReturnType<typeof evaluation>>();
        pending.push(d);
        return d.promise;
      });
      const user = userEvent.setup();
      await renderForm();
      await user.type(screen.getByTestId("reference"), "abc");
      await waitFor(() => expect(mocked.saveDraft).toHaveBeenCalledTimes(1));
      expect(mocked.saveDraft.mock.calls[0][0].reference).toBe("a");

      pending[0].resolve(evaluation());
      await waitFor(() => expect(mocked.saveDraft).toHaveBeenCalledTimes(2));
      expect(mocked.saveDraft.mock.calls[1][0].reference).toBe("abc");
      pending[1].resolve(evaluation({ totals: { lines: [], rates: [], net: "1", vat: "0", gross: "1" } }));
      await waitFor(() => expect(screen.getByTestId("total-gross").textContent).toBe("€1.00"));
      expect(mocked.saveDraft).toHaveBeenCalledTimes(2);
    });

    it("shows a failed save, keeps what was typed and tries again by itself", async () => {
      mocked.saveDraft.mockRejectedValueOnce({ code: "disk_full", message: "The disk is full." });
      const user = userEvent.setup();
      await renderForm();
      await user.type(screen.getByTestId("reference"), "x");
      await waitFor(() => expect(screen.getByTestId("save-status").textContent).toContain("The disk is full."));
      expect((screen.getByTestId("reference") as HTMLInputElement).value).toBe("x");
      await waitFor(() => expect(mocked.saveDraft).toHaveBeenCalledTimes(2), { timeout: 4500 });
      expect(mocked.saveDraft.mock.calls[1][0].reference).toBe("x");
      await waitFor(() => expect(screen.getByTestId("save-status").textContent).toContain("All changes saved"));
    }, 8000);
  });

  describe("field messages", () => {
    it("shows issues only after the field was touched", async () => {
      mocked.currentDraft.mockResolvedValue(
        draftView(
          draft(),
          evaluation({
            issues: [{ field: "relation", message: { nl: "Kies een relatie.", en: "Choose a relation." } }],
          }),
        ),
      );
      const user = userEvent.setup();
      await renderForm();
      expect(screen.queryByTestId("field-error-relation")).toBeNull();
      await user.click(screen.getByTestId("relation-input"));
      await user.tab();
      expect(screen.queryByTestId("field-error-relation")).toBeNull();
      await user.type(screen.getByTestId("relation-input"), "zz");
      await user.tab();
      expect(screen.getByTestId("field-error-relation").textContent).toBe("Choose a relation.");
      expect(screen.getByTestId("relation-input").getAttribute("aria-invalid")).toBe("true");
    });

    it("puts each field's message next to that field after a refused submit", async () => {
      mocked.currentDraft.mockResolvedValue(draftView(draft({ lines: [line(), line()] })));
      mocked.submitDraft.mockRejectedValue({
        code: "validation",
        message: "3 fields need correcting.",
        fields: [
          { field: "relation", message: "Choose a relation (customer)." },
          { field: "lines[1].quantity", message: "The quantity cannot be 0." },
          { field: "extra.payment_method", message: "Choose a payment method." },
          { field: "mystery", message: "Something else." },
        ],
      });
      const user = userEvent.setup();
      await renderForm();
      await user.click(screen.getByTestId("submit"));

      expect((await screen.findByTestId("form-error")).textContent).toBe("3 fields need correcting.");
      const relErr = screen.getByTestId("field-error-relation");
      expect(relErr.closest(".relation-field")).toBe(screen.getByTestId("relation-input").closest(".relation-field"));

      const qty = screen.getByTestId("line-1-quantity");
      const qtyErr = screen.getByTestId("field-error-lines[1].quantity");
      expect(qtyErr.textContent).toBe("The quantity cannot be 0.");
      expect(qtyErr.closest(".cell")).toBe(qty.closest(".cell"));
      expect(qty.getAttribute("aria-invalid")).toBe("true");
      expect(qty.getAttribute("aria-describedby")).toBe(qtyErr.id);
      expect(screen.getByTestId("line-0-quantity").getAttribute("aria-invalid")).toBe("false");
      expect(screen.queryByTestId("field-error-lines[0].quantity")).toBeNull();

      const pay = screen.getByTestId("extra-payment_method");
      expect(screen.getByTestId("field-error-extra.payment_method").closest(".field")).toBe(pay.closest(".field"));
      expect(within(screen.getByTestId("form-error-fields")).getByText(/Something else/)).toBeTruthy();
      await waitFor(() => expect(document.activeElement).toBe(screen.getByTestId("relation-input")));

      await user.type(qty, "2");
      expect(screen.queryByTestId("field-error-lines[1].quantity")).toBeNull();
    });

    it("keeps a message with its line when an earlier line is removed", async () => {
      mocked.currentDraft.mockResolvedValue(draftView(draft({ lines: [line(), line(), line()] })));
      mocked.submitDraft.mockRejectedValue({
        code: "validation",
        message: "1 field needs correcting.",
        fields: [{ field: "lines[2].unit_price", message: "Enter the price." }],
      });
      const user = userEvent.setup();
      await renderForm();
      await user.click(screen.getByTestId("submit"));
      await screen.findByTestId("field-error-lines[2].unit_price");
      await user.click(screen.getByTestId("line-0-remove"));
      expect(screen.queryByTestId("field-error-lines[2].unit_price")).toBeNull();
      expect(screen.getByTestId("field-error-lines[1].unit_price").textContent).toBe("Enter the price.");
    });
  });

  describe("submit", () => {
    it("disables the button while sending, shows the result and starts a fresh draft", async () => {
      const answer = deferred<SubmitResult>();
      mocked.submitDraft.mockReturnValue(answer.promise);
      mocked.currentDraft.mockResolvedValue(draftView(draft({ reference: "PO-1" })));
      const user = userEvent.setup();
      await renderForm();
      const button = screen.getByTestId("submit") as HTMLButtonElement;
      await user.click(button);
      await waitFor(() => expect(button.disabled).toBe(true));
      await user.click(button);
      expect(mocked.submitDraft).toHaveBeenCalledTimes(1);
      expect(mocked.submitDraft).toHaveBeenCalledWith("draft-1");

      answer.resolve({
        state: "sent",
        remote_id: "58231",
        number: "2025-0042",
        message: "",
        error: null,
        next: draftView(draft({ id: "draft-2", reference: "" })),
      });
      const result = await screen.findByTestId("submit-result");
      // The number a clerk can quote comes first; the technical id is a detail below it.
      expect(screen.getByTestId("submit-sent-title").textContent?.trim()).toBe("Invoice sent — number 2025-0042");
      expect(screen.getByTestId("submit-sent-id").textContent).toBe(`technical id in ${system}: 58231`);
      expect(result.textContent!.indexOf("2025-0042")).toBeLessThan(result.textContent!.indexOf("58231"));
      await waitFor(() => expect((screen.getByTestId("reference") as HTMLInputElement).value).toBe(""));
      expect(button.disabled).toBe(false);
      await waitFor(() => expect(document.activeElement).toBe(screen.getByTestId("relation-input")));
    });

    it("saves what was typed before it submits", async () => {
      const save = deferred<ReturnType<typeof evaluation>>();
      mocked.saveDraft.mockReturnValueOnce(save.promise);
      mocked.submitDraft.mockResolvedValue({
        state: "queued",
        remote_id: null,
        number: null,
        message: "",
        error: null,
        next: null,
      });
      const user = userEvent.setup();
      await renderForm();
      await user.type(screen.getByTestId("reference"), "R");
      await user.click(screen.getByTestId("submit"));
      expect(mocked.submitDraft).not.toHaveBeenCalled();
      save.resolve(evaluation());
      await waitFor(() => expect(mocked.submitDraft).toHaveBeenCalled());
      const result = await screen.findByTestId("submit-result");
      expect(result.getAttribute("data-state")).toBe("queued");
      expect(result.textContent).toContain("safe in the outbox");
      expect(result.textContent).toContain(`as soon as ${system} answers again`);
    });

    it("says a queued invoice is safe in the outbox, why it waits, and that the form is free", async () => {
      mocked.submitDraft.mockResolvedValue({
        state: "queued",
        remote_id: null,
        number: null,
        message: `${system} cannot be reached right now. The invoice is safe in the outbox and will be sent automatically as soon as ${system} answers again.`,
        error: { code: "offline", message: `Could not reach ${system} at 12345.example.nl; nothing was sent.` },
        next: draftView(draft({ id: "draft-2" })),
      });
      const user = userEvent.setup();
      await renderForm();
      await user.click(screen.getByTestId("submit"));
      const result = await screen.findByTestId("submit-result");
      const text = result.textContent!.replace(/\s+/g, " ");
      expect(text).toContain("Not sent yet: the invoice is safe in the outbox.");
      expect(text).toContain(`Invoice Desk sends it automatically as soon as ${system} answers again.`);
      expect(screen.getByTestId("submit-reason").textContent).toBe(
        `Reason: Could not reach ${system} at 12345.example.nl; nothing was sent.`,
      );
      expect(text).toContain("The form is free for the next invoice.");
      expect(text).toContain("Do not type this invoice again");
      // The generic sentence of the back end is not said twice.
      expect(text).not.toContain("cannot be reached right now");
    });

    it("explains an uncertain outcome: what happened, what the app does, what to look for", async () => {
      mocked.currentDraft.mockResolvedValue(
        draftView(
          draft({ relation: relation("r1", "Jansen Bouw B.V."), issue_date: "2025-11-21" }),
          evaluation({ totals: { lines: [], rates: [], net: "1020.30", vat: "214.26", gross: "1234.56" } }),
        ),
      );
      mocked.submitDraft.mockResolvedValue({
        state: "uncertain",
        remote_id: null,
        number: null,
        message: "It is not certain whether the invoice arrived: no answer came.",
        error: { code: "uncertain", message: "It is not certain whether the invoice arrived: no answer came." },
        next: draftView(draft({ id: "draft-2" })),
      });
      const user = userEvent.setup();
      render(InvoiceForm, { connection, sync, administrationId: "1", debounce: 0 });
      await screen.findByTestId("relation-selected");
      await user.click(screen.getByTestId("submit"));
      const result = await screen.findByTestId("submit-result");
      expect(result.getAttribute("data-state")).toBe("uncertain");
      const text = nbsp(result.textContent).replace(/\s+/g, " ");
      expect(text).toContain(`${system} did not answer after the invoice was sent; it may or may not have arrived.`);
      expect(text).toContain(`first asks ${system} whether the invoice exists, so it will never send it twice.`);
      expect(screen.getByTestId("submit-check").textContent).toBe(
        `You can check it yourself: look in ${system} for an invoice for Jansen Bouw B.V. of €1,234.56 dated 21/11/2025.`,
      );
      expect(text).toContain("The form is free for the next invoice.");

      setLocale("nl");
      await waitFor(() =>
        expect(nbsp(screen.getByTestId("submit-check").textContent)).toBe(
          `U kunt het zelf nagaan: kijk in ${system} of er een factuur is voor Jansen Bouw B.V. van € 1.234,56 met factuurdatum 21-11-2025.`,
        ),
      );
      expect(screen.getByTestId("submit-result").textContent).toContain(
        `${system} gaf geen antwoord nadat de factuur was verstuurd; misschien is hij aangekomen, misschien niet.`,
      );
    });

    it("shows a refusal with the back end's words", async () => {
      mocked.submitDraft.mockResolvedValue({
        state: "refused",
        remote_id: null,
        number: null,
        message: "The system refused the invoice.",
        error: {
          code: "refused",
          message: "The system refused the invoice.",
          detail: "Debiteur 10002 is geblokkeerd.",
          fields: [{ field: "relation", message: "This debtor is blocked." }],
        },
        next: null,
      });
      const user = userEvent.setup();
      await renderForm();
      await user.click(screen.getByTestId("submit"));
      expect((await screen.findByTestId("form-error")).textContent).toBe("The system refused the invoice.");
      expect(screen.getByTestId("submit-result").textContent).toContain("Debiteur 10002 is geblokkeerd.");
      expect(screen.getByTestId("field-error-relation").textContent).toBe("This debtor is blocked.");
    });
  });

  describe("header, address and attachments", () => {
    it("renders the back end's header fields from the capabilities", async () => {
      const user = userEvent.setup();
      await renderForm();
      const pay = screen.getByTestId("extra-payment_method") as HTMLSelectElement;
      expect(pay.tagName).toBe("SELECT");
      expect(pay.value).toBe("banktransfer");
      const inv = screen.getByTestId("extra-to_be_invoiced") as HTMLInputElement;
      expect(inv.type).toBe("checkbox");
      expect(inv.checked).toBe(true);
      await user.click(screen.getByTestId("extra-send_email"));
      await waitFor(() => expect(mocked.saveDraft).toHaveBeenCalled());
      expect(mocked.saveDraft.mock.calls.at(-1)?.[0].extra.send_email).toBe("true");
      await user.selectOptions(pay, "cash");
      await waitFor(() => expect(mocked.saveDraft.mock.calls.at(-1)?.[0].extra.payment_method).toBe("cash"));
    });

    it("loads addresses for the relation; the preferred one is the default", async () => {
      const r = relation("r1", "Jansen");
      mocked.currentDraft.mockResolvedValue(draftView(draft({ relation: r })));
      mocked.relationAddresses.mockResolvedValue([
        { id: "a1", relation_id: "r1", street: "Olof Palmestraat", house_number: "10", postal_code: "2616 LR", city: "Delft", country: "NL", preferred_invoice: true },
        { id: "a2", relation_id: "r1", street: "Postbus", house_number: "5", postal_code: "2600 AA", city: "Delft", country: "NL", preferred_invoice: false },
      ]);
      const user = userEvent.setup();
      render(InvoiceForm, { connection, sync, administrationId: "1", debounce: 0 });
      const select = (await screen.findByTestId("address-select")) as HTMLSelectElement;
      await waitFor(() => expect(select.options).toHaveLength(2));
      expect(select.value).toBe("");
      expect(select.options[0].textContent?.trim()).toBe("Preferred invoice address");
      expect(screen.getByTestId("address-preferred").textContent).toBe("Olof Palmestraat 10, 2616 LR Delft");
      await user.selectOptions(select, "a2");
      await waitFor(() => expect(mocked.saveDraft.mock.calls.at(-1)?.[0].address_id).toBe("a2"));
      await user.selectOptions(select, "");
      await waitFor(() => expect(mocked.saveDraft.mock.calls.at(-1)?.[0].address_id).toBeNull());
    });

    it("adds picked files and shows upload progress while sending", async () => {
      const att = { id: "att-1", path: "/tmp/werkbon.pdf", file_name: "werkbon.pdf", size: 248_312, sha256: "", content_type: "application/pdf", remote_ref: null };
      mocked.pickAttachments.mockResolvedValue(draftView(draft({ attachments: [att] })));
      const user = userEvent.setup();
      await renderForm();
      await user.click(screen.getByTestId("attach-button"));
      const row = await screen.findByTestId("attachment-row");
      expect(mocked.pickAttachments).toHaveBeenCalledWith("draft-1");
      expect(row.textContent).toContain("werkbon.pdf");
      expect(row.textContent).toContain("248 kB");
      expect(screen.queryByTestId("attachment-progress")).toBeNull();

      const onProgress = mocked.onUploadProgress.mock.calls[0][0];
      onProgress({ draft_id: "draft-1", attachment_id: "att-1", sent: 100, total: 400 });
      const bar = (await screen.findByTestId("attachment-progress")) as HTMLProgressElement;
      expect(bar.value).toBe(100);
      expect(bar.max).toBe(400);
      onProgress({ draft_id: "other", attachment_id: "att-1", sent: 300, total: 400 });
      expect(bar.value).toBe(100);

      mocked.removeAttachment.mockResolvedValue(draftView(draft({ attachments: [] })));
      await user.click(screen.getByTestId("attachment-remove"));
      await waitFor(() => expect(screen.queryByTestId("attachment-row")).toBeNull());
      expect(mocked.removeAttachment).toHaveBeenCalledWith("draft-1", "att-1");
    });

    it("follows submit-status events for the submitted draft", async () => {
      mocked.submitDraft.mockResolvedValue({ state: "queued", remote_id: null, number: null, message: "", error: null, next: null });
      const user = userEvent.setup();
      await renderForm();
      await user.click(screen.getByTestId("submit"));
      const result = await screen.findByTestId("submit-result");
      expect(result.getAttribute("data-state")).toBe("queued");
      const onStatus = mocked.onSubmitStatus.mock.calls[0][0];
      onStatus({ draft_id: "someone-else", connection_id: "conn-1", state: "refused", message: "no" });
      expect(result.getAttribute("data-state")).toBe("queued");
      onStatus({ draft_id: "draft-1", connection_id: "conn-1", state: "sent", message: "Sent after all." });
      await waitFor(() => expect(screen.getByTestId("submit-result").getAttribute("data-state")).toBe("sent"));
      expect(screen.getByTestId("submit-result").textContent).toContain("Sent after all.");
    });
  });

  it("another administration drops the products of the lines but keeps what was typed", async () => {
    mocked.currentDraft.mockResolvedValue(
      draftView(draft({ lines: [line({ product, description: "Arbeid per uur", unit_price: "67,73" })] })),
    );
    const { rerender } = render(InvoiceForm, { connection, sync, administrationId: "1", debounce: 0 });
    const input = (await screen.findByTestId("line-0-product")) as HTMLInputElement;
    expect(input.value).toBe("ARB-U");
    await rerender({ administrationId: "2" });
    await waitFor(() => expect(mocked.saveDraft).toHaveBeenCalled());
    const saved = mocked.saveDraft.mock.calls.at(-1)![0];
    expect(saved.administration_id).toBe("2");
    expect(saved.lines[0].product).toBeNull();
    expect(saved.lines[0].description).toBe("Arbeid per uur");
    expect(input.value).toBe("");
    mocked.searchRelations.mockResolvedValue([]);
    const user = userEvent.setup();
    await user.type(screen.getByTestId("relation-input"), "x");
    await waitFor(() => expect(mocked.searchRelations).toHaveBeenLastCalledWith("conn-1", "2", "x", 20));
  });

  it("another administration keeps the lines' products when the system's products belong to every administration", async () => {
    mocked.currentDraft.mockResolvedValue(
      draftView(draft({ lines: [line({ product, description: "Arbeid per uur", unit_price: "67,73" })] })),
    );
    const shared = { ...connection, capabilities: { ...connection.capabilities, products_per_administration: false } };
    const { rerender } = render(InvoiceForm, { connection: shared, sync, administrationId: "1", debounce: 0 });
    const input = (await screen.findByTestId("line-0-product")) as HTMLInputElement;
    expect(input.value).toBe("ARB-U");
    await rerender({ administrationId: "2" });
    await waitFor(() => expect(mocked.saveDraft).toHaveBeenCalled());
    const saved = mocked.saveDraft.mock.calls.at(-1)![0];
    expect(saved.administration_id).toBe("2");
    expect(saved.lines[0].product?.id).toBe(product.id);
    expect(input.value).toBe("ARB-U");
  });
});

describe("InvoiceForm: a draft started from an invoice in History", () => {
  beforeEach(() => {
    vi.clearAllMocks();
    setLocale("en");
    app.started = null;
    mocked.currentDraft.mockResolvedValue(draftView(draft({ lines: [line({ id: "l-1", description: "Being typed" })] })));
  });

  it("shows the started draft with its lines, saves it as the newest, and keeps what to check above the form", async () => {
    await renderForm();
    expect((screen.getByTestId("line-0-description") as HTMLInputElement).value).toBe("Being typed");
    const started = draft({
      id: "draft-2",
      lines: [
        line({ id: "s-1", description: "Monthly maintenance", quantity: "1", unit_price: "150,00", vat_code: "high" }),
        line({ id: "s-2", description: "Parking", quantity: "2", unit_price: "7,50", vat_code: "" }),
      ],
    });
    app.started = {
      view: draftView(started),
      notes: [
        { field: "relation", message: { nl: "Klant niet gevonden", en: "The customer of this invoice (Jansen) was not found here; choose a customer." } },
        { field: "lines[1].vat_code", message: { nl: "Regel 2", en: "Line 2: VAT 6 % is not a rate of this system; choose one." } },
      ],
    };
    await waitFor(() => expect((screen.getByTestId("line-0-description") as HTMLInputElement).value).toBe("Monthly maintenance"));
    expect((screen.getByTestId("line-1-price") as HTMLInputElement).value).toBe("7,50");
    expect(app.started).toBeNull();
    await waitFor(() => expect(mocked.saveDraft).toHaveBeenCalledWith(expect.objectContaining({ id: "draft-2" })));
    const notes = screen.getAllByTestId("start-note").map((n) => n.textContent);
    expect(notes).toEqual([
      "The customer of this invoice (Jansen) was not found here; choose a customer.",
      "Line 2: VAT 6 % is not a rate of this system; choose one.",
    ]);
    // No customer: the clerk picks one.
    await waitFor(() => expect(document.activeElement).toBe(screen.getByTestId("relation-input")));
    await userEvent.setup().click(screen.getByTestId("start-notes-dismiss"));
    expect(screen.queryByTestId("start-notes")).toBeNull();
  });

  it("leaves a draft started on another connection alone", async () => {
    await renderForm();
    app.started = { view: draftView(draft({ id: "other", connection_id: "conn-2" })), notes: [] };
    await new Promise((r) => setTimeout(r, 0));
    expect(app.started).not.toBeNull();
    expect((screen.getByTestId("line-0-description") as HTMLInputElement).value).toBe("Being typed");
  });
});
