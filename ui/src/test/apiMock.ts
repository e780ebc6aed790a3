// The api module with every function replaced by a vi.fn; tests set the answers they need.
import { vi } from "vitest";
import { connectors, evaluation } from "./fixtures";

export function apiMock() {
  return {
    toIpcError: (e: unknown) =>
      typeof e === "string"
        ? { code: "internal", message: e }
        : (e as { code: string; message: string }),
    isIpcError: () => true,
    appInfo: vi.fn(),
    // Not answered unless a test says so: the app then asks its first answers one by one.
    firstAnswers: vi.fn(async () => {
      throw { code: "internal", message: "not in this test" };
    }),
    setLang: vi.fn(),
    listConnectors: vi.fn(async () => connectors),
    listConnections: vi.fn(async () => []),
    saveConnection: vi.fn(),
    setActiveConnection: vi.fn(async () => ({ version: "1", lang: "en", demo: false, active_connection_id: null, store_warning: null, store_error: null })),
    deleteConnection: vi.fn(),
    startOauth: vi.fn(),
    testConnection: vi.fn(),
    listAdministrations: vi.fn(async () => []),
    selectAdministration: vi.fn(async () => null),
    syncNow: vi.fn(async () => null),
    syncStatus: vi.fn(),
    searchRelations: vi.fn(async () => []),
    relationById: vi.fn(async () => null),
    searchProducts: vi.fn(async () => []),
    relationAddresses: vi.fn(async () => []),
    searchList: vi.fn(async () => ({ items: [], pending: false })),
    listRecipients: vi.fn(async () => []),
    saveRecipient: vi.fn(),
    archiveRecipient: vi.fn(),
    onListSynced: vi.fn(async () => () => {}),
    currentDraft: vi.fn(),
    newDraft: vi.fn(),
    saveDraft: vi.fn(async () => evaluation()),
    pickAttachments: vi.fn(),
    removeAttachment: vi.fn(),
    submitDraft: vi.fn(),
    history: vi.fn(async () => []),
    retryOutbox: vi.fn(async () => 0),
    invoiceReader: vi.fn(async () => ({ reads_invoices: false, actions: [] })),
    cachedInvoices: vi.fn(async () => ({ items: [], cursor: null, done: true, cached: true, fetched_at: null })),
    listInvoices: vi.fn(async () => ({ items: [], cursor: null, done: true, cached: false, fetched_at: null })),
    openInvoice: vi.fn(),
    invoiceAction: vi.fn(),
    invoiceText: vi.fn(async (_c: string, _id: string, which: string) => ({ which, format: "plain", html: null, text: "" })),
    startFromSent: vi.fn(),
    startFromInvoice: vi.fn(),
    openDocument: vi.fn(async () => undefined),
    onSyncStatus: vi.fn(async () => () => {}),
    onUploadProgress: vi.fn(async () => () => {}),
    onSubmitStatus: vi.fn(async () => () => {}),
  };
}
