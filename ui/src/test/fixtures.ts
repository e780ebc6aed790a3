import type {
  Capabilities,
  Draft,
  DraftLine,
  DraftView,
  Evaluation,
  HistoryEntry,
  Product,
  ReadyConnection,
  Relation,
  SyncStatus,
} from "../lib/types";

export const caps: Capabilities = {
  kind: "afas",
  vat_rates: [
    { code: "high", percent: "21", label: { nl: "Hoog (21%)", en: "High (21%)" } },
    { code: "low", percent: "9", label: { nl: "Laag (9%)", en: "Low (9%)" } },
    { code: "zero", percent: "0", label: { nl: "Nul (0%)", en: "Zero (0%)" } },
  ],
  rounding: "per_total",
  price_bases: ["excl_vat", "incl_vat"],
  product_required: true,
  quantity_dp: 4,
  price_dp: 2,
  max_lines: null,
  administrations: true,
  addresses: true,
  attachments: true,
  max_attachment_bytes: 10_000_000,
  creates_invoices: true,
  header_fields: [
    {
      key: "payment_method",
      label: { nl: "Betaalwijze", en: "Payment method" },
      kind: {
        type: "choice",
        options: [
          { value: "transfer", label: { nl: "Overboeking", en: "Bank transfer" } },
          { value: "cash", label: { nl: "Contant", en: "Cash" } },
        ],
      },
      required: true,
      default: "transfer",
      help: null,
    },
    {
      key: "to_be_invoiced",
      label: { nl: "Direct factureren", en: "Invoice straight away" },
      kind: { type: "bool" },
      required: false,
      default: "true",
      help: null,
    },
    {
      key: "send_email",
      label: { nl: "Factuur mailen", en: "E-mail the invoice" },
      kind: { type: "bool" },
      required: false,
      default: "false",
      help: null,
    },
  ],
  line_fields: [],
};

export const connection: ReadyConnection = {
  id: "conn-1",
  kind: "afas",
  name: "Test AFAS",
  base_url: "https://12345.afasfocus.nl/production",
  auth: "app_token",
  demo: false,
  administration_id: "1",
  has_secret: true,
  oauth_client_id: null,
  oauth_redirect_port: null,
  settings: {},
  capabilities: caps,
};

export const sync: SyncStatus = {
  connection_id: "conn-1",
  running: false,
  relations: 1234,
  products: 500,
  last_synced_at: "2025-11-21T09:42:00Z",
  error: null,
  seq: 1,
};

export function relation(id: string, name: string): Relation {
  return {
    id,
    kind: "organisation",
    name,
    number: id.replace(/\D/g, "") || "1",
    email: `info@${name.toLowerCase().replace(/\W/g, "")}.nl`,
    city: "Delft",
    vat_number: null,
    archived: false,
  };
}

export const product: Product = {
  id: "p-1",
  code: "ARB-U",
  description: "Arbeid per uur",
  price_excl: "67.73",
  price_incl: "81.95",
  vat_code: "high",
  group: null,
  archived: false,
};

let lineCounter = 0;

export function line(over: Partial<DraftLine> = {}): DraftLine {
  lineCounter++;
  return {
    id: `line-${lineCounter}`,
    product: null,
    description: "",
    quantity: "1",
    unit_price: "",
    vat_code: "high",
    extra_description: "",
    extra: {},
    ...over,
  };
}

export function draft(over: Partial<Draft> = {}): Draft {
  return {
    id: "draft-1",
    connection_id: "conn-1",
    administration_id: "1",
    relation: null,
    address_id: null,
    issue_date: "2025-11-21",
    reference: "",
    price_basis: "excl_vat",
    lines: [line()],
    attachments: [],
    extra: { payment_method: "transfer", to_be_invoiced: "true", send_email: "false" },
    identity: "ident-1",
    updated_at: "2025-11-21T09:00:00Z",
    ...over,
  };
}

export function evaluation(over: Partial<Evaluation> = {}): Evaluation {
  return {
    totals: { lines: [], rates: [], net: "0", vat: "0", gross: "0" },
    line_amounts: [],
    issues: [],
    warnings: [],
    ...over,
  };
}

export function draftView(d: Draft = draft(), e: Evaluation = evaluation()): DraftView {
  return { draft: d, evaluation: e };
}

/** A promise with its resolve and reject at hand. */
export function deferred<T>(): {
  promise: Promise<T>;
  resolve: (v: T) => void;
  reject: (e: unknown) => void;
} {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Silvasoft with its bookkeeping module: no administrations, addresses or attachments. */
export const silvasoftCaps: Capabilities = {
  ...caps,
  kind: "silvasoft",
  rounding: "per_line",
  price_bases: ["incl_vat", "excl_vat"],
  product_required: false,
  quantity_dp: 2,
  price_dp: 2,
  max_lines: 75,
  administrations: false,
  addresses: false,
  attachments: false,
  max_attachment_bytes: null,
  header_fields: [
    {
      key: "invoice_file_url",
      label: { nl: "Factuurbestand (webadres)", en: "Invoice file (web address)" },
      kind: { type: "url", extensions: [".jpg", ".png", ".pdf", ".doc", ".docx", ".gif"] },
      required: false,
      default: null,
      help: null,
    },
  ],
  line_fields: [
    {
      key: "cost_center",
      label: { nl: "Kostenplaats", en: "Cost centre" },
      kind: { type: "text", max_len: 50 },
      required: false,
      default: null,
      help: null,
    },
    {
      key: "ledger_account_number",
      label: { nl: "Grootboekrekening", en: "Ledger account" },
      kind: { type: "text", max_len: null },
      required: false,
      default: null,
      help: null,
    },
  ],
  app_numbering: 2026001,
};

export const silvasoftConnection: ReadyConnection = {
  id: "silva-1",
  kind: "silvasoft",
  name: "Demo – Silvasoft (boekhouding)",
  base_url: "https://rest-api.silvasoft.nl",
  auth: "api_key",
  demo: false,
  administration_id: null,
  has_secret: true,
  oauth_client_id: null,
  oauth_redirect_port: null,
  settings: { username: "boekhouding@bakker.nl", module: "bookkeeping", numbering: "app", first_invoice_number: "2026001" },
  capabilities: silvasoftCaps,
};

export function silvasoftDraft(over: Partial<Draft> = {}): Draft {
  return draft({
    connection_id: "silva-1",
    administration_id: null,
    price_basis: "incl_vat",
    extra: {},
    ...over,
  });
}

/** One row of the history. */
export function historyEntry(over: Partial<HistoryEntry> = {}): HistoryEntry {
  return {
    draft_id: "d-1",
    identity: "i-1",
    state: "sent",
    relation_name: "Jansen Bouw B.V.",
    total_gross: "1234.56",
    remote_id: null,
    number: null,
    updated_at: "2025-11-21T09:00:00Z",
    message: null,
    issue_date: "2025-11-21",
    attempts: 1,
    next_attempt_at: null,
    ...over,
  };
}
