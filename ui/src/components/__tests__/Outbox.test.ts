import { render, screen, waitFor, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import App from "../../App.svelte";
import * as api from "../../lib/api";
import { app } from "../../lib/app.svelte";
import { setLocale } from "../../lib/locale.svelte";
import { POLL_MS, resetOutbox, TOAST_MS } from "../../lib/outbox.svelte";
import type { HistoryEntry, SubmitResult, SubmitStatus } from "../../lib/types";
import {
  connection,
  deferred,
  draft,
  draftView,
  evaluation,
  historyEntry,
  firstSystem,
  relation,
  secondConnection,
  sync,
} from "../../test/fixtures";
import { preloadViews } from "../../test/views";

vi.mock("../../lib/api", async () => (await import("../../test/apiMock")).apiMock());
preloadViews();
const mocked = vi.mocked(api);
const system = firstSystem.name;

const nbsp = (s: string | null | undefined) => (s ?? "").replace(/\u00a0/g, " ").replace(/\s+/g, " ").trim();
const hhmm = (iso: string) => {
  const d = new Date(iso);
  return `${String(d.getHours()).padStart(2, "0")}:${String(d.getMinutes()).padStart(2, "0")}`;
};
const inMinutes = (m: number) => new Date(Date.now() + m * 60_000).toISOString();

/** Delivers a submit-status event to every listener, as Tauri would. */
function emitStatus(s: SubmitStatus): void {
  for (const [handler] of mocked.onSubmitStatus.mock.calls) handler(s);
}

let rows: HistoryEntry[] = [];

const waitingRow = historyEntry({
  draft_id: "d-waiting",
  state: "queued",
  relation_name: "Bakker Advies B.V.",
  total_gross: "81.95",
  attempts: 3,
  next_attempt_at: inMinutes(5),
  message: `${system} cannot be reached.`,
});
const uncertainRow = historyEntry({
  draft_id: "d-unsure",
  state: "uncertain",
  relation_name: "De Vries Bouw B.V.",
  total_gross: "1234.56",
  issue_date: "2025-11-20",
  attempts: 2,
  next_attempt_at: inMinutes(2),
});
const sentRow = historyEntry({ draft_id: "d-old", state: "sent", number: "V2026000100", remote_id: "58100" });

async function start(lang: "en" | "nl" = "en") {
  mocked.appInfo.mockResolvedValue({ version: "1", lang, demo: false, active_connection_id: "conn-1", store_warning: null, store_error: null });
  render(App);
  await screen.findByTestId("relation-input");
}

describe("outbox", () => {
  beforeEach(() => {
    vi.clearAllMocks();
    resetOutbox();
    setLocale("en");
    Object.assign(app, { ready: false, connections: [], activeId: null, view: "invoice", error: null, info: null, sync: null });
    mocked.listConnections.mockResolvedValue([connection, secondConnection]);
    mocked.syncStatus.mockResolvedValue(sync);
    mocked.listAdministrations.mockResolvedValue([{ id: "1", name: "Bakker B.V." }]);
    mocked.currentDraft.mockResolvedValue(draftView());
    rows = [waitingRow, { ...waitingRow, draft_id: "d-waiting-2", relation_name: "Smit B.V." }, uncertainRow, sentRow];
    mocked.history.mockImplementation(async (id: string) => (id === "conn-1" ? structuredClone(rows) : []));
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  describe("indicator", () => {
    it("counts waiting and uncertain invoices, opens History, and hides when none wait", async () => {
      const user = userEvent.setup();
      await start();
      const indicator = await screen.findByTestId("outbox-indicator");
      expect(within(indicator).getByTestId("outbox-waiting").textContent?.trim()).toBe("2 waiting to be sent");
      expect(within(indicator).getByTestId("outbox-check").textContent?.trim()).toBe("1 to check");

      await user.click(indicator);
      expect(await screen.findByTestId("history-view")).toBeTruthy();

      rows = [sentRow];
      emitStatus({ draft_id: "d-waiting", connection_id: "conn-1", state: "sent", message: "" });
      await waitFor(() => expect(screen.queryByTestId("outbox-indicator")).toBeNull());
    });

    it("counts an invoice that needs attention among those to check", async () => {
      rows = [{ ...uncertainRow, draft_id: "d-attention", state: "needs_attention", next_attempt_at: null }, sentRow];
      await start();
      const indicator = await screen.findByTestId("outbox-indicator");
      expect(within(indicator).getByTestId("outbox-check").textContent?.trim()).toBe("1 to check");
      expect(within(indicator).queryByTestId("outbox-waiting")).toBeNull();
    });

    it("speaks Dutch and shows only the part that applies", async () => {
      rows = [waitingRow, sentRow];
      await start("nl");
      const indicator = await screen.findByTestId("outbox-indicator");
      expect(indicator.textContent?.trim()).toBe("1 wacht op verzending");
      expect(within(indicator).queryByTestId("outbox-check")).toBeNull();

      rows = [waitingRow, { ...waitingRow, draft_id: "d-2" }, uncertainRow];
      emitStatus({ draft_id: "d-2", connection_id: "conn-1", state: "queued", message: "" });
      await waitFor(() => expect(nbsp(screen.getByTestId("outbox-indicator").textContent)).toBe("2 wachten op verzending 1 te controleren"));
    });

    it("follows the active connection", async () => {
      const user = userEvent.setup();
      await start();
      await screen.findByTestId("outbox-indicator");
      await user.selectOptions(screen.getByTestId("connection-select"), "second-1");
      await waitFor(() => expect(mocked.history).toHaveBeenCalledWith("second-1"));
      await waitFor(() => expect(screen.queryByTestId("outbox-indicator")).toBeNull());
    });

    it("reloads every 15 s while an invoice waits, and stops when none does", async () => {
      vi.useFakeTimers({ shouldAdvanceTime: true });
      await start();
      await screen.findByTestId("outbox-indicator");
      const calls = () => mocked.history.mock.calls.filter(([id]) => id === "conn-1").length;
      const before = calls();
      rows = [sentRow];
      await vi.advanceTimersByTimeAsync(POLL_MS + 100);
      await waitFor(() => expect(calls()).toBe(before + 1));
      await waitFor(() => expect(screen.queryByTestId("outbox-indicator")).toBeNull());
      await vi.advanceTimersByTimeAsync(POLL_MS * 3);
      expect(calls()).toBe(before + 1);
    });

    it("reloads after the form's submit", async () => {
      rows = [sentRow];
      mocked.submitDraft.mockImplementation(async () => {
        rows = [{ ...waitingRow, draft_id: "draft-1" }, sentRow];
        return { state: "queued", remote_id: null, number: null, message: "", error: null, next: draftView(draft({ id: "draft-2" })) };
      });
      const user = userEvent.setup();
      await start();
      expect(screen.queryByTestId("outbox-indicator")).toBeNull();
      await user.click(screen.getByTestId("submit"));
      expect((await screen.findByTestId("outbox-indicator")).textContent?.trim()).toBe("1 waiting to be sent");
    });
  });

  describe("notifications", () => {
    it("tells when another waiting invoice got sent, naming relation, amount and number", async () => {
      await start();
      await screen.findByTestId("outbox-indicator");
      rows = [{ ...waitingRow, state: "sent", number: "V2026000123", remote_id: "58123", next_attempt_at: null }, uncertainRow, sentRow];
      emitStatus({ draft_id: "d-waiting", connection_id: "conn-1", state: "sent", message: "" });
      const toast = await screen.findByTestId("toast");
      expect(toast.getAttribute("role")).toBe("status");
      expect(toast.getAttribute("data-kind")).toBe("sent");
      expect(nbsp(within(toast).getByTestId("toast-text").textContent)).toBe(
        "Invoice for Bakker Advies B.V. (€81.95) has been sent — number V2026000123",
      );
    });

    it("hides a success after a while but keeps an uncertain one until it is dismissed", async () => {
      vi.useFakeTimers({ shouldAdvanceTime: true });
      const user = userEvent.setup({ advanceTimers: vi.advanceTimersByTime });
      await start();
      await screen.findByTestId("outbox-indicator");
      rows = [{ ...waitingRow, state: "sent", number: "V2026000123" }, uncertainRow, sentRow];
      emitStatus({ draft_id: "d-waiting", connection_id: "conn-1", state: "sent", message: "" });
      emitStatus({ draft_id: "d-unsure", connection_id: "conn-1", state: "uncertain", message: "" });
      await waitFor(() => expect(screen.getAllByTestId("toast")).toHaveLength(2));
      const unsure = screen.getAllByTestId("toast").find((x) => x.getAttribute("data-kind") === "uncertain")!;
      expect(unsure.getAttribute("data-sticky")).toBe("true");
      expect(nbsp(unsure.textContent)).toContain("Check needed: De Vries Bouw B.V. (€1,234.56)");
      expect(nbsp(unsure.textContent)).toContain(`${system} did not answer after the invoice was sent; it may or may not have arrived.`);
      expect(within(unsure).getByTestId("toast-history")).toBeTruthy();

      await vi.advanceTimersByTimeAsync(TOAST_MS + 500);
      await waitFor(() => expect(screen.getAllByTestId("toast")).toHaveLength(1));
      expect(screen.getByTestId("toast").getAttribute("data-kind")).toBe("uncertain");
      await vi.advanceTimersByTimeAsync(TOAST_MS * 5);
      expect(screen.getAllByTestId("toast")).toHaveLength(1);

      await user.click(within(screen.getByTestId("toast")).getByTestId("toast-dismiss"));
      expect(screen.queryByTestId("toast")).toBeNull();
      // The same news about the same invoice is not told again.
      emitStatus({ draft_id: "d-unsure", connection_id: "conn-1", state: "uncertain", message: "" });
      await vi.advanceTimersByTimeAsync(50);
      await waitFor(() => expect(mocked.history.mock.calls.length).toBeGreaterThan(3));
      expect(screen.queryByTestId("toast")).toBeNull();
    });

    it("tells when a retry failed and when the next try is", async () => {
      await start();
      await screen.findByTestId("outbox-indicator");
      emitStatus({ draft_id: "d-waiting", connection_id: "conn-1", state: "queued", message: `${system} cannot be reached.` });
      const toast = await screen.findByTestId("toast");
      expect(toast.getAttribute("data-kind")).toBe("waiting");
      expect(nbsp(within(toast).getByTestId("toast-text").textContent)).toBe(
        `Bakker Advies B.V. (€81.95): still waiting — next try at ${hhmm(waitingRow.next_attempt_at!)}`,
      );
      expect(toast.textContent).toContain(`${system} cannot be reached.`);
    });

    it("names an invoice of another connection through that connection's history", async () => {
      mocked.history.mockImplementation(async (id: string) =>
        id === "conn-1"
          ? structuredClone(rows)
          : [historyEntry({ draft_id: "d-other", state: "sent", relation_name: "Peeters B.V.", total_gross: "363", number: "2026017" })],
      );
      await start();
      await screen.findByTestId("outbox-indicator");
      emitStatus({ draft_id: "d-other", connection_id: "conn-1", state: "sent", message: "" });
      const toast = await screen.findByTestId("toast");
      expect(nbsp(toast.textContent)).toContain("Invoice for Peeters B.V. (€363.00) has been sent — number 2026017");
      expect(toast.textContent).toContain("Connection: Bakker – bookkeeping");
    });

    it("says nothing about the invoice the form is sending; its own panel follows it to the number", async () => {
      const answer = deferred<SubmitResult>();
      mocked.submitDraft.mockReturnValue(answer.promise);
      mocked.currentDraft.mockResolvedValue(
        draftView(draft({ relation: relation("r1", "Jansen Bouw B.V.") }), evaluation({ totals: { lines: [], rates: [], net: "10", vat: "2.10", gross: "12.10" } })),
      );
      mocked.appInfo.mockResolvedValue({ version: "1", lang: "en", demo: false, active_connection_id: "conn-1", store_warning: null, store_error: null });
      const user = userEvent.setup();
      render(App);
      await screen.findByTestId("relation-selected");
      await user.click(screen.getByTestId("submit"));
      await waitFor(() => expect(mocked.submitDraft).toHaveBeenCalled());
      emitStatus({ draft_id: "draft-1", connection_id: "conn-1", state: "sending", message: "" });
      emitStatus({ draft_id: "draft-1", connection_id: "conn-1", state: "queued", message: `${system} cannot be reached right now.` });
      rows = [{ ...waitingRow, draft_id: "draft-1", relation_name: "Jansen Bouw B.V." }, sentRow];
      answer.resolve({
        state: "queued",
        remote_id: null,
        number: null,
        message: `${system} cannot be reached right now.`,
        error: { code: "offline", message: `Could not reach ${system}.` },
        next: draftView(draft({ id: "draft-2" })),
      });
      const result = await screen.findByTestId("submit-result");
      expect(result.getAttribute("data-state")).toBe("queued");

      // Later the background sends it: the panel turns to "sent" with the number.
      rows = [{ ...waitingRow, draft_id: "draft-1", state: "sent", number: "V2026000124", remote_id: "58124" }, sentRow];
      emitStatus({ draft_id: "draft-1", connection_id: "conn-1", state: "sent", message: "" });
      await waitFor(() => expect(screen.getByTestId("submit-result").getAttribute("data-state")).toBe("sent"));
      await waitFor(() =>
        expect(screen.getByTestId("submit-sent-title").textContent?.trim()).toBe("Invoice sent — number V2026000124"),
      );
      expect(screen.queryByTestId("toast")).toBeNull();
    });
    it("tells about the form's own invoice once the form no longer shows it", async () => {
      const answer = deferred<SubmitResult>();
      mocked.submitDraft.mockReturnValue(answer.promise);
      const user = userEvent.setup();
      await start();
      await user.click(screen.getByTestId("submit"));
      await waitFor(() => expect(mocked.submitDraft).toHaveBeenCalled());
      // Rust reports the result before the command returns.
      emitStatus({ draft_id: "draft-1", connection_id: "conn-1", state: "queued", message: "" });
      rows = [{ ...waitingRow, draft_id: "draft-1", relation_name: "Jansen Bouw B.V." }, sentRow];
      answer.resolve({ state: "queued", remote_id: null, number: null, message: "", error: null, next: draftView(draft({ id: "draft-2" })) });
      await screen.findByTestId("submit-result");
      await user.click(screen.getByTestId("open-history"));
      await screen.findByTestId("history-view");
      // The first background retry fails: that is news, even shortly after the submit.
      emitStatus({ draft_id: "draft-1", connection_id: "conn-1", state: "queued", message: `${system} cannot be reached.` });
      const toast = await screen.findByTestId("toast");
      expect(nbsp(within(toast).getByTestId("toast-text").textContent)).toContain("Jansen Bouw B.V. (€81.95): still waiting — next try at");
      // Already in History: no link to it.
      expect(within(toast).queryByTestId("toast-history")).toBeNull();
    });
  });

  describe("history", () => {
    it("shows each state in words, the next try and attempts, what to check, and numbers", async () => {
      const user = userEvent.setup();
      await start();
      await user.click(screen.getByTestId("open-history"));
      const view = await screen.findByTestId("history-view");
      await waitFor(() => expect(within(view).getAllByTestId("history-row")).toHaveLength(4));
      const [waiting, , unsure, sent] = within(view).getAllByTestId("history-row");
      expect(nbsp(within(waiting).getByTestId("history-state").textContent)).toContain("Waiting");
      expect(within(waiting).getByTestId("history-next-try").textContent?.trim()).toBe(
        `next try at ${hhmm(waitingRow.next_attempt_at!)}`,
      );
      expect(within(waiting).getByTestId("history-attempts").textContent?.trim()).toBe("3 attempts");
      expect(within(waiting).getByTestId("history-message").textContent).toBe(`${system} cannot be reached.`);
      expect(nbsp(within(unsure).getByTestId("history-state").textContent)).toContain("To check");
      expect(nbsp(within(unsure).getByTestId("history-check").textContent)).toBe(
        `You can check it yourself: look in ${system} for an invoice for De Vries Bouw B.V. of €1,234.56 dated 20/11/2025.`,
      );
      expect(nbsp(within(sent).getByTestId("history-state").textContent)).toContain("Sent");
      expect(within(sent).getByTestId("history-number").textContent).toBe("V2026000100");
      // The number a clerk can quote first; the technical id after it, as a detail.
      expect(within(sent).getByTestId("history-remote-id").textContent).toBe("technical id 58100");
      expect(sent.textContent!.indexOf("V2026000100")).toBeLessThan(sent.textContent!.indexOf("58100"));
      expect(within(sent).queryByTestId("history-next-try")).toBeNull();
    });

    it("tries the waiting invoices again now and reloads", async () => {
      mocked.retryOutbox.mockImplementation(async () => {
        rows = [{ ...waitingRow, state: "sent", number: "V2026000125" }, sentRow];
        return 3;
      });
      const user = userEvent.setup();
      await start();
      await user.click(screen.getByTestId("open-history"));
      const retry = await screen.findByTestId("history-retry");
      const before = mocked.history.mock.calls.length;
      await user.click(retry);
      expect(mocked.retryOutbox).toHaveBeenCalledTimes(1);
      await waitFor(() => expect(mocked.history.mock.calls.length).toBeGreaterThan(before));
      await waitFor(() => expect(screen.getAllByTestId("history-row")).toHaveLength(2));
      expect(screen.getByTestId("history-retried").textContent?.trim()).toBe(
        "3 invoices were tried again; the results show below.",
      );
      expect(screen.queryByTestId("history-retry")).toBeNull();
      expect(screen.queryByTestId("outbox-indicator")).toBeNull();
    });

    it("keeps the empty state", async () => {
      rows = [];
      const user = userEvent.setup();
      await start();
      await user.click(screen.getByTestId("open-history"));
      expect((await screen.findByTestId("history-empty")).textContent).toContain("No invoices have been sent");
      expect(screen.queryByTestId("history-retry")).toBeNull();
    });
  });
});
