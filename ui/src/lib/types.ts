// The shapes that cross IPC, as docs/ipc.md declares them. All fields are snake_case and all
// amounts are decimal strings.

export type Lang = "nl" | "en";

export interface Text {
  nl: string;
  en: string;
}

export type ErrorCode =
  | "validation"
  | "refused"
  | "auth_failed"
  | "forbidden"
  | "rate_limited"
  | "offline"
  | "uncertain"
  | "server_error"
  | "bad_response"
  | "not_found"
  | "config"
  | "keyring_unavailable"
  | "store"
  | "store_corrupt"
  | "store_locked"
  | "disk_full"
  | "io"
  | "cancelled"
  | "internal";

export interface IpcFieldError {
  field: string;
  message: string;
}

export interface IpcError {
  code: ErrorCode;
  message: string;
  field?: string;
  detail?: string;
  fields?: IpcFieldError[];
}

export type BackendKind = "afas" | "silvasoft" | "bloxs" | "mollie" | "bouwsoft";
export type PriceBasis = "excl_vat" | "incl_vat";
export type Rounding = "per_line" | "per_total";
export type AuthMethod = "app_token" | "oauth" | "api_key";

export interface VatRate {
  code: string;
  percent: string;
  label: Text;
}

export interface Choice {
  value: string;
  label: Text;
}

export type FieldKind =
  | { type: "text"; max_len: number | null }
  | { type: "bool" }
  | { type: "date" }
  | { type: "number"; max_dp: number }
  | { type: "choice"; options: Choice[] }
  /** An http(s) address whose path must end in one of `extensions` (e.g. ".pdf"), when given. */
  | { type: "url"; extensions: string[] };

export interface FieldSpec {
  key: string;
  label: Text;
  kind: FieldKind;
  required: boolean;
  default: string | null;
  help: Text | null;
}

export interface Capabilities {
  kind: BackendKind;
  vat_rates: VatRate[];
  rounding: Rounding;
  price_bases: PriceBasis[];
  product_required: boolean;
  quantity_dp: number;
  price_dp: number;
  max_lines: number | null;
  administrations: boolean;
  addresses: boolean;
  attachments: boolean;
  max_attachment_bytes: number | null;
  creates_invoices: boolean;
  header_fields: FieldSpec[];
  line_fields: FieldSpec[];
  /** The first number the app gives invoices itself, when it numbers them (optional in the JSON). */
  app_numbering?: number | null;
  /** Whether a customer without a number is found by name, the first of several (optional). */
  matches_customer_by_name?: boolean;
}

export interface ConnectionView {
  id: string;
  kind: BackendKind;
  name: string;
  base_url: string;
  auth: AuthMethod | "none";
  demo: boolean;
  administration_id: string | null;
  has_secret: boolean;
  oauth_client_id: string | null;
  oauth_redirect_port: number | null;
  /** Non-secret settings of the system, e.g. Silvasoft's username and module. */
  settings: Record<string, string>;
  /** Null when the connection cannot be built yet (e.g. no secret stored). */
  capabilities: Capabilities | null;
}

/** A connection whose back end could be built: it has capabilities. */
export type ReadyConnection = ConnectionView & { capabilities: Capabilities };

export function isReady(c: ConnectionView | null | undefined): c is ReadyConnection {
  return !!c && c.capabilities !== null && c.capabilities !== undefined;
}

export interface ConnectionInput {
  id: string | null;
  kind: BackendKind;
  name: string;
  base_url: string;
  auth: AuthMethod;
  /** The app token or API key; null keeps the stored one. */
  secret: string | null;
  oauth_client_id: string | null;
  oauth_client_secret: string | null;
  oauth_redirect_port: number | null;
  /** Non-secret settings of the system; the secret goes in `secret`. */
  settings: Record<string, string>;
}

export interface Administration {
  id: string;
  name: string;
}

export type RelationKind = "person" | "organisation" | "unknown";

export interface Relation {
  id: string;
  kind: RelationKind;
  name: string;
  number: string | null;
  email: string | null;
  city: string | null;
  vat_number: string | null;
  archived: boolean;
}

export interface Product {
  id: string;
  code: string | null;
  description: string;
  price_excl: string | null;
  price_incl: string | null;
  vat_code: string | null;
  group: string | null;
  archived: boolean;
}

export interface Address {
  id: string;
  relation_id: string;
  street: string;
  house_number: string;
  postal_code: string;
  city: string;
  country: string;
  preferred_invoice: boolean;
}

export interface DraftLine {
  id: string;
  product: Product | null;
  description: string;
  quantity: string;
  unit_price: string;
  vat_code: string;
  extra_description: string;
  extra: Record<string, string>;
}

/**
 * A file recorded by the Rust side when the clerk picked it (pick_attachments). Read-only here:
 * save_draft keeps the stored records whatever is sent back; the web view refers to one only by
 * its id (remove_attachment).
 */
export interface DraftAttachment {
  readonly id: string;
  /** Where the file is; shown as a hint, never used to choose what is read. */
  readonly path: string;
  readonly file_name: string;
  readonly size: number;
  /** SHA-256 of the content when picked (hex); "" for files attached before it was kept. */
  readonly sha256: string;
  readonly content_type: string;
  readonly remote_ref: string | null;
}

export interface Draft {
  id: string;
  connection_id: string;
  administration_id: string | null;
  relation: Relation | null;
  address_id: string | null;
  issue_date: string;
  reference: string;
  price_basis: PriceBasis;
  lines: DraftLine[];
  attachments: DraftAttachment[];
  extra: Record<string, string>;
  identity: string;
  updated_at: string;
}

export interface LineAmounts {
  net: string;
  vat: string;
  gross: string;
}

export interface RateTotal {
  vat_code: string;
  percent: string;
  net: string;
  vat: string;
  gross: string;
}

export interface Totals {
  lines: LineAmounts[];
  rates: RateTotal[];
  net: string;
  vat: string;
  gross: string;
}

export interface FieldIssue {
  field: string;
  message: Text;
}

export interface Evaluation {
  totals: Totals;
  line_amounts: (LineAmounts | null)[];
  issues: FieldIssue[];
  /** Notes that do not block sending, e.g. several customers share this name. */
  warnings: FieldIssue[];
}

export interface DraftView {
  draft: Draft;
  evaluation: Evaluation;
}

export interface SyncStatus {
  connection_id: string;
  running: boolean;
  relations: number;
  products: number;
  last_synced_at: string | null;
  error: IpcError | null;
  /** Numbers the snapshot: higher is newer (per app run); older ones are ignored. */
  seq: number;
}

/** `needs_attention`: the stored invoice cannot be read; it is not sent and waits for the clerk. */
export type SubmissionState = "draft" | "queued" | "sending" | "sent" | "refused" | "uncertain" | "needs_attention";

export interface SubmitResult {
  state: SubmissionState;
  remote_id: string | null;
  number: string | null;
  message: string;
  error: IpcError | null;
  next: DraftView | null;
}

export interface AppInfo {
  version: string;
  lang: Lang;
  /** Whether the active connection is the built-in demo. */
  demo: boolean;
  active_connection_id: string | null;
  store_warning: string | null;
  /** The store could not be opened: why and what to do. The app shows only this. */
  store_error?: string | null;
}

export interface HistoryEntry {
  draft_id: string;
  identity: string;
  state: SubmissionState;
  relation_name: string;
  total_gross: string;
  remote_id: string | null;
  number: string | null;
  updated_at: string;
  message: string | null;
  /** The invoice date ("2026-01-31"), when the outbox row still holds the invoice. */
  issue_date: string | null;
  /** How often sending was tried. */
  attempts: number;
  /** When a waiting invoice is tried again. */
  next_attempt_at: string | null;
}

export interface UploadProgress {
  draft_id: string;
  attachment_id: string;
  sent: number;
  total: number;
}

export interface SubmitStatus {
  draft_id: string;
  state: SubmissionState;
  message: string;
}
