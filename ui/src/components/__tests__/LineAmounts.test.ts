// A made-up system that rounds VAT per line and takes prices excl. or incl. VAT: each line
// shows its amounts excl. VAT, VAT and incl. VAT, and the clerk may type a line amount instead
// of the price per item. Then the back end's answer (state in words, totals) beside the preview.
import { render, screen, waitFor, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import * as api from "../../lib/api";
import { setLocale } from "../../lib/locale.svelte";
import { resetOutbox } from "../../lib/outbox.svelte";
import type { BackendAnswer, Capabilities, ReadyConnection } from "../../lib/types";
import { app } from "../../lib/app.svelte";
import { caps, connection, draft, draftView, evaluation, firstSystem, historyEntry, line, relation, sync } from "../../test/fixtures";
import HistoryView from "../HistoryView.svelte";
import InvoiceForm from "../InvoiceForm.svelte";

vi.mock("../../lib/api", async () => (await import("../../test/apiMock")).apiMock());
const mocked = vi.mocked(api);

// The first system's name and sign-in, with the computing rules of a made-up one.
const perLine: Capabilities = {
  ...caps,
  rounding: "per_line",
  price_bases: ["excl_vat", "incl_vat"],
  price_dp: 4,
};
const made: ReadyConnection = { ...connection, id: "made-1", capabilities: perLine };
const system = firstSystem.name;

const nbsp = (s: string | null | undefined) => (s ?? "").replace(/[\u00a0\u202f]/g, " ").replace(/\s+/g, " ").trim();
const input = (id: string) => screen.getByTestId(id) as HTMLInputElement;

async function renderForm(c: ReadyConnection = made) {
  render(InvoiceForm, { connection: c, sync, administrationId: "1", debounce: 0 });
  await screen.findByTestId("line-0-quantity");
}

// 2 × 125,00 at 21 %: 250,00 + 52,50 = 302,50; 1 × 10,00 at 21 %: 10,00 + 2,10 = 12,10.
const twoLines = () =>
  draft({
    connection_id: "made-1",
    relation: relation("r1", "Jansen Bouw"),
    lines: [
      line({ id: "l-1", description: "Huur", quantity: "2", unit_price: "125,00" }),
      line({ id: "l-2", description: "Service", quantity: "1", unit_price: "10,00" }),
    ],
  });
const amounts = evaluation({
  line_amounts: [
    { net: "250.00", vat: "52.50", gross: "302.50" },
    { net: "10.00", vat: "2.10", gross: "12.10" },
  ],
  totals: {
    lines: [],
    rates: [{ vat_code: "high", percent: "21", net: "260.00", vat: "54.60", gross: "314.60" }],
    net: "260.00",
    vat: "54.60",
    gross: "314.60",
  },
});

describe("a line's own amounts, when the system rounds VAT per line", () => {
  beforeEach(() => {
    vi.clearAllMocks();
    setLocale("en");
  });

  it("shows excl. VAT, VAT and incl. VAT of each line, the same cents as the preview", async () => {
    mocked.currentDraft.mockResolvedValue(draftView(twoLines(), amounts));
    await renderForm();
    expect(input("line-0-amount-excl").value).toBe("250.00");
    expect(nbsp(screen.getByTestId("line-0-amount-vat").textContent)).toBe("€52.50");
    expect(input("line-0-amount-incl").value).toBe("302.50");
    expect(input("line-1-amount-incl").value).toBe("12.10");
    // The lines add up to what the footer shows.
    expect(nbsp(screen.getByTestId("total-net").textContent)).toContain("260.00");
    expect(nbsp(screen.getByTestId("total-gross").textContent)).toContain("314.60");
  });

  it("takes a typed amount incl. VAT: the price per item follows, the invoice switches to prices incl. VAT and the other lines keep their amounts", async () => {
    mocked.currentDraft.mockResolvedValue(draftView(twoLines(), amounts));
    mocked.saveDraft.mockResolvedValue(amounts);
    const user = userEvent.setup();
    await renderForm();
    await user.clear(input("line-0-quantity"));
    await user.type(input("line-0-quantity"), "3");
    await user.clear(input("line-0-amount-incl"));
    await user.type(input("line-0-amount-incl"), "100");
    // What the clerk types stays in the field while typing.
    expect(input("line-0-amount-incl").value).toBe("100");
    await waitFor(() => expect(mocked.saveDraft.mock.calls.at(-1)?.[0].lines[0].unit_price).toBe("33.3333"));
    const saved = mocked.saveDraft.mock.calls.at(-1)![0];
    expect(saved.price_basis).toBe("incl_vat");
    expect(saved.lines[0].quantity).toBe("3");
    // The other line's price is now its amount incl. VAT: 12,10 stays 12,10.
    expect(saved.lines[1].unit_price).toBe("12.10");
    expect(input("line-0-price").value).toBe("33.3333");
    expect(screen.queryByTestId("line-0-amount-inexact")).toBeNull();
  });

  it("takes a typed amount excl. VAT on a line without a quantity as one item", async () => {
    mocked.currentDraft.mockResolvedValue(
      draftView(draft({ connection_id: "made-1", lines: [line({ id: "l-1", quantity: "" })] })),
    );
    const user = userEvent.setup();
    await renderForm();
    await user.type(input("line-0-amount-excl"), "1.234,56");
    await waitFor(() => expect(mocked.saveDraft.mock.calls.at(-1)?.[0].lines[0].unit_price).toBe("1234.56"));
    expect(mocked.saveDraft.mock.calls.at(-1)![0].lines[0].quantity).toBe("1");
    expect(mocked.saveDraft.mock.calls.at(-1)![0].price_basis).toBe("excl_vat");
  });

  it("says so when no price per item gives the amount exactly", async () => {
    mocked.currentDraft.mockResolvedValue(
      draftView(draft({ connection_id: "made-1", lines: [line({ id: "l-1", quantity: "7" })] })),
    );
    const user = userEvent.setup();
    await renderForm({ ...made, capabilities: { ...perLine, price_dp: 2 } });
    await user.type(input("line-0-amount-excl"), "10");
    expect(nbsp(screen.getByTestId("line-0-amount-inexact").textContent)).toBe(
      "With this quantity no unit price gives exactly 10; the nearest is €10.01.",
    );
  });

  it("is not shown for a system that rounds VAT over the total", async () => {
    mocked.currentDraft.mockResolvedValue(draftView(twoLines(), amounts));
    await renderForm({ ...made, capabilities: { ...perLine, rounding: "per_total" } });
    expect(screen.queryByTestId("line-0-amounts")).toBeNull();
  });
});

const differing: BackendAnswer = {
  state: "Final",
  totals: [
    { key: "excl", ours: "260.00", theirs: "260.00", differs: false },
    { key: "vat", ours: "54.60", theirs: "54.59", differs: true },
    { key: "incl", ours: "314.60", theirs: "314.59", differs: true },
  ],
  differs: true,
};

describe("the back end's answer beside our preview", () => {
  beforeEach(() => {
    vi.clearAllMocks();
    setLocale("en");
    resetOutbox();
  });

  it("shows the state in words and its totals on the result, and marks a difference", async () => {
    mocked.currentDraft.mockResolvedValue(draftView(twoLines(), amounts));
    mocked.submitDraft.mockResolvedValue({
      state: "sent",
      remote_id: "SIS-2026-000123",
      number: null,
      message: "",
      error: null,
      next: draftView(draft({ id: "draft-2", connection_id: "made-1" })),
      answer: differing,
    });
    const user = userEvent.setup();
    await renderForm();
    await user.click(screen.getByTestId("submit"));
    const result = await screen.findByTestId("submit-answer");
    expect(nbsp(screen.getByTestId("submit-answer-state").textContent)).toBe(`State in ${system}: Final`);
    const cells = (el: HTMLElement) => [...el.querySelectorAll("th, td")].map((c) => nbsp(c.textContent));
    expect(cells(within(result).getByTestId("submit-answer-excl"))).toEqual(["Excl. VAT", "€260.00", "€260.00"]);
    const vat = within(result).getByTestId("submit-answer-vat");
    expect(vat.getAttribute("data-differs")).toBe("true");
    expect(cells(vat)).toEqual(["VAT", "€54.60", "€54.59 (differs)"]);
    expect(nbsp(screen.getByTestId("submit-answer-differs").textContent)).toBe(
      `${system} computed other totals than the preview: check the invoice in ${system}.`,
    );
    expect(screen.getByTestId("submit-sent-title").textContent).toContain("SIS-2026-000123");
  });

  it("says nothing of a difference when the totals match", async () => {
    mocked.currentDraft.mockResolvedValue(draftView(twoLines(), amounts));
    mocked.submitDraft.mockResolvedValue({
      state: "sent",
      remote_id: "SIS-1",
      number: null,
      message: "",
      error: null,
      next: null,
      answer: { state: "Draft", totals: [{ key: "incl", ours: "314.60", theirs: "314.60", differs: false }], differs: false },
    });
    const user = userEvent.setup();
    await renderForm();
    await user.click(screen.getByTestId("submit"));
    await screen.findByTestId("submit-answer");
    expect(screen.queryByTestId("submit-answer-differs")).toBeNull();
    expect(screen.getByTestId("submit-answer-incl").getAttribute("data-differs")).toBe("false");
  });

  it("shows the same in History, in Dutch", async () => {
    setLocale("nl");
    mocked.history.mockResolvedValue([
      historyEntry({ draft_id: "d-1", state: "sent", remote_id: "SIS-2026-000123", answer: { ...differing, state: "Definitief" } }),
    ]);
    app.activeId = "conn-1";
    render(HistoryView, { connectionId: "conn-1", system });
    const row = await screen.findByTestId("history-answer");
    expect(nbsp(within(row).getByTestId("history-answer-state").textContent)).toBe(`Status in ${system}: Definitief`);
    expect(within(row).getByTestId("history-answer-vat").getAttribute("data-differs")).toBe("true");
    expect(nbsp(within(row).getByTestId("history-answer-incl").textContent)).toContain("314,59");
    expect(nbsp(within(row).getByTestId("history-answer-differs").textContent)).toContain("andere totalen");
  });
});

describe("History names the date as the system does", () => {
  beforeEach(() => {
    vi.clearAllMocks();
    resetOutbox();
  });

  it("says supply date for a system whose invoices carry a supply date, and invoice date otherwise", async () => {
    setLocale("en");
    mocked.history.mockResolvedValue([historyEntry({ draft_id: "d-1", state: "sent", issue_date: "2026-11-15" })]);
    app.activeId = "conn-1";
    const supply = render(HistoryView, {
      connectionId: "conn-1",
      system: firstSystem.name,
      dateLabel: { nl: "Leverdatum", en: "Supply date" },
    });
    await waitFor(() => expect(document.body.textContent).toContain("supply date 15/11/2026"));
    supply.unmount();
    render(HistoryView, { connectionId: "conn-1", system: firstSystem.name });
    await waitFor(() => expect(document.body.textContent).toContain("invoice date 15/11/2026"));
  });
});
