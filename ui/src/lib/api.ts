// The one module that talks to the Rust side. One typed function per command of docs/ipc.md,
// plus the event listeners. Every rejection is normalised into an IpcError.

import { invoke } from "@tauri-apps/api/core";
import { listen, type UnlistenFn } from "@tauri-apps/api/event";
import type {
  ActionDone,
  Administration,
  Address,
  AppInfo,
  FirstAnswers,
  ConnectionInput,
  ConnectionView,
  ConnectorDescription,
  Draft,
  DraftView,
  ErrorCode,
  Evaluation,
  HistoryEntry,
  InvoiceDetail,
  InvoiceList,
  InvoiceQuery,
  IpcError,
  IpcFieldError,
  Lang,
  ListSearch,
  ListSynced,
  Product,
  ReaderInfo,
  Recipient,
  RecipientInput,
  Relation,
  ShownText,
  StartedDraft,
  SubmitResult,
  SubmitStatus,
  SyncStatus,
  UploadProgress,
} from "./types";

export type { UnlistenFn };

const ERROR_CODES: readonly ErrorCode[] = [
  "validation",
  "refused",
  "auth_failed",
  "forbidden",
  "rate_limited",
  "offline",
  "uncertain",
  "server_error",
  "bad_response",
  "not_found",
  "config",
  "keyring_unavailable",
  "store",
  "store_corrupt",
  "store_locked",
  "disk_full",
  "io",
  "cancelled",
  "internal",
];

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === "object" && x !== null;
}

/** Turns anything a command may reject with into an IpcError. */
export function toIpcError(e: unknown): IpcError {
  if (typeof e === "string") {
    return { code: "internal", message: e };
  }
  if (isRecord(e) && typeof e.message === "string") {
    const code =
      typeof e.code === "string" && (ERROR_CODES as readonly string[]).includes(e.code)
        ? (e.code as ErrorCode)
        : "internal";
    const out: IpcError = { code, message: e.message };
    if (typeof e.field === "string") out.field = e.field;
    if (typeof e.detail === "string") out.detail = e.detail;
    if (Array.isArray(e.fields)) {
      const fields: IpcFieldError[] = [];
      for (const f of e.fields) {
        if (isRecord(f) && typeof f.field === "string" && typeof f.message === "string") {
          fields.push({ field: f.field, message: f.message });
        }
      }
      if (fields.length > 0) out.fields = fields;
    }
    return out;
  }
  return { code: "internal", message: String(e) };
}

/** Whether a value already has the IpcError shape. */
export function isIpcError(x: unknown): x is IpcError {
  return (
    isRecord(x) &&
    typeof x.code === "string" &&
    (ERROR_CODES as readonly string[]).includes(x.code) &&
    typeof x.message === "string"
  );
}

// Look-ups take the administration as a string; without one it is sent as "".

async function call<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (e) {
    throw toIpcError(e);
  }
}

export function appInfo(): Promise<AppInfo> {
  return call("app_info");
}

/** What the first form needs, in one answer (app info, systems, connections, open draft). */
export function firstAnswers(): Promise<FirstAnswers> {
  return call("first_answers");
}

export function setLang(lang: Lang): Promise<AppInfo> {
  return call("set_lang", { lang });
}

/** The connectors this version knows, as they describe themselves. */
export function listConnectors(): Promise<ConnectorDescription[]> {
  return call("list_connectors");
}

export function listConnections(): Promise<ConnectionView[]> {
  return call("list_connections");
}

export function saveConnection(input: ConnectionInput): Promise<ConnectionView> {
  return call("save_connection", { input });
}

export function setActiveConnection(connectionId: string): Promise<AppInfo> {
  return call("set_active_connection", { connection_id: connectionId });
}

export function deleteConnection(connectionId: string): Promise<null> {
  return call("delete_connection", { connection_id: connectionId });
}

export function startOauth(connectionId: string): Promise<ConnectionView> {
  return call("start_oauth", { connection_id: connectionId });
}

export function testConnection(connectionId: string): Promise<string> {
  return call("test_connection", { connection_id: connectionId });
}

export function listAdministrations(connectionId: string): Promise<Administration[]> {
  return call("list_administrations", { connection_id: connectionId });
}

export function selectAdministration(
  connectionId: string,
  administrationId: string,
): Promise<null> {
  return call("select_administration", {
    connection_id: connectionId,
    administration_id: administrationId,
  });
}

export function syncNow(connectionId: string): Promise<null> {
  return call("sync_now", { connection_id: connectionId });
}

export function syncStatus(connectionId: string): Promise<SyncStatus> {
  return call("sync_status", { connection_id: connectionId });
}

export function searchRelations(
  connectionId: string,
  administrationId: string | null,
  query: string,
  limit: number,
): Promise<Relation[]> {
  return call("search_relations", {
    connection_id: connectionId,
    administration_id: administrationId ?? "",
    query,
    limit,
  });
}

/** One relation by its id (from the cache or the address book); null when unknown or archived. */
export function relationById(
  connectionId: string,
  administrationId: string | null,
  id: string,
): Promise<Relation | null> {
  return call("relation_by_id", {
    connection_id: connectionId,
    administration_id: administrationId ?? "",
    id,
  });
}

export function searchProducts(
  connectionId: string,
  administrationId: string | null,
  query: string,
  limit: number,
): Promise<Product[]> {
  return call("search_products", {
    connection_id: connectionId,
    administration_id: administrationId ?? "",
    query,
    limit,
  });
}

export function relationAddresses(
  connectionId: string,
  administrationId: string | null,
  relation: Relation,
): Promise<Address[]> {
  return call("relation_addresses", {
    connection_id: connectionId,
    administration_id: administrationId ?? "",
    relation,
  });
}

/** Type-ahead in a list the system declares; `parents` holds the values of the fields the
 * look-up is filtered on, by the list's parent keys. `pending`: the list is being fetched;
 * ask again on `list-synced`. */
export function searchList(
  connectionId: string,
  list: string,
  administrationId: string | null,
  parents: Record<string, string>,
  query: string,
  limit = 20,
): Promise<ListSearch> {
  return call("search_list", {
    connection_id: connectionId,
    list,
    administration_id: administrationId,
    parents,
    query,
    limit,
  });
}

export function listRecipients(connectionId: string, withArchived = false): Promise<Recipient[]> {
  return call("list_recipients", { connection_id: connectionId, with_archived: withArchived });
}

export function saveRecipient(connectionId: string, input: RecipientInput): Promise<Recipient> {
  return call("save_recipient", { connection_id: connectionId, input });
}

export function archiveRecipient(
  connectionId: string,
  id: string,
  archived = true,
): Promise<Recipient> {
  return call("archive_recipient", { connection_id: connectionId, id, archived });
}

export function currentDraft(connectionId: string): Promise<DraftView> {
  return call("current_draft", { connection_id: connectionId });
}

export function newDraft(connectionId: string): Promise<DraftView> {
  return call("new_draft", { connection_id: connectionId });
}

export function saveDraft(draft: Draft): Promise<Evaluation> {
  return call("save_draft", { draft });
}

export function pickAttachments(draftId: string): Promise<DraftView> {
  return call("pick_attachments", { draft_id: draftId });
}

export function removeAttachment(draftId: string, attachmentId: string): Promise<DraftView> {
  return call("remove_attachment", { draft_id: draftId, attachment_id: attachmentId });
}

export function submitDraft(draftId: string): Promise<SubmitResult> {
  return call("submit_draft", { draft_id: draftId });
}

export function history(connectionId: string): Promise<HistoryEntry[]> {
  return call("history", { connection_id: connectionId });
}

/** Tries every waiting invoice again now; returns how many. Results arrive as submit-status. */
export function retryOutbox(): Promise<number> {
  return call("retry_outbox");
}

// ---- the invoices the system holds (History's second view) ----

/** Whether the connection's system reads invoices, and the actions it declares. */
export function invoiceReader(connectionId: string): Promise<ReaderInfo> {
  return call("invoice_reader", { connection_id: connectionId });
}

/** The list from the local copy, at once (`cached: true`). */
export function cachedInvoices(connectionId: string, query: InvoiceQuery): Promise<InvoiceList> {
  return call("cached_invoices", { connection_id: connectionId, query });
}

/** One page from the system; `cursor` from the previous page (null: the first). */
export function listInvoices(
  connectionId: string,
  query: InvoiceQuery,
  cursor: string | null,
): Promise<InvoiceList> {
  return call("list_invoices", { connection_id: connectionId, query, cursor });
}

export function openInvoice(
  connectionId: string,
  administrationId: string | null,
  id: string,
): Promise<InvoiceDetail> {
  return call("open_invoice", {
    connection_id: connectionId,
    administration_id: administrationId ?? "",
    id,
  });
}

/** Does a declared action; a retry with the same values reuses the request's key (kept in Rust). */
export function invoiceAction(
  connectionId: string,
  administrationId: string | null,
  id: string,
  action: string,
  values: Record<string, string>,
): Promise<ActionDone> {
  return call("invoice_action", {
    connection_id: connectionId,
    administration_id: administrationId ?? "",
    id,
    action,
    values,
  });
}

/** One of an opened invoice's texts, made safe in Rust: sanitised HTML, or plain text. */
export function invoiceText(connectionId: string, id: string, which: string): Promise<ShownText> {
  return call("invoice_text", { connection_id: connectionId, id, which });
}

/** A new draft on the connection from an invoice sent from here, with its customer and lines. */
export function startFromSent(connectionId: string, draftId: string): Promise<StartedDraft> {
  return call("start_from_sent", { connection_id: connectionId, draft_id: draftId });
}

/** A new draft on the connection from an invoice its system holds (read again in Rust). */
export function startFromInvoice(
  connectionId: string,
  administrationId: string | null,
  id: string,
): Promise<StartedDraft> {
  return call("start_from_invoice", {
    connection_id: connectionId,
    administration_id: administrationId ?? "",
    id,
  });
}

/** Opens the document (PDF) of a sent invoice in the system viewer; Rust takes the address
 * the system answered for this outbox entry, never one from here. */
export function openDocument(draftId: string): Promise<void> {
  return call("open_document", { draft_id: draftId });
}

function on<T>(event: string, handler: (payload: T) => void): Promise<UnlistenFn> {
  return listen<T>(event, (e) => handler(e.payload));
}

export function onSyncStatus(handler: (status: SyncStatus) => void): Promise<UnlistenFn> {
  return on("sync-status", handler);
}

export function onUploadProgress(handler: (p: UploadProgress) => void): Promise<UnlistenFn> {
  return on("upload-progress", handler);
}

export function onSubmitStatus(handler: (s: SubmitStatus) => void): Promise<UnlistenFn> {
  return on("submit-status", handler);
}

export function onListSynced(handler: (e: ListSynced) => void): Promise<UnlistenFn> {
  return on("list-synced", handler);
}
