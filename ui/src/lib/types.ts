// The shapes that cross IPC. They are generated from the Rust types into ./generated/ (see
// docs/ipc.md); this module re-exports them under the names the UI uses and adds the few
// UI-side helpers. Do not declare an IPC shape by hand here: change the Rust type and
// regenerate (INVOICE_DESK_WRITE_GENERATED=1 cargo test -p invoice-desk --lib generated).

import type { Capabilities } from "./generated/Capabilities";
import type { ConnectionView } from "./generated/ConnectionView";
import type { SubmissionState } from "./generated/SubmissionState";

export type { ActionDone } from "./generated/ActionDone";
export type { Address } from "./generated/Address";
export type { Administration } from "./generated/Administration";
export type { AppInfo } from "./generated/AppInfo";
export type { FirstAnswers } from "./generated/FirstAnswers";
export type { BackendAnswer } from "./generated/BackendAnswer";
export type { Capabilities } from "./generated/Capabilities";
export type { Choice } from "./generated/Choice";
export type { Condition } from "./generated/Condition";
export type { ConnectionInput } from "./generated/ConnectionInput";
export type { ConnectionView } from "./generated/ConnectionView";
export type { ConnectorDescription } from "./generated/ConnectorDescription";
export type { CredentialSpec } from "./generated/CredentialSpec";
export type { Draft } from "./generated/Draft";
export type { DiscountKind } from "./generated/DiscountKind";
export type { DiscountSupport } from "./generated/DiscountSupport";
export type { DiscountTotals } from "./generated/DiscountTotals";
export type { DraftAttachment } from "./generated/DraftAttachment";
export type { DraftDiscount } from "./generated/DraftDiscount";
export type { DraftLine } from "./generated/DraftLine";
export type { DraftView } from "./generated/DraftView";
export type { ErrorCode } from "./generated/ErrorCode";
export type { Evaluation } from "./generated/Evaluation";
export type { FieldIssue } from "./generated/FieldIssue";
export type { FieldKind } from "./generated/FieldKind";
export type { FieldSpec } from "./generated/FieldSpec";
export type { HeaderField } from "./generated/HeaderField";
export type { HeaderKey } from "./generated/HeaderKey";
export type { HistoryEntry } from "./generated/HistoryEntry";
export type { InvoiceActionSpec } from "./generated/InvoiceActionSpec";
export type { InvoiceDetail } from "./generated/InvoiceDetail";
export type { InvoiceLineRead } from "./generated/InvoiceLineRead";
export type { InvoiceList } from "./generated/InvoiceList";
export type { InvoiceQuery } from "./generated/InvoiceQuery";
export type { InvoiceState } from "./generated/InvoiceState";
export type { InvoiceSort } from "./generated/InvoiceSort";
export type { InvoiceColumn } from "./generated/InvoiceColumn";
export type { InvoiceSummary } from "./generated/InvoiceSummary";
export type { InvoiceTextRef } from "./generated/InvoiceTextRef";
export type { TextFormat } from "./generated/TextFormat";
export type { InvoiceVat } from "./generated/InvoiceVat";
export type { IpcError } from "./generated/IpcError";
export type { IpcFieldError } from "./generated/IpcFieldError";
export type { Lang } from "./generated/Lang";
export type { LineAmounts } from "./generated/LineAmounts";
export type { ListScope } from "./generated/ListScope";
export type { ListSearch } from "./generated/ListSearch";
export type { ListSpec } from "./generated/ListSpec";
export type { ListSynced } from "./generated/ListSynced";
export type { LookupFilter } from "./generated/LookupFilter";
export type { LookupItem } from "./generated/LookupItem";
export type { PriceBasis } from "./generated/PriceBasis";
export type { Product } from "./generated/Product";
export type { ReaderInfo } from "./generated/ReaderInfo";
export type { RateTotal } from "./generated/RateTotal";
export type { Recipient } from "./generated/Recipient";
export type { RecipientInput } from "./generated/RecipientInput";
export type { Relation } from "./generated/Relation";
export type { RelationKind } from "./generated/RelationKind";
export type { RelationSource } from "./generated/RelationSource";
export type { Rounding } from "./generated/Rounding";
export type { SettingSpec } from "./generated/SettingSpec";
export type { ShownText } from "./generated/ShownText";
export type { StartedDraft } from "./generated/StartedDraft";
export type { SignInMethod } from "./generated/SignInMethod";
export type { SubmissionState } from "./generated/SubmissionState";
export type { SubmitResult } from "./generated/SubmitResult";
export type { SyncStatus } from "./generated/SyncStatus";
export type { TotalCompared } from "./generated/TotalCompared";
export type { TotalKey } from "./generated/TotalKey";
export type { Text } from "./generated/Text";
export type { Totals } from "./generated/Totals";
export type { VatRate } from "./generated/VatRate";

/** A connection whose back end could be built: it has capabilities. */
export type ReadyConnection = ConnectionView & { capabilities: Capabilities };

export function isReady(c: ConnectionView | null | undefined): c is ReadyConnection {
  return !!c && c.capabilities !== null && c.capabilities !== undefined;
}

// The payloads of two events are built as JSON in the shell, not from a Rust type.

/** `upload-progress`. */
export interface UploadProgress {
  draft_id: string;
  attachment_id: string;
  sent: number;
  total: number;
}

/** `submit-status`: `message` is the reason, in the clerk's language, when not sent. */
export interface SubmitStatus {
  draft_id: string;
  connection_id: string;
  state: SubmissionState;
  message: string;
}
