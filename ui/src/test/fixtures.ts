import type {
  Capabilities,
  ConnectorDescription,
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
import generatedConnectors from "../lib/generated/connectors.json";

// Tests take the systems from what the real connectors export (ui/src/lib/generated/), by
// position, so they cannot drift from them and name no system.

/** Every connector as it describes itself, in the generated order. */
export const connectors = Object.values(generatedConnectors) as ConnectorDescription[];

/** Every set of capabilities the real connectors declare, in the generated order. */
export const declared = Object.values(generatedCapabilities) as unknown as Capabilities[];

function describedAs(c: Capabilities): ConnectorDescription {
  const d = connectors.find((x) => x.id === c.kind);
  if (!d) throw new Error(`no connector describes ${c.kind}`);
  return d;
}

/** The first system, exactly as its connector declares it: administrations, addresses,
 * attachments, a sign-in with a token or through the browser. */
export const caps: Capabilities = declared[0];
export const firstSystem: ConnectorDescription = describedAs(caps);

export const connection: ReadyConnection = {
  id: "conn-1",
  kind: caps.kind,
  name: "Test office",
  base_url: "https://12345.example.nl/production",
  auth: firstSystem.sign_in[0].id,
  demo: false,
  administration_id: "1",
  has_secret: true,
  credentials: {},
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
  line_defaults: {},
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

/** The second set of capabilities: a system without administrations, addresses or
 * attachments, prices incl. VAT. The app numbers its invoices from 2026001 (the connection's
 * settings below). */
export const secondCaps: Capabilities = {
  // The first system that sends, without administrations (the generated files list the systems by id, so
  // a system added later may come before it).
  ...(declared.find((c) => !c.administrations && c.creates_invoices) ?? declared[1]),
  app_numbering: 2026001,
};
export const secondSystem: ConnectorDescription = describedAs(secondCaps);

export const secondConnection: ReadyConnection = {
  id: "second-1",
  kind: secondCaps.kind,
  name: "Bakker – bookkeeping",
  base_url: secondSystem.url.default,
  auth: secondSystem.sign_in[0].id,
  demo: false,
  administration_id: null,
  has_secret: true,
  credentials: {},
  settings: { username: "boekhouding@bakker.nl", module: "bookkeeping", numbering: "app", first_invoice_number: "2026001" },
  capabilities: secondCaps,
};

export function secondDraft(over: Partial<Draft> = {}): Draft {
  return draft({
    connection_id: "second-1",
    administration_id: null,
    price_basis: "incl_vat",
    extra: {},
    ...over,
  });
}

/** A made-up system whose invoices can be read but not created: no writer. */
export const readOnlySystem: ConnectorDescription = {
  ...firstSystem,
  id: "ledgerview",
  name: "Ledgerview",
  writes: false,
  reads: true,
};

export const readOnlyConnection: ReadyConnection = {
  ...connection,
  id: "ro-1",
  kind: "ledgerview",
  name: "Archive",
  capabilities: { ...caps, kind: "ledgerview", creates_invoices: false },
};

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
