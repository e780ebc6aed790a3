import { render, screen, waitFor, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import App from "../../App.svelte";
import * as api from "../../lib/api";
import { app } from "../../lib/app.svelte";
import { setLocale } from "../../lib/locale.svelte";
import { resetOutbox } from "../../lib/outbox.svelte";
import type { InvoiceActionSpec, InvoiceDetail, InvoiceList, InvoiceSummary, ReaderInfo } from "../../lib/types";
import HistoryView from "../HistoryView.svelte";
import { caps, connection, deferred, draftView, historyEntry, sync } from "../../test/fixtures";
import { preloadViews } from "../../test/views";

vi.mock("../../lib/api", async () => (await import("../../test/apiMock")).apiMock());
preloadViews();
const mocked = vi.mocked(api);

const SYSTEM = "Leesboek";
const nbsp = (s: string | null | undefined) => (s ?? "").replace(/\u00a0/g, " ").replace(/\s+/g, " ").trim();

function summary(over: Partial<InvoiceSummary> = {}): InvoiceSummary {
  return {
    id: "inv_1",
    number: "INV-2026-000001",
    date: "2026-11-20",
    due_date: null,
    customer: "Fietsenmaker Snel",
    customer_id: null,
    total_excl: "100.00",
    total_vat: "21.00",
    total_incl: "121.00",
    state: "open",
    state_text: null,
    actions: [],
    project: null,
    flags: [],
    ...over,
  };
}

const draftRow = summary({ id: "inv_d", number: null, customer: "Bakkerij De Gouden Krakeling", state: "draft", actions: ["issue", "delete"] });
const paidRow = summary({ id: "inv_p", number: "INV-2026-000002", state: "paid", state_text: { nl: "Betaald via link", en: "Paid by link" } });
const olderRow = summary({ id: "inv_o", number: "INV-2026-000003", customer: "Café Het Hoekje", state: "overdue" });

const issue: InvoiceActionSpec = {
  key: "issue",
  label: { nl: "Versturen", en: "Issue" },
  confirm: null,
  fields: [
    { key: "email_subject", label: { nl: "Onderwerp", en: "Subject" }, kind: { type: "text", max_len: null }, required: true, default: "Uw factuur", help: null, shown_when: null, required_when: null },
    { key: "email_body", label: { nl: "Bericht", en: "Message" }, kind: { type: "text", max_len: null }, required: true, default: null, help: null, shown_when: null, required_when: null },
  ],
};
const del: InvoiceActionSpec = {
  key: "delete",
  label: { nl: "Verwijderen", en: "Delete" },
  confirm: { nl: "Dit concept verwijderen?", en: "Delete this draft?" },
  fields: [],
};
const reader: ReaderInfo = { reads_invoices: true, actions: [issue, del] };

function list(items: InvoiceSummary[], over: Partial<InvoiceList> = {}): InvoiceList {
  return { items, cursor: null, done: true, cached: false, fetched_at: "2026-11-30T09:00:00Z", ...over };
}

function show(props: { administrationId?: string | null } = {}) {
  return render(HistoryView, { props: { connectionId: "conn-1", system: SYSTEM, administrationId: "1", ...props } });
}

async function openRemote() {
  const user = userEvent.setup();
  const tab = await screen.findByTestId("history-tab-remote");
  await user.click(tab);
  return user;
}

const cells = (row: HTMLElement) => [...row.querySelectorAll("td")].map((td) => nbsp(td.textContent));
const rowIds = () => screen.queryAllByTestId("remote-row").map((r) => r.getAttribute("data-id"));

describe("History: the invoices the system holds", () => {
  beforeEach(() => {
    vi.clearAllMocks();
    resetOutbox();
    setLocale("en");
    mocked.history.mockResolvedValue([historyEntry({ draft_id: "d-sent", state: "sent", number: "7" })]);
    mocked.invoiceReader.mockResolvedValue(reader);
    mocked.cachedInvoices.mockResolvedValue(list([], { cached: true, done: true, fetched_at: null }));
    mocked.listInvoices.mockResolvedValue(list([draftRow, paidRow]));
  });

  it("shows only the outbox, as before, when the system does not read invoices", async () => {
    mocked.invoiceReader.mockResolvedValue({ reads_invoices: false, actions: [] });
    show();
    await waitFor(() => expect(mocked.invoiceReader).toHaveBeenCalledWith("conn-1"));
    expect(await screen.findByText("Sent and waiting invoices")).toBeTruthy();
    expect(screen.getByTestId("history-refresh")).toBeTruthy();
    expect(screen.queryByRole("tablist")).toBeNull();
    expect(screen.queryByTestId("history-tab-remote")).toBeNull();
    expect(mocked.listInvoices).not.toHaveBeenCalled();
  });

  it("opens on the outbox and shows the copy at once, then the system's first page in its place", async () => {
    const fresh = deferred<InvoiceList>();
    mocked.cachedInvoices.mockResolvedValue(list([olderRow], { cached: true, done: false, cursor: "x", fetched_at: "2026-11-29T08:00:00Z" }));
    mocked.listInvoices.mockReturnValueOnce(fresh.promise);
    show();
    expect(await screen.findByText("Sent and waiting invoices")).toBeTruthy();
    expect(screen.getByTestId("history-tab-outbox").getAttribute("aria-selected")).toBe("true");
    expect(screen.getByTestId("history-tab-remote").textContent?.trim()).toBe(`In ${SYSTEM}`);
    await openRemote();

    await waitFor(() => expect(rowIds()).toEqual(["inv_o"]));
    expect(screen.getByTestId("remote-status").textContent).toContain(`asking ${SYSTEM}`);
    expect(screen.queryByTestId("remote-more")).toBeNull();
    expect(mocked.cachedInvoices).toHaveBeenCalledWith("conn-1", { administration: "1", text: null, from: null, to: null, customer: null, sort: null });
    expect(mocked.listInvoices).toHaveBeenCalledWith("conn-1", { administration: "1", text: null, from: null, to: null, customer: null, sort: null }, null);

    fresh.resolve(list([draftRow, paidRow]));
    await waitFor(() => expect(rowIds()).toEqual(["inv_d", "inv_p"]));
    const [draft, paid] = screen.getAllByTestId("remote-row");
    expect(within(draft).getByTestId("remote-open").textContent?.trim()).toBe("(no number yet)");
    expect(within(draft).getByTestId("remote-state").textContent?.trim()).toBe("Draft");
    expect(within(paid).getByTestId("remote-state").textContent?.trim()).toBe("Paid by link");
    expect(nbsp(within(paid).getByTestId("remote-total").textContent)).toBe("€121.00 excl. VAT €100.00 VAT €21.00");
    expect(within(paid).getByText("20/11/2026")).toBeTruthy();
    expect(within(draft).getByTestId("remote-action-issue").textContent?.trim()).toBe("Issue");
    expect(within(paid).queryByTestId("remote-action-issue")).toBeNull();
    expect(screen.getByTestId("remote-all")).toBeTruthy();
  });

  it("loads the next page with the cursor and adds it below", async () => {
    mocked.listInvoices
      .mockResolvedValueOnce(list([draftRow, paidRow], { cursor: "c2", done: false }))
      .mockResolvedValueOnce(list([paidRow, olderRow], { cursor: "c3", done: true }));
    show();
    const user = await openRemote();
    await waitFor(() => expect(rowIds()).toEqual(["inv_d", "inv_p"]));
    await user.click(screen.getByTestId("remote-more"));
    await waitFor(() => expect(rowIds()).toEqual(["inv_d", "inv_p", "inv_o"]));
    expect(mocked.listInvoices).toHaveBeenLastCalledWith("conn-1", expect.objectContaining({ text: null }), "c2");
    expect(screen.queryByTestId("remote-more")).toBeNull();
    expect(screen.getByTestId("remote-all")).toBeTruthy();
  });

  it("searches by text and dates typed in the language's format, and refuses a typed date that is none", async () => {
    show();
    const user = await openRemote();
    await waitFor(() => expect(rowIds()).toHaveLength(2));
    mocked.listInvoices.mockResolvedValue(list([]));
    await user.type(screen.getByTestId("remote-search"), "bakkerij");
    expect(mocked.listInvoices).toHaveBeenCalledTimes(1);
    await user.type(screen.getByTestId("remote-from"), "01/11/2026");
    await user.type(screen.getByTestId("remote-to"), "30/11/2026");
    await user.keyboard("{Enter}");
    const q = { administration: "1", text: "bakkerij", from: "2026-11-01", to: "2026-11-30", customer: null, sort: null };
    await waitFor(() => expect(mocked.listInvoices).toHaveBeenLastCalledWith("conn-1", q, null));
    expect(mocked.cachedInvoices).toHaveBeenLastCalledWith("conn-1", q);
    expect(await screen.findByTestId("remote-empty")).toBeTruthy();
    expect(screen.getByTestId("remote-empty").textContent?.trim()).toBe("No invoice matches the search.");

    const calls = mocked.listInvoices.mock.calls.length;
    await user.clear(screen.getByTestId("remote-to"));
    await user.type(screen.getByTestId("remote-to"), "31/31/2026");
    await user.click(screen.getByTestId("remote-search-go"));
    expect(await screen.findByText("This is not a date.")).toBeTruthy();
    expect(mocked.listInvoices.mock.calls.length).toBe(calls);
  });

  it("searches on in older invoices when the recent ones hold no match", async () => {
    show();
    const user = await openRemote();
    await waitFor(() => expect(rowIds()).toHaveLength(2));
    mocked.listInvoices
      .mockResolvedValueOnce(list([], { cursor: "c5", done: false }))
      .mockResolvedValueOnce(list([olderRow], { done: true }));
    await user.type(screen.getByTestId("remote-search"), "hoekje{Enter}");
    expect((await screen.findByTestId("remote-empty")).textContent?.trim()).toBe(
      "No invoice matches the search among the most recent ones. Press “More” to search older invoices.",
    );
    await user.click(screen.getByTestId("remote-more"));
    await waitFor(() => expect(rowIds()).toEqual(["inv_o"]));
    expect(mocked.listInvoices).toHaveBeenLastCalledWith("conn-1", expect.objectContaining({ text: "hoekje" }), "c5");
    expect(screen.queryByTestId("remote-more")).toBeNull();
  });

  it("opens an invoice with its lines and VAT", async () => {
    const detail: InvoiceDetail = {
      summary: paidRow,
      lines: [{ description: "Fietsband", quantity: "2", unit_price: "50.00", vat_code: "21.00", amount_excl: "100.00", vat_percent: "21", product_id: null }],
      vat: [{ percentage: "21", base: "100.00", amount: "21.00", code: null, taxable: null, co_contractor: false, incl: null }],
      address: [],
      contact: null,
      vat_number: null,
      reference: null,
      texts: [],
      price_decimals: null,
    };
    mocked.openInvoice.mockResolvedValue(detail);
    show();
    const user = await openRemote();
    await waitFor(() => expect(rowIds()).toHaveLength(2));
    const open = within(screen.getAllByTestId("remote-row")[1]).getByTestId("remote-open");
    open.focus();
    await user.keyboard("{Enter}");
    const panel = await screen.findByTestId("remote-detail");
    await waitFor(() => expect(within(panel).getAllByTestId("remote-line")).toHaveLength(1));
    expect(mocked.openInvoice).toHaveBeenCalledWith("conn-1", "1", "inv_p");
    expect(open.getAttribute("aria-expanded")).toBe("true");
    expect(cells(within(panel).getByTestId("remote-line"))).toEqual(["Fietsband", "2", "€50.00", "21.00", "€100.00"]);
    expect(cells(within(panel).getByTestId("remote-vat-row"))).toEqual(["", "21%", "€100.00", "", "€21.00", ""]);
    await user.click(within(panel).getByTestId("remote-close"));
    expect(screen.queryByTestId("remote-detail")).toBeNull();
  });

  it("shows no lines table for an invoice whose system gives no lines, only its VAT", async () => {
    const detail: InvoiceDetail = {
      summary: paidRow,
      lines: [],
      vat: [{ percentage: "21", base: "100.00", amount: "21.00", code: "21", taxable: null, co_contractor: false, incl: null }],
      address: [],
      contact: null,
      vat_number: null,
      reference: null,
      texts: [],
      price_decimals: null,
    };
    mocked.openInvoice.mockResolvedValue(detail);
    show();
    const user = await openRemote();
    await waitFor(() => expect(rowIds()).toHaveLength(2));
    await user.click(within(screen.getAllByTestId("remote-row")[1]).getByTestId("remote-open"));
    const panel = await screen.findByTestId("remote-detail");
    await waitFor(() => expect(within(panel).getAllByTestId("remote-vat-row")).toHaveLength(1));
    expect(within(panel).queryByTestId("remote-lines")).toBeNull();
  });

  it("does an action with its fields, and the row follows the answer", async () => {
    const issued = { ...draftRow, number: "INV-2026-000009", state: "open" as const, actions: [] };
    mocked.invoiceAction.mockResolvedValue({ invoice: issued, message: "Issue: done." });
    show();
    const user = await openRemote();
    await waitFor(() => expect(rowIds()).toHaveLength(2));
    await user.click(screen.getByTestId("remote-action-issue"));
    const form = await screen.findByTestId("remote-action-form");
    expect((within(form).getByTestId("remote-action-field-email_subject") as HTMLInputElement).value).toBe("Uw factuur");
    expect(document.activeElement).toBe(within(form).getByTestId("remote-action-field-email_subject"));

    // A required field left empty is said before anything is sent.
    await user.click(within(form).getByTestId("remote-action-submit"));
    expect(await within(form).findByText("Fill in 'Message'.")).toBeTruthy();
    expect(mocked.invoiceAction).not.toHaveBeenCalled();

    await user.type(within(form).getByTestId("remote-action-field-email_body"), "Hierbij de factuur.");
    await user.click(within(form).getByTestId("remote-action-submit"));
    await waitFor(() =>
      expect(mocked.invoiceAction).toHaveBeenCalledWith("conn-1", "1", "inv_d", "issue", { email_subject: "Uw factuur", email_body: "Hierbij de factuur." }),
    );
    await waitFor(() => expect(screen.queryByTestId("remote-action-form")).toBeNull());
    const row = screen.getAllByTestId("remote-row")[0];
    expect(within(row).getByTestId("remote-state").textContent?.trim()).toBe("Open");
    expect(within(row).getByTestId("remote-open").textContent?.trim()).toBe("INV-2026-000009");
    expect(within(row).queryByTestId("remote-action-issue")).toBeNull();
    expect(screen.getByTestId("remote-action-message").textContent).toBe("Issue: done.");
    expect(document.activeElement).toBe(within(row).getByTestId("remote-open"));
  });

  it("asks before an action that declares a confirmation, and the row goes when the invoice is gone", async () => {
    mocked.invoiceAction.mockResolvedValue({ invoice: null, message: "Delete: done." });
    show();
    const user = await openRemote();
    await waitFor(() => expect(rowIds()).toHaveLength(2));
    await user.click(screen.getByTestId("remote-action-delete"));
    expect(screen.getByTestId("remote-action-confirm-text").textContent).toBe("Delete this draft?");
    expect(mocked.invoiceAction).not.toHaveBeenCalled();
    // Escape leaves it undone.
    await user.keyboard("{Escape}");
    expect(screen.queryByTestId("remote-action-form")).toBeNull();
    await waitFor(() => expect(document.activeElement).toBe(within(screen.getAllByTestId("remote-row")[0]).getByTestId("remote-open")));
    await user.click(screen.getByTestId("remote-action-delete"));
    await user.click(screen.getByTestId("remote-action-confirm-yes"));
    await waitFor(() => expect(rowIds()).toEqual(["inv_p"]));
    expect(mocked.invoiceAction).toHaveBeenCalledWith("conn-1", "1", "inv_d", "delete", {});
    expect(screen.getByTestId("remote-action-message").textContent).toBe(`Delete: done. The invoice is no longer in ${SYSTEM}.`);
    await waitFor(() => expect(document.activeElement).toBe(screen.getByTestId("remote-search")));
  });

  it("after a lost answer offers to try again with the same values", async () => {
    mocked.invoiceAction
      .mockRejectedValueOnce({ code: "uncertain", message: "No answer came." })
      .mockResolvedValueOnce({ invoice: { ...draftRow, state: "open", actions: [] }, message: "Issue: done." });
    show();
    const user = await openRemote();
    await waitFor(() => expect(rowIds()).toHaveLength(2));
    await user.click(screen.getByTestId("remote-action-issue"));
    await user.type(screen.getByTestId("remote-action-field-email_body"), "Tekst");
    await user.click(screen.getByTestId("remote-action-submit"));
    expect((await screen.findByTestId("remote-action-error")).textContent?.trim()).toBe("Not done: No answer came.");
    expect(screen.getByTestId("remote-action-submit").textContent?.trim()).toBe("Try again");
    await user.click(screen.getByTestId("remote-action-submit"));
    await waitFor(() => expect(screen.queryByTestId("remote-action-form")).toBeNull());
    const [first, second] = mocked.invoiceAction.mock.calls;
    expect(second).toEqual(first);
  });

  it("puts the system's refusal of a field on that field", async () => {
    mocked.invoiceAction.mockRejectedValueOnce({
      code: "validation",
      message: "Check the marked fields.",
      fields: [{ field: "action.email_subject", message: "Too long for the system." }],
    });
    show();
    const user = await openRemote();
    await waitFor(() => expect(rowIds()).toHaveLength(2));
    await user.click(screen.getByTestId("remote-action-issue"));
    await user.type(screen.getByTestId("remote-action-field-email_body"), "Tekst");
    await user.click(screen.getByTestId("remote-action-submit"));
    expect(await screen.findByText("Too long for the system.")).toBeTruthy();
  });

  it("says when the system cannot be asked and keeps the copy in view", async () => {
    mocked.cachedInvoices.mockResolvedValue(list([olderRow], { cached: true, fetched_at: "2026-11-29T08:00:00Z" }));
    mocked.listInvoices.mockRejectedValue({ code: "offline", message: "The system does not answer." });
    show();
    await openRemote();
    const err = await screen.findByTestId("remote-error");
    expect(err.textContent).toContain(`${SYSTEM} could not be asked: The system does not answer.`);
    expect(err.textContent).toContain("copy on this computer");
    expect(rowIds()).toEqual(["inv_o"]);
  });

  it("opens on the system's own invoices for a system that only reads", async () => {
    render(HistoryView, { props: { connectionId: "conn-1", system: SYSTEM, administrationId: "1", readOnly: true } });
    await waitFor(() => expect(screen.getByTestId("history-tab-remote").getAttribute("aria-selected")).toBe("true"));
    expect(await screen.findByTestId("remote-invoices")).toBeTruthy();
  });

  it("moves between the two views with the arrow keys", async () => {
    show();
    const user = await openRemote();
    await screen.findByTestId("remote-invoices");
    screen.getByTestId("history-tab-remote").focus();
    await user.keyboard("{ArrowLeft}");
    expect(screen.getByTestId("history-tab-outbox").getAttribute("aria-selected")).toBe("true");
    expect(document.activeElement).toBe(screen.getByTestId("history-tab-outbox"));
    expect(screen.queryByTestId("remote-invoices")).toBeNull();
    await user.keyboard("{ArrowRight}");
    expect(await screen.findByTestId("remote-invoices")).toBeTruthy();
  });

  it("speaks Dutch", async () => {
    setLocale("nl");
    show();
    const tab = await screen.findByTestId("history-tab-remote");
    expect(tab.textContent?.trim()).toBe(`In ${SYSTEM}`);
    expect(screen.getByTestId("history-tab-outbox").textContent?.trim()).toBe("Vanaf hier verstuurd");
    await openRemote();
    await waitFor(() => expect(rowIds()).toHaveLength(2));
    const [draft, paid] = screen.getAllByTestId("remote-row");
    expect(within(draft).getByTestId("remote-state").textContent?.trim()).toBe("Concept");
    expect(within(paid).getByTestId("remote-state").textContent?.trim()).toBe("Betaald via link");
    expect(within(draft).getByTestId("remote-action-delete").textContent?.trim()).toBe("Verwijderen");
    expect(nbsp(within(paid).getByTestId("remote-total").textContent)).toBe("€ 121,00 excl. btw € 100,00 btw € 21,00");
  });
});

describe("History in the app", () => {
  beforeEach(() => {
    vi.clearAllMocks();
    resetOutbox();
    setLocale("en");
    Object.assign(app, { ready: false, connections: [], activeId: null, view: "invoice", error: null, info: null, sync: null });
    mocked.appInfo.mockResolvedValue({ version: "1", lang: "en", demo: false, active_connection_id: "conn-1", store_warning: null, store_error: null });
    mocked.listConnections.mockResolvedValue([{ ...connection, capabilities: { ...caps, system_name: "Het Leesboek" } }]);
    mocked.syncStatus.mockResolvedValue(sync);
    mocked.listAdministrations.mockResolvedValue([{ id: "1", name: "Bakker B.V." }]);
    mocked.currentDraft.mockResolvedValue(draftView());
    mocked.invoiceReader.mockResolvedValue(reader);
    mocked.listInvoices.mockResolvedValue(list([draftRow]));
  });

  it("names the view after the system as its capabilities call it, for the chosen administration", async () => {
    const user = userEvent.setup();
    render(App);
    await screen.findByTestId("relation-input");
    await user.click(screen.getByTestId("open-history"));
    const tab = await screen.findByTestId("history-tab-remote");
    expect(tab.textContent?.trim()).toBe("In Het Leesboek");
    await user.click(tab);
    expect(await screen.findByText("Invoices in Het Leesboek")).toBeTruthy();
    await waitFor(() => expect(mocked.listInvoices).toHaveBeenCalledWith("conn-1", expect.objectContaining({ administration: "1" }), null));
  });
});

describe("History: one invoice opened, sorting, a long list, and starting from an invoice", () => {
  beforeEach(() => {
    vi.clearAllMocks();
    resetOutbox();
    setLocale("en");
    app.started = null;
    app.view = "history";
    mocked.history.mockResolvedValue([historyEntry({ draft_id: "d-sent", state: "sent", number: "7" })]);
    mocked.invoiceReader.mockResolvedValue(reader);
    mocked.cachedInvoices.mockResolvedValue(list([], { cached: true, done: true, fetched_at: null }));
    mocked.listInvoices.mockResolvedValue(list([draftRow, paidRow]));
  });

  const opened: InvoiceDetail = {
    summary: summary({
      id: "inv_p",
      number: "INV-2026-000002",
      project: "Verbouwing Zolder",
      flags: [{ nl: "Naar boekhouding", en: "Sent to accounting" }],
    }),
    lines: [{ description: "Stukadoren", quantity: "2", unit_price: "34.649999999999999", vat_code: null, amount_excl: "69.299999999999998", vat_percent: "6", product_id: null }],
    vat: [
      { percentage: "6", base: "69.299999999999998", amount: "4.158", code: "06", taxable: "69.30", co_contractor: false, incl: "73.458" },
      { percentage: "0", base: "1000", amount: "0", code: "CC", taxable: "1000", co_contractor: true, incl: "1000" },
    ],
    address: ["Kerkstraat 1", "9000 Gent"],
    contact: "An Peeters",
    vat_number: "BE0123456789",
    reference: "PO-4411",
    texts: [
      { which: "introduction", label: { nl: "Inleiding", en: "Introduction" }, formats: ["html", "rtf", "plain"] },
      { which: "conclusion", label: { nl: "Slot", en: "Conclusion" }, formats: ["rtf"] },
    ],
    price_decimals: 2,
  };

  it("opens an invoice with its customer's details, every VAT slot, its texts made safe and the system's flags, amounts at its price decimals", async () => {
    mocked.listInvoices.mockResolvedValue(list([draftRow, opened.summary]));
    mocked.openInvoice.mockResolvedValue(opened);
    mocked.invoiceText.mockImplementation(async (_c, _id, which) =>
      which === "introduction"
        ? { which, format: "html", html: "<p>Geachte <b>klant</b>,</p>", text: null }
        : { which, format: "rtf", html: null, text: "Betalen binnen 30 dagen.\nDank u." },
    );
    show();
    const user = await openRemote();
    await waitFor(() => expect(rowIds()).toEqual(["inv_d", "inv_p"]));
    // The project has a column of its own, the flags sit under the state.
    expect(screen.getAllByTestId("remote-project").map((c) => c.textContent?.trim())).toEqual(["", "Verbouwing Zolder"]);
    expect(screen.getByTestId("remote-flag").textContent?.trim()).toBe("Sent to accounting");
    await user.click(within(screen.getAllByTestId("remote-row")[1]).getByTestId("remote-open"));
    const panel = await screen.findByTestId("remote-detail");
    await waitFor(() => expect(within(panel).getAllByTestId("remote-text-plain")).toHaveLength(1));

    expect(within(panel).getByTestId("remote-address").textContent).toBe("Kerkstraat 19000 Gent");
    expect(within(panel).getByTestId("remote-contact").textContent).toBe("An Peeters");
    expect(within(panel).getByTestId("remote-vat-number").textContent).toBe("BE0123456789");
    expect(within(panel).getByTestId("remote-reference").textContent).toBe("PO-4411");
    expect(within(panel).getByTestId("remote-detail-project").textContent).toBe("Verbouwing Zolder");
    expect(nbsp(within(panel).getByTestId("remote-flags").textContent)).toBe("Sent to accounting");
    // A long float is shown with the invoice's two decimals.
    expect(cells(within(panel).getByTestId("remote-line"))).toEqual(["Stukadoren", "2", "€34.65", "6%", "€69.30"]);
    const slots = within(panel).getAllByTestId("remote-vat-row");
    expect(slots.map(cells)).toEqual([
      ["06", "6%", "€69.30", "€69.30", "€4.16", "€73.46"],
      ["CC", "0% reverse charge", "€1,000.00", "€1,000.00", "€0.00", "€1,000.00"],
    ]);
    expect(slots[1].getAttribute("data-co-contractor")).toBe("true");
    expect(mocked.invoiceText).toHaveBeenCalledWith("conn-1", "inv_p", "introduction");
    expect(mocked.invoiceText).toHaveBeenCalledWith("conn-1", "inv_p", "conclusion");
    const [intro, end] = within(panel).getAllByTestId("remote-text");
    expect(within(intro).getByRole("heading").textContent).toBe("Introduction");
    // Sanitised HTML is rendered as HTML; RTF comes as text and is shown as text.
    expect(within(intro).getByTestId("remote-text-html").innerHTML).toBe("<p>Geachte <b>klant</b>,</p>");
    expect(within(end).getByTestId("remote-text-plain").textContent).toBe("Betalen binnen 30 dagen.\nDank u.");
  });

  it("shows a text that could not be read as such and the rest of the invoice", async () => {
    mocked.listInvoices.mockResolvedValue(list([opened.summary]));
    mocked.openInvoice.mockResolvedValue({ ...opened, texts: [opened.texts[0]] });
    mocked.invoiceText.mockRejectedValue({ code: "not_found", message: "This text does not exist." });
    show();
    const user = await openRemote();
    await waitFor(() => expect(rowIds()).toEqual(["inv_p"]));
    await user.click(screen.getByTestId("remote-open"));
    const panel = await screen.findByTestId("remote-detail");
    expect((await within(panel).findByRole("alert")).textContent).toBe("This text could not be read: This text does not exist.");
    expect(within(panel).getAllByTestId("remote-vat-row")).toHaveLength(2);
  });

  it("sorts by a column on a click or Enter on its header: the copy first, then the system; again the other way", async () => {
    const fresh = deferred<InvoiceList>();
    show();
    const user = await openRemote();
    await waitFor(() => expect(rowIds()).toEqual(["inv_d", "inv_p"]));
    mocked.cachedInvoices.mockResolvedValueOnce(list([paidRow, draftRow], { cached: true, fetched_at: "2026-11-30T09:00:00Z" }));
    mocked.listInvoices.mockReturnValueOnce(fresh.promise);
    await user.click(screen.getByTestId("remote-sort-customer"));
    const sorted = { administration: "1", text: null, from: null, to: null, customer: null, sort: { column: "customer", descending: false } };
    expect(mocked.cachedInvoices).toHaveBeenLastCalledWith("conn-1", sorted);
    expect(mocked.listInvoices).toHaveBeenLastCalledWith("conn-1", sorted, null);
    // The copy, sorted in Rust, shows while the system is asked.
    await waitFor(() => expect(rowIds()).toEqual(["inv_p", "inv_d"]));
    const header = screen.getByTestId("remote-sort-customer").closest("th");
    expect(header?.getAttribute("aria-sort")).toBe("ascending");
    fresh.resolve(list([olderRow, paidRow, draftRow]));
    await waitFor(() => expect(rowIds()).toEqual(["inv_o", "inv_p", "inv_d"]));

    screen.getByTestId("remote-sort-customer").focus();
    await user.keyboard("{Enter}");
    await waitFor(() =>
      expect(mocked.listInvoices).toHaveBeenLastCalledWith("conn-1", { ...sorted, sort: { column: "customer", descending: true } }, null),
    );
    expect(screen.getByTestId("remote-sort-customer").closest("th")?.getAttribute("aria-sort")).toBe("descending");
    await user.click(screen.getByTestId("remote-sort-total_incl"));
    await waitFor(() =>
      expect(mocked.listInvoices).toHaveBeenLastCalledWith("conn-1", { ...sorted, sort: { column: "total_incl", descending: false } }, null),
    );
    expect(screen.getByTestId("remote-sort-customer").closest("th")?.getAttribute("aria-sort")).toBe("none");
  });

  it("draws a long list in parts: the next part comes from what is already here before the system is asked", async () => {
    const many = Array.from({ length: 450 }, (_, i) => summary({ id: `inv_${i}`, number: `F-${i}` }));
    mocked.listInvoices.mockResolvedValue(list(many, { done: false, cursor: "450" }));
    show();
    const user = await openRemote();
    await waitFor(() => expect(rowIds()).toHaveLength(200));
    expect(mocked.listInvoices).toHaveBeenCalledTimes(1);
    await user.click(screen.getByTestId("remote-more"));
    expect(rowIds()).toHaveLength(400);
    await user.click(screen.getByTestId("remote-more"));
    expect(rowIds()).toHaveLength(450);
    expect(mocked.listInvoices).toHaveBeenCalledTimes(1);
    mocked.listInvoices.mockResolvedValueOnce(list([summary({ id: "inv_450" })], { done: true }));
    await user.click(screen.getByTestId("remote-more"));
    await waitFor(() => expect(rowIds()).toHaveLength(451));
    expect(mocked.listInvoices).toHaveBeenLastCalledWith("conn-1", expect.objectContaining({ administration: "1" }), "450");
  });

  it("starts a new draft from an opened invoice of the system, and from an invoice sent from here", async () => {
    const started = { view: draftView(), notes: [] };
    mocked.listInvoices.mockResolvedValue(list([opened.summary]));
    mocked.openInvoice.mockResolvedValue({ ...opened, texts: [] });
    mocked.startFromInvoice.mockResolvedValue(started);
    mocked.startFromSent.mockResolvedValue(started);
    render(HistoryView, { props: { connectionId: "conn-1", system: SYSTEM, administrationId: "1", canStart: true } });

    const user = userEvent.setup();
    await user.click(await screen.findByTestId("history-start"));
    expect(mocked.startFromSent).toHaveBeenCalledWith("conn-1", "d-sent");
    await waitFor(() => expect(app.view).toBe("invoice"));
    expect(app.started).toEqual(started);

    app.started = null;
    app.view = "history";
    await user.click(screen.getByTestId("history-tab-remote"));
    await waitFor(() => expect(rowIds()).toEqual(["inv_p"]));
    await user.click(screen.getByTestId("remote-open"));
    await user.click(await screen.findByTestId("remote-start"));
    expect(mocked.startFromInvoice).toHaveBeenCalledWith("conn-1", "1", "inv_p");
    await waitFor(() => expect(app.view).toBe("invoice"));
  });

  it("offers no start where the connection cannot send, and says why a start failed", async () => {
    mocked.listInvoices.mockResolvedValue(list([opened.summary]));
    mocked.openInvoice.mockResolvedValue({ ...opened, texts: [] });
    const { unmount } = show();
    const user = await openRemote();
    await waitFor(() => expect(rowIds()).toEqual(["inv_p"]));
    await user.click(screen.getByTestId("remote-open"));
    await screen.findByTestId("remote-close");
    expect(screen.queryByTestId("remote-start")).toBeNull();
    await user.click(screen.getByTestId("history-tab-outbox"));
    expect(screen.queryByTestId("history-start")).toBeNull();
    unmount();

    mocked.startFromSent.mockRejectedValue({ code: "not_found", message: "This invoice was not found." });
    render(HistoryView, { props: { connectionId: "conn-1", system: SYSTEM, administrationId: "1", canStart: true } });
    await userEvent.setup().click(await screen.findByTestId("history-start"));
    expect((await screen.findByTestId("history-start-error")).textContent).toBe(
      "No new invoice could be started: This invoice was not found.",
    );
    expect(app.view).toBe("history");
  });
});
