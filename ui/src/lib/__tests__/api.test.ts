import { beforeEach, describe, expect, it, vi } from "vitest";

const invoke = vi.fn();
const listen = vi.fn();
vi.mock("@tauri-apps/api/core", () => ({ invoke: (...a: unknown[]) => invoke(...a) }));
vi.mock("@tauri-apps/api/event", () => ({ listen: (...a: unknown[]) => listen(...a) }));

const api = await import("../api");

describe("api", () => {
  beforeEach(() => {
    invoke.mockReset();
    listen.mockReset();
  });

  it("passes arguments in snake_case as docs/ipc.md names them", async () => {
    invoke.mockResolvedValue([]);
    await api.searchRelations("c1", "a1", "jan", 20);
    expect(invoke).toHaveBeenLastCalledWith("search_relations", {
      connection_id: "c1",
      administration_id: "a1",
      query: "jan",
      limit: 20,
    });
    await api.selectAdministration("c1", "a2");
    expect(invoke).toHaveBeenLastCalledWith("select_administration", {
      connection_id: "c1",
      administration_id: "a2",
    });
    await api.removeAttachment("d1", "att1");
    expect(invoke).toHaveBeenLastCalledWith("remove_attachment", { draft_id: "d1", attachment_id: "att1" });
    await api.submitDraft("d1");
    expect(invoke).toHaveBeenLastCalledWith("submit_draft", { draft_id: "d1" });
    await api.setLang("nl");
    expect(invoke).toHaveBeenLastCalledWith("set_lang", { lang: "nl" });
    await api.appInfo();
    expect(invoke).toHaveBeenLastCalledWith("app_info", undefined);
    await api.listConnectors();
    expect(invoke).toHaveBeenLastCalledWith("list_connectors", undefined);
  });

  it("asks for the system's invoices with the arguments the reader commands take", async () => {
    invoke.mockResolvedValue(null);
    const query = { administration: "a1", text: "snel", from: "2026-11-01", to: null, customer: null, sort: null };
    await api.invoiceReader("c1");
    expect(invoke).toHaveBeenLastCalledWith("invoice_reader", { connection_id: "c1" });
    await api.cachedInvoices("c1", query);
    expect(invoke).toHaveBeenLastCalledWith("cached_invoices", { connection_id: "c1", query });
    await api.listInvoices("c1", query, "next");
    expect(invoke).toHaveBeenLastCalledWith("list_invoices", { connection_id: "c1", query, cursor: "next" });
    await api.openInvoice("c1", null, "inv_1");
    expect(invoke).toHaveBeenLastCalledWith("open_invoice", { connection_id: "c1", administration_id: "", id: "inv_1" });
    await api.invoiceAction("c1", "a1", "inv_1", "issue", { email_subject: "Factuur" });
    expect(invoke).toHaveBeenLastCalledWith("invoice_action", {
      connection_id: "c1",
      administration_id: "a1",
      id: "inv_1",
      action: "issue",
      values: { email_subject: "Factuur" },
    });
  });

  it("turns a string rejection into an internal IpcError", async () => {
    invoke.mockRejectedValue("boom");
    await expect(api.history("c1")).rejects.toEqual({ code: "internal", message: "boom" });
  });

  it("keeps a structured error and its field messages", async () => {
    const err = {
      code: "validation",
      message: "2 fields need correcting.",
      field: "relation",
      detail: "x",
      fields: [{ field: "lines[0].quantity", message: "Enter the quantity." }],
    };
    invoke.mockRejectedValue(err);
    await expect(api.submitDraft("d")).rejects.toEqual(err);
  });

  it("normalises unknown codes and thrown Errors", async () => {
    invoke.mockRejectedValue({ code: "weird", message: "odd" });
    await expect(api.listConnections()).rejects.toEqual({ code: "internal", message: "odd" });
    invoke.mockRejectedValue(new TypeError("no ipc"));
    await expect(api.listConnections()).rejects.toEqual({ code: "internal", message: "no ipc" });
    invoke.mockRejectedValue(42);
    await expect(api.listConnections()).rejects.toEqual({ code: "internal", message: "42" });
  });

  it("hands event payloads to the listeners", async () => {
    const off = vi.fn();
    listen.mockResolvedValue(off);
    const seen: unknown[] = [];
    const unlisten = await api.onUploadProgress((p) => seen.push(p));
    expect(listen.mock.calls[0][0]).toBe("upload-progress");
    const handler = listen.mock.calls[0][1] as (e: { payload: unknown }) => void;
    handler({ payload: { draft_id: "d", attachment_id: "a", sent: 1, total: 2 } });
    expect(seen).toEqual([{ draft_id: "d", attachment_id: "a", sent: 1, total: 2 }]);
    unlisten();
    expect(off).toHaveBeenCalled();
    await api.onSyncStatus(() => {});
    await api.onSubmitStatus(() => {});
    expect(listen.mock.calls.map((c) => c[0])).toEqual(["upload-progress", "sync-status", "submit-status"]);
  });
});
