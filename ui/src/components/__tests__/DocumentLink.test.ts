import { render, screen, waitFor, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import App from "../../App.svelte";
import * as api from "../../lib/api";
import { app } from "../../lib/app.svelte";
import { setConnectors } from "../../lib/connectors.svelte";
import { setLocale } from "../../lib/locale.svelte";
import { resetOutbox } from "../../lib/outbox.svelte";
import type { SubmitStatus } from "../../lib/types";
import { connection, connectors, draft, draftView, evaluation, historyEntry, relation, sync } from "../../test/fixtures";
import { preloadViews } from "../../test/views";

vi.mock("../../lib/api", async () => (await import("../../test/apiMock")).apiMock());
preloadViews();
const mocked = vi.mocked(api);

const pdf = "https://docs.example.com/pdf/invoice_42.pdf";

function start(lang: "nl" | "en") {
  mocked.appInfo.mockResolvedValue({ version: "1", lang, demo: false, active_connection_id: "conn-1", store_warning: null, store_error: null });
  render(App);
}

describe("The document of a sent invoice opens in the system viewer", () => {
  beforeEach(() => {
    vi.clearAllMocks();
    setConnectors(connectors);
    resetOutbox();
    localStorage.clear();
    setLocale("en");
    Object.assign(app, { ready: false, connections: [], activeId: null, view: "invoice", error: null, info: null, sync: null });
    mocked.listConnections.mockResolvedValue([connection]);
    mocked.syncStatus.mockResolvedValue(sync);
    mocked.listAdministrations.mockResolvedValue([{ id: "1", name: "Bakker B.V." }]);
    mocked.currentDraft.mockResolvedValue(
      draftView(draft({ relation: relation("r1", "Jansen Bouw B.V.") }), evaluation({ totals: { lines: [], rates: [], net: "10", vat: "2.10", gross: "12.10" } })),
    );
    mocked.history.mockResolvedValue([]);
  });

  it("offers Open PDF on the result screen and opens it by the outbox entry, not by address", async () => {
    mocked.submitDraft.mockResolvedValue({
      state: "sent",
      remote_id: "invoice_42",
      number: "INV-2026-000042",
      message: "Invoice INV-2026-000042 sent.",
      error: null,
      next: draftView(draft({ id: "draft-2" })),
      answer: { state: "Draft", totals: [], differs: false, document_url: pdf },
    });
    const user = userEvent.setup();
    start("en");
    await screen.findByTestId("relation-selected");
    await user.click(screen.getByTestId("submit"));
    const open = await screen.findByTestId("submit-answer-document");
    expect(open.textContent?.trim()).toBe("Open PDF");
    await user.click(open);
    expect(mocked.openDocument).toHaveBeenCalledTimes(1);
    expect(mocked.openDocument).toHaveBeenCalledWith("draft-1");
  });

  it("offers PDF openen in History, and says why when it cannot be opened", async () => {
    mocked.history.mockResolvedValue([
      historyEntry({ draft_id: "d-7", state: "sent", number: "INV-2026-000007", remote_id: "invoice_7", answer: { state: "Verstuurd", totals: [], differs: false, document_url: pdf } }),
      historyEntry({ draft_id: "d-8", state: "sent", number: "INV-2026-000008", remote_id: "invoice_8", answer: { state: "Concept", totals: [], differs: false } }),
    ]);
    mocked.openDocument.mockRejectedValueOnce({ code: "io", message: "Het document kon niet worden geopend: er is geen programma gevonden om het te tonen." });
    const user = userEvent.setup();
    start("nl");
    await screen.findByTestId("relation-selected");
    await user.click(screen.getByTestId("open-history"));
    const hist = await screen.findByTestId("history-view");
    await waitFor(() => expect(within(hist).getAllByTestId("history-row")).toHaveLength(2));
    const buttons = within(hist).getAllByTestId("history-answer-document");
    expect(buttons).toHaveLength(1);
    expect(buttons[0].textContent?.trim()).toBe("PDF openen");
    await user.click(buttons[0]);
    expect(mocked.openDocument).toHaveBeenCalledWith("d-7");
    expect((await within(hist).findByTestId("history-answer-document-error")).textContent).toContain(
      "er is geen programma gevonden",
    );
    await user.click(buttons[0]);
    await waitFor(() => expect(within(hist).queryByTestId("history-answer-document-error")).toBeNull());
    expect(mocked.openDocument).toHaveBeenCalledTimes(2);
  });

  it("offers it on the result screen once an invoice that waited is sent in the background", async () => {
    let rows = [historyEntry({ draft_id: "draft-1", state: "queued", number: null, remote_id: null })];
    mocked.history.mockImplementation(async () => structuredClone(rows));
    mocked.submitDraft.mockResolvedValue({
      state: "queued",
      remote_id: null,
      number: null,
      message: "The system cannot be reached right now.",
      error: { code: "offline", message: "Could not reach the system." },
      next: draftView(draft({ id: "draft-2" })),
    });
    const user = userEvent.setup();
    start("en");
    await screen.findByTestId("relation-selected");
    await user.click(screen.getByTestId("submit"));
    await waitFor(() => expect(screen.getByTestId("submit-result").getAttribute("data-state")).toBe("queued"));
    expect(screen.queryByTestId("submit-answer-document")).toBeNull();

    rows = [
      historyEntry({ draft_id: "draft-1", state: "sent", number: "INV-2026-000043", remote_id: "invoice_43", answer: { state: "Draft", totals: [], differs: false, document_url: pdf } }),
    ];
    const sent: SubmitStatus = { draft_id: "draft-1", connection_id: "conn-1", state: "sent", message: "" };
    for (const [handler] of mocked.onSubmitStatus.mock.calls) handler(sent);
    await user.click(await screen.findByTestId("submit-answer-document"));
    expect(mocked.openDocument).toHaveBeenCalledWith("draft-1");
  });
});
