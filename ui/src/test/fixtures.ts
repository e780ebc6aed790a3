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
import generatedCapabilities from "../lib/generated/capabilities.json";

/** What the real connectors declare, generated from the Rust side (ui/src/lib/generated/). */
const real = generatedCapabilities as unknown as Record<
  "afas" | "silvasoft_bookkeeping" | "silvasoft_invoicing",
  Capabilities
>;

/** AFAS SB, exactly as its connector declares it. */
export const caps: Capabilities = real.afas;

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
    extra: { payment_method: "banktransfer", to_be_invoiced: "true", send_email: "false" },
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

/** Silvasoft with its bookkeeping module: no administrations, addresses or attachments. The
 * app numbers its invoices from 2026001 (the connection's settings below). */
export const silvasoftCaps: Capabilities = { ...real.silvasoft_bookkeeping, app_numbering: 2026001 };

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
