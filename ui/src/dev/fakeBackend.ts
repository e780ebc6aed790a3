// A stand-in for the Rust side, for `npm run dev` in an ordinary browser only (main.ts loads it
// when there is no Tauri). It answers the commands of docs/ipc.md with sample data so the form
// can be looked at and clicked through. It is never part of a production build.
//
// Reference words that steer submit_draft: "refuse" → refused with field errors, "queue" →
// queued, "uncertain" → uncertain, "offline" → an offline error, "difference" → sent with a
// note about the total; anything else is sent.
//
// The outbox works like the Rust side's: waiting invoices are tried again in the background on a
// backoff schedule (5 s doubling), each attempt reported as a submit-status event. A "queue"
// invoice is sent on its third attempt; an "uncertain" one is found by the look-up on its third.
// The first demo connection starts with an invoice that keeps failing until "Try again now", one
// whose arrival stays uncertain until then, and one that the background sends 2 s after start;
// the second demo has one that is sent a few seconds later.
//
// The systems and their capabilities are what the real connectors export (lib/generated/): one
// demo connection per set of capabilities, so the fake cannot drift from them and names no
// system. A set keyed `<system>_<value>` belongs to the connection whose choice setting has that
// value.

import type {
  Address,
  AppInfo,
  Capabilities,
  ConnectionInput,
  ConnectionView,
  ConnectorDescription,
  Draft,
  DraftDiscount,
  DraftView,
  Evaluation,
  FieldIssue,
  HistoryEntry,
  InvoiceActionSpec,
  InvoiceDetail,
  InvoiceQuery,
  InvoiceState,
  InvoiceSummary,
  Lang,
  LineAmounts,
  LookupItem,
  Product,
  RateTotal,
  Recipient,
  RecipientInput,
  Relation,
  SyncStatus,
} from "../lib/types";
import generatedCapabilities from "../lib/generated/capabilities.json";
import { chooseConnection } from "../lib/app.svelte";
import { fieldRequired, fieldShown } from "../lib/fields";
import { applies } from "../lib/connectionKinds";
import generatedConnectors from "../lib/generated/connectors.json";

type Args = Record<string, unknown>;
type Callback = (data: unknown) => void;

const SCALE = 1_000_000n;

function toFixed(s: string): bigint | null {
  let t = s.trim().replace(/^€/, "").replace(/\s/g, "");
  if (t === "") return null;
  const neg = t.startsWith("-");
  if (neg) t = t.slice(1);
  const lastDot = t.lastIndexOf(".");
  const lastComma = t.lastIndexOf(",");
  const dec = lastComma > lastDot ? "," : ".";
  const group = dec === "," ? "." : ",";
  t = t.split(group).join("").replace(dec, ".");
  if (!/^\d*(\.\d*)?$/.test(t) || t === "" || t === ".") return null;
  const [i, f = ""] = t.split(".");
  const v = BigInt(i || "0") * SCALE + BigInt((f + "000000").slice(0, 6));
  return neg ? -v : v;
}

function roundCents(v: bigint): bigint {
  const unit = SCALE / 100n;
  const neg = v < 0n;
  const a = neg ? -v : v;
  const r = ((a + unit / 2n) / unit) * unit;
  return neg ? -r : r;
}

function str(v: bigint): string {
  const neg = v < 0n;
  const a = neg ? -v : v;
  const cents = a / (SCALE / 100n);
  const s = `${cents / 100n}.${String(cents % 100n).padStart(2, "0")}`;
  return (neg && cents !== 0n ? "-" : "") + s;
}

// What the real connectors describe and declare, generated from the Rust side.
const connectors = Object.values(generatedConnectors) as ConnectorDescription[];
const declared = Object.entries(generatedCapabilities as unknown as Record<string, Capabilities>);
const firstCaps = declared[0][1];

function connectorOf(kind: string): ConnectorDescription | undefined {
  return connectors.find((c) => c.id === kind);
}

/**
 * The capabilities of a connection: the set declared for its system, or for its system with
 * one of its settings' values. A whole number the clerk set (a first invoice number) makes
 * the app number the invoices, as the real connectors do.
 */
function capsFor(kind: string, settings: Record<string, string>, auth: string): Capabilities {
  const values = new Set(Object.values(settings));
  const own = declared.filter(([, c]) => c.kind === kind);
  const found =
    own.find(([key]) => key !== kind && values.has(key.slice(kind.length + 1)))?.[1] ??
    own.find(([key]) => key === kind)?.[1] ??
    own[0]?.[1] ??
    firstCaps;
  const digits = (connectorOf(kind)?.settings ?? []).find((f) => f.input === "digits" && applies(f, settings, auth));
  const first = digits ? Number.parseInt(settings[digits.key] ?? "", 10) : Number.NaN;
  return { ...found, app_numbering: first > 0 ? first : found.app_numbering };
}

/** The settings of a demo connection for one declared set: defaults, that set's value, a number. */
function demoSettings(key: string, kind: string, auth: string): Record<string, string> {
  const out: Record<string, string> = {};
  const wanted = key.slice(kind.length + 1);
  for (const f of connectorOf(kind)?.settings ?? []) {
    out[f.key] = f.options.some((o) => o.value === wanted) ? wanted : f.default;
  }
  for (const f of connectorOf(kind)?.settings ?? []) {
    if (!applies(f, out, auth) || out[f.key] !== "") continue;
    if (f.input === "digits") out[f.key] = "90000001";
    else if (f.input === "email") out[f.key] = "demo@invoicedesk.nl";
  }
  return out;
}

function demoConnection(id: string, key: string, caps: Capabilities): ConnectionView {
  const kind = caps.kind;
  const settings = demoSettings(key, kind, "none");
  const variant = key === kind ? "" : ` (${key.slice(kind.length + 1)})`;
  return {
    id,
    kind,
    name: `Demo – ${connectorOf(kind)?.name ?? kind}${variant}`,
    base_url: "",
    auth: "none",
    demo: true,
    administration_id: caps.administrations ? "1" : null,
    has_secret: false,
    credentials: {},
    settings,
    capabilities: capsFor(kind, settings, "none"),
  };
}

const connections: ConnectionView[] = declared.map(([key, caps], i) => demoConnection(i === 0 ? "demo" : `demo-${i + 1}`, key, caps));

function connCaps(connectionId: string): Capabilities {
  return connections.find((c) => c.id === connectionId)?.capabilities ?? firstCaps;
}

function systemOf(connectionId: string): string {
  const kind = connections.find((c) => c.id === connectionId)?.kind ?? firstCaps.kind;
  return connectorOf(kind)?.name ?? kind;
}

const FIRST = ["Jansen", "De Vries", "Bakker", "Visser", "Smit", "Meijer", "Mulder", "De Boer", "Peeters", "Claes", "Maes", "Willems", "Dekker", "Van Dijk", "Bos"];
const KINDS = ["Installatietechniek", "Bouw", "Advies", "Transport", "Schilderwerken", "Dakwerken"];
const CITIES = ["Delft", "Utrecht", "Zwolle", "Antwerpen", "Gent", "Groningen", "Eindhoven", "Leuven", "Haarlem", "Breda"];

const relations: Relation[] = [
  { id: "r-div", kind: "unknown", name: "Diverse debiteuren", number: "99999", email: null, city: null, vat_number: null, archived: false },
];
let n = 10001;
for (const f of FIRST) {
  for (const k of KINDS) {
    const city = CITIES[(n * 7) % CITIES.length];
    relations.push({
      id: `r-${n}`,
      kind: "organisation",
      name: `${f} ${k} B.V.`,
      number: String(n),
      email: `info@${f.toLowerCase().replace(/\s/g, "")}-${k.toLowerCase()}.nl`,
      city,
      vat_number: null,
      archived: false,
    });
    n++;
  }
  relations.push({
    id: `r-${n}`,
    kind: "person",
    name: `M. ${f}`,
    number: String(n),
    email: `m.${f.toLowerCase().replace(/\s/g, "")}@example.nl`,
    city: CITIES[n % CITIES.length],
    vat_number: null,
    archived: false,
  });
  n++;
}

// Two customers with one name and no number: a system that matches by name would take the first.
relations.push(
  { id: "r-dup-1", kind: "organisation", name: "Jansen Bouw B.V.", number: null, email: null, city: "Gent", vat_number: null, archived: false },
);

const products: Product[] = [
  ["ARB-U", "Arbeid per uur", "67.73", "81.95", "high"],
  ["KM", "Kilometervergoeding", "0.537190", "0.65", "high"],
  ["VOORR", "Voorrijkosten", "37.50", "45.38", "high"],
  ["MAT-KL", "Klein materiaal", "12.40", "15.00", "high"],
  ["BOEK-01", "Handboek installatie", "24.50", "26.71", "low"],
  ["CONS", "Consultancy dagdeel", "425.00", "514.25", "high"],
  ["OPL", "Opleiding (vrijgesteld)", "350.00", "350.00", "zero"],
  ["ONDH-J", "Onderhoudscontract jaar", "1234.56", "1493.82", "high"],
].map(([code, description, excl, incl, vat], i) => ({
  id: `p-${i}`,
  code,
  description,
  price_excl: excl,
  price_incl: incl,
  vat_code: vat,
  group: null,
  archived: false,
  line_defaults: {},
}));

/** The connection's own code for one of the sample rates (the samples use the first system's codes). */
function vatCodeFor(connectionId: string, sample: string | null): string | null {
  const percent = firstCaps.vat_rates.find((r) => r.code === sample)?.percent;
  return connCaps(connectionId).vat_rates.find((r) => r.percent === percent)?.code ?? sample;
}

let active = "demo";

function info(): AppInfo {
  const c = connections.find((x) => x.id === active);
  return { version: "0.1.0-dev", lang, demo: c?.demo ?? false, active_connection_id: active, store_warning: null, store_error: null };
}

let lang: Lang = navigator.language.toLowerCase().startsWith("nl") ? "nl" : "en";
const drafts = new Map<string, Draft>();
/** How a waiting invoice fares in the background (see the top of this file). */
type Plan = "normal" | "queue" | "uncertain" | "stuck" | "unsure";
interface OutboxRow extends HistoryEntry {
  connection_id: string;
  plan: Plan;
}
const history: OutboxRow[] = [];
const syncs = new Map<string, SyncStatus>();
let syncSeq = 0;

function syncOf(connectionId: string): SyncStatus {
  let s = syncs.get(connectionId);
  if (!s) {
    s = { connection_id: connectionId, running: true, relations: 0, products: 0, last_synced_at: null, error: null, seq: ++syncSeq };
    syncs.set(connectionId, s);
  }
  return s;
}

function finishSync(connectionId: string): void {
  const s: SyncStatus = {
    ...syncOf(connectionId),
    running: false,
    relations: relations.length,
    products: products.length,
    last_synced_at: new Date().toISOString(),
    seq: ++syncSeq,
  };
  syncs.set(connectionId, s);
  emit("sync-status", s);
}

const numbers = new Map<string, number>();
let ownNumber = 118;

/**
 * The id and number the demo back end gives an invoice it creates: with app numbering the
 * number is the id; otherwise the system gives a technical id and a number of its own.
 */
function assignNumber(connectionId: string): { remote: string; number: string } {
  const caps = connCaps(connectionId);
  if (caps.app_numbering !== null) {
    const n = numbers.get(connectionId) ?? caps.app_numbering;
    numbers.set(connectionId, n + 1);
    return { remote: String(n), number: String(n) };
  }
  ownNumber++;
  return { remote: String(58100 + ownNumber), number: `V2026000${ownNumber}` };
}

function backoffMs(attempts: number): number {
  return Math.min(5000 * 2 ** Math.max(0, attempts - 1), 600_000);
}

function offlineText(system: string): string {
  return lang === "nl"
    ? `${system} is niet bereikbaar; de factuur blijft in de wachtrij.`
    : `${system} cannot be reached; the invoice stays in the outbox.`;
}

function unsureText(system: string): string {
  return lang === "nl"
    ? `${system} kon nog niet zeggen of de factuur er is; er is niets opnieuw verstuurd.`
    : `${system} could not tell yet whether the invoice is there; nothing was sent again.`;
}

/** One attempt for a waiting invoice; `manual` when the clerk chose "Try again now". */
async function attempt(row: OutboxRow, manual: boolean): Promise<void> {
  const system = systemOf(row.connection_id);
  row.state = "sending";
  row.updated_at = new Date().toISOString();
  await wait(500);
  row.attempts++;
  const now = Date.now();
  const succeeds =
    manual ||
    row.plan === "normal" ||
    ((row.plan === "queue" || row.plan === "uncertain") && row.attempts >= 3);
  if (succeeds) {
    const { remote, number } = assignNumber(row.connection_id);
    Object.assign(row, { state: "sent", remote_id: remote, number, message: null, next_attempt_at: null });
  } else if (row.plan === "uncertain" || row.plan === "unsure") {
    row.state = "uncertain";
    row.message = unsureText(system);
    row.next_attempt_at = new Date(now + backoffMs(row.attempts)).toISOString();
  } else {
    row.state = "queued";
    row.message = offlineText(system);
    row.next_attempt_at = new Date(now + backoffMs(row.attempts)).toISOString();
  }
  row.updated_at = new Date().toISOString();
  const done: HistoryEntry = row;
  emit("submit-status", { draft_id: row.draft_id, state: done.state, message: done.message ?? "" });
}

let workerBusy = false;

/** The background worker: every second, the waiting invoices that are due are tried again. */
async function workerTick(): Promise<void> {
  if (workerBusy) return;
  workerBusy = true;
  try {
    const now = Date.now();
    const due = history.filter(
      (r) => (r.state === "queued" || r.state === "uncertain") && r.next_attempt_at !== null && Date.parse(r.next_attempt_at) <= now,
    );
    for (const row of due) await attempt(row, false);
  } finally {
    workerBusy = false;
  }
}

function seedOutbox(): void {
  const at = (ms: number) => new Date(Date.now() + ms).toISOString();
  const day = new Date();
  day.setDate(day.getDate() - 1);
  const yesterday = day.toISOString();
  const date = (d: Date) => `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
  const row = (over: Partial<OutboxRow> & Pick<OutboxRow, "relation_name" | "total_gross" | "state">): OutboxRow => ({
    draft_id: uuid(),
    identity: uuid(),
    connection_id: "demo",
    plan: "normal",
    remote_id: null,
    number: null,
    updated_at: at(-60_000),
    message: null,
    issue_date: today(),
    attempts: 1,
    next_attempt_at: null,
    ...over,
  });
  history.push(
    row({ relation_name: "Bakker Advies B.V.", total_gross: "81.95", state: "queued", next_attempt_at: at(2000), message: offlineText(systemOf("demo")) }),
    row({ relation_name: "Jansen Installatietechniek B.V.", total_gross: "1234.56", state: "queued", plan: "stuck", attempts: 4, next_attempt_at: at(180_000), message: offlineText(systemOf("demo")) }),
    row({ relation_name: "De Vries Bouw B.V.", total_gross: "605.00", state: "uncertain", plan: "unsure", attempts: 2, next_attempt_at: at(40_000), message: unsureText(systemOf("demo")) }),
    row({ relation_name: "Smit Dakwerken B.V.", total_gross: "2450.00", state: "refused", updated_at: yesterday, issue_date: date(day), message: "Debiteur 10061 is geblokkeerd." }),
    row({ relation_name: "Visser Transport B.V.", total_gross: "514.25", state: "sent", updated_at: yesterday, issue_date: date(day), remote_id: "58231", number: "V2026000117" }),
  );
  const second = connections[1];
  if (second) {
    history.push(
      row({ connection_id: second.id, relation_name: "Peeters Schilderwerken B.V.", total_gross: "363.00", state: "queued", next_attempt_at: at(6000), message: offlineText(systemOf(second.id)) }),
    );
  }
}

function uuid(): string {
  return crypto.randomUUID();
}

function today(): string {
  const d = new Date();
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
}

function defaults(fields: Capabilities["header_fields"]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of fields) if (f.default !== null) out[f.key] = f.default;
  return out;
}

function freshDraft(connectionId: string): Draft {
  const c = connCaps(connectionId);
  return {
    id: uuid(),
    connection_id: connectionId,
    administration_id: c.administrations
      ? (connections.find((x) => x.id === connectionId)?.administration_id ?? null)
      : null,
    relation: null,
    address_id: null,
    issue_date: today(),
    reference: "",
    price_basis: c.price_bases[0] ?? "excl_vat",
    lines: [
      {
        id: uuid(),
        product: null,
        description: "",
        quantity: "1",
        unit_price: "",
        vat_code: c.vat_rates[0]?.code ?? "",
        extra_description: "",
        extra: defaults(c.line_fields),
      },
    ],
    attachments: [],
    extra: defaults(c.header_fields),
    identity: uuid(),
    updated_at: new Date().toISOString(),
  };
}

function text(nl: string, en: string) {
  return { nl, en };
}

/** What a discount takes off `base`, as the real totals take it: an amount as given, or a
 * percentage of `base`, in cents. */
function discountOff(base: bigint, d: DraftDiscount | null | undefined): bigint {
  const v = d ? toFixed(d.value) : null;
  if (!d || v === null) return 0n;
  return d.kind === "amount" ? roundCents(v) : roundCents((base * v) / (100n * SCALE));
}

/** Net and VAT of an amount on a price basis at a percentage (scaled). */
function netAndVat(amount: bigint, pct: bigint, basis: Draft["price_basis"]): [bigint, bigint] {
  const net = basis === "incl_vat" ? roundCents((amount * 100n * SCALE) / (100n * SCALE + pct)) : amount;
  return [net, roundCents((net * pct) / (100n * SCALE))];
}

function evaluate(d: Draft): Evaluation {
  const caps = connCaps(d.connection_id);
  const system = systemOf(d.connection_id);
  const issues: FieldIssue[] = [];
  const warnings: FieldIssue[] = [];
  if (!d.relation) issues.push({ field: "relation", message: text("Kies een relatie (klant).", "Choose a relation (customer).") });
  else if (caps.matches_customer_by_name && d.relation.number === null && relations.filter((r) => r.name === d.relation?.name).length > 1) {
    warnings.push({
      field: "relation",
      message: text(
        `Meer klanten hebben deze naam en deze heeft geen klantnummer; ${system} neemt de eerste.`,
        `Several customers share this name and this one has no customer number; ${system} takes the first.`,
      ),
    });
  }
  for (const f of caps.header_fields) {
    // A hidden field is not checked (and not sent); one can be required under a condition.
    if (!fieldShown(f, d, caps)) continue;
    const v = (d.extra[f.key] ?? "").trim();
    if (v === "") {
      if (fieldRequired(f, d, caps)) issues.push({ field: `extra.${f.key}`, message: text("Vul dit veld in.", "Fill in this field.") });
      continue;
    }
    if (f.kind.type === "url") {
      const path = v.split(/[?#]/)[0].toLowerCase();
      if (!/^https?:\/\//.test(v)) {
        issues.push({ field: `extra.${f.key}`, message: text("Vul een volledig webadres in, beginnend met https://.", "Enter a full web address, starting with https://.") });
      } else if (f.kind.extensions.length > 0 && !f.kind.extensions.some((e) => path.endsWith(e))) {
        const list = f.kind.extensions.join(" ");
        issues.push({ field: `extra.${f.key}`, message: text(`Het adres moet eindigen op een van: ${list}`, `The address must end in one of: ${list}`) });
      }
    }
  }
  if (!caps.attachments && d.attachments.length > 0) {
    issues.push({
      field: "attachments",
      message: text(`${system} neemt via deze koppeling geen bijlagen aan.`, `${system} takes no attachments through this connection.`),
    });
  }
  if (!d.issue_date) issues.push({ field: "issue_date", message: text("Vul de factuurdatum in.", "Enter the invoice date.") });
  const lineAmounts: (LineAmounts | null)[] = [];
  const perRate = new Map<string, { percent: bigint; base: bigint }>();
  const counted: { amount: bigint; code: string; pct: bigint }[] = [];
  let before = 0n;
  let lineOff = 0n;
  let filled = 0;
  d.lines.forEach((l, i) => {
    const blank = !l.product && !l.description.trim() && !l.unit_price.trim() && !l.extra_description.trim();
    if (blank) {
      lineAmounts.push(null);
      return;
    }
    filled++;
    const q = toFixed(l.quantity);
    const p = toFixed(l.unit_price);
    const rate = caps.vat_rates.find((r) => r.code === l.vat_code);
    if (caps.product_required && !l.product) {
      issues.push({ field: `lines[${i}].product`, message: text("Kies een artikel.", "Choose a product.") });
    } else if (!l.product && !l.description.trim()) {
      issues.push({ field: `lines[${i}].description`, message: text("Vul een omschrijving in.", "Enter a description.") });
    }
    if (q === null) issues.push({ field: `lines[${i}].quantity`, message: text("Vul het aantal in.", "Enter the quantity.") });
    else if (q === 0n) issues.push({ field: `lines[${i}].quantity`, message: text("Het aantal mag niet 0 zijn.", "The quantity cannot be 0.") });
    if (p === null) issues.push({ field: `lines[${i}].unit_price`, message: text("Vul de prijs in.", "Enter the price.") });
    if (q === null || p === null || !rate) {
      lineAmounts.push(null);
      return;
    }
    // What a line shows is after its own discount; the invoice's is spread over the lines below.
    const full = roundCents((q * p) / SCALE);
    const own = caps.discounts.line ? discountOff(full, l.discount) : 0n;
    const amount = full - own;
    before += full;
    lineOff += own;
    const pct = BigInt(rate.percent) * SCALE;
    const [net, vat] = netAndVat(amount, pct, d.price_basis);
    lineAmounts.push({ net: str(net), vat: str(vat), gross: str(net + vat) });
    counted.push({ amount, code: rate.code, pct });
  });
  const subtotal = counted.reduce((a, c) => a + c.amount, 0n);
  const invoiceOff = caps.discounts.invoice ? discountOff(subtotal, d.discount) : 0n;
  let left = invoiceOff;
  counted.forEach((c, i) => {
    // In proportion to the line's amount; the last line takes what rounding left.
    const share = i === counted.length - 1 ? left : subtotal === 0n ? 0n : roundCents((invoiceOff * c.amount) / subtotal);
    left -= share;
    const [net] = netAndVat(c.amount - share, c.pct, d.price_basis);
    const cur = perRate.get(c.code) ?? { percent: c.pct, base: 0n };
    cur.base += net;
    perRate.set(c.code, cur);
  });
  if (filled === 0) issues.push({ field: "lines", message: text("Voeg minstens één regel toe.", "Add at least one line.") });
  if (caps.max_lines !== null && d.lines.length > caps.max_lines) {
    issues.push({ field: "lines", message: text(`${system} neemt hoogstens ${caps.max_lines} regels aan.`, `${system} takes at most ${caps.max_lines} lines.`) });
  }
  const rates: RateTotal[] = [];
  let tn = 0n;
  let tv = 0n;
  for (const [code, r] of [...perRate.entries()].sort((a, b) => Number(b[1].percent - a[1].percent))) {
    const vat = roundCents((r.base * r.percent) / (100n * SCALE));
    rates.push({ vat_code: code, percent: str(r.percent).replace(/\.00$/, ""), net: str(r.base), vat: str(vat), gross: str(r.base + vat) });
    tn += r.base;
    tv += vat;
  }
  return {
    totals: {
      lines: lineAmounts.filter((x): x is LineAmounts => x !== null),
      rates,
      net: str(tn),
      vat: str(tv),
      gross: str(tn + tv),
      discount:
        lineOff === 0n && invoiceOff === 0n
          ? undefined
          : { before: str(before), lines: str(lineOff), invoice: str(invoiceOff), total: str(lineOff + invoiceOff) },
    },
    line_amounts: lineAmounts,
    issues,
    warnings,
  };
}

function view(d: Draft): DraftView {
  return { draft: structuredClone(d), evaluation: evaluate(d) };
}

function current(connectionId: string): Draft {
  let d = [...drafts.values()].find((x) => x.connection_id === connectionId);
  if (!d) {
    d = freshDraft(connectionId);
    drafts.set(d.id, d);
  }
  return d;
}

function err(code: string, message: string, extra: Record<string, unknown> = {}) {
  return { code, message, ...extra };
}

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

const listeners = new Map<string, number[]>();
const callbacks = new Map<number, Callback>();
let nextCallback = 1;

function emit(event: string, payload: unknown): void {
  for (const id of listeners.get(event) ?? []) callbacks.get(id)?.({ event, id, payload });
}

// ---- declared look-up lists and the local address book (as the desk does them) ----

const L = (nl: string, en: string) => (lang === "nl" ? nl : en);

/** Items of declared lists by list name, for a connection whose capabilities declare them. */
const listItems = new Map<string, LookupItem[]>();
const recipients = new Map<string, Recipient[]>();

function searchList(a: Args): { items: LookupItem[]; pending: boolean } {
  const caps = connCaps(a.connection_id as string);
  const spec = (caps.lists ?? []).find((l) => l.name === a.list);
  if (!spec) {
    throw err("not_found", L(`Dit boekhoudpakket heeft geen opzoeklijst '${a.list}'.`, `This bookkeeping system has no look-up list '${a.list}'.`));
  }
  const parents = (a.parents ?? {}) as Record<string, string>;
  const words = String(a.query ?? "").toLowerCase().split(/[^\p{L}\p{N}]+/u).filter(Boolean);
  const items = (listItems.get(spec.name) ?? []).filter((i) => {
    if (i.archived) return false;
    for (const [k, v] of Object.entries(parents)) if (k in i.parents && i.parents[k] !== v) return false;
    const hay = [i.id, i.label, i.detail ?? "", ...i.terms].join(" ").toLowerCase();
    return words.every((w) => hay.split(/[^\p{L}\p{N}]+/u).some((x) => x.startsWith(w)));
  });
  return { items: items.slice(0, Number(a.limit ?? 20)), pending: false };
}

function recipientsOf(connectionId: string): Recipient[] {
  let list = recipients.get(connectionId);
  if (!list) {
    list = [];
    recipients.set(connectionId, list);
  }
  return list;
}

function saveRecipient(connectionId: string, input: RecipientInput): Recipient {
  const source = connCaps(connectionId).relations;
  if (source?.kind !== "local") {
    throw err("config", L("Deze koppeling haalt haar relaties uit het boekhoudpakket; er is geen eigen adresboek.", "This connection takes its relations from the bookkeeping system; it has no address book of its own."));
  }
  const fields: { field: string; message: string }[] = [];
  if (input.name.trim() === "") fields.push({ field: "recipient.name", message: L("Vul de naam in.", "Fill in the name.") });
  for (const f of source.fields) {
    if (f.required && (input.values[f.key] ?? "").trim() === "") {
      fields.push({ field: `recipient.${f.key}`, message: L(`Vul '${f.label.nl}' in.`, `Fill in '${f.label.en}'.`) });
    }
  }
  if (fields.length > 0) {
    throw err("validation", L("De ontvanger is niet bewaard: controleer de gemarkeerde velden.", "The recipient was not saved: check the marked fields."), { fields });
  }
  const list = recipientsOf(connectionId);
  const now = new Date().toISOString();
  const old = input.id ? list.find((r) => r.id === input.id) : undefined;
  if (input.id && !old) throw err("not_found", L("Deze ontvanger bestaat niet (meer).", "This recipient does not exist (any more)."));
  const values: Record<string, string> = {};
  for (const f of source.fields) {
    const v = (input.values[f.key] ?? "").trim();
    if (v !== "") values[f.key] = v;
  }
  const r: Recipient = {
    id: old?.id ?? crypto.randomUUID(),
    kind: input.kind,
    name: input.name.trim(),
    number: values.number ?? null,
    email: values.email ?? null,
    city: values.city ?? null,
    vat_number: values.vat_number ?? null,
    values,
    created_at: old?.created_at ?? now,
    updated_at: now,
    archived: old?.archived ?? false,
  };
  if (old) list.splice(list.indexOf(old), 1, r);
  else list.push(r);
  return structuredClone(r);
}


// ---- the invoices a system holds (History's second view) ----
// Every fake connection reads: 45 invoices, newest first, in pages of 20; drafts can be issued
// (with an e-mail subject and text) or deleted (asked first).

const READ_ACTIONS: InvoiceActionSpec[] = [
  {
    key: "issue",
    label: { nl: "Versturen", en: "Issue" },
    confirm: null,
    fields: [
      { key: "email_subject", label: { nl: "Onderwerp e-mail", en: "E-mail subject" }, kind: { type: "text", max_len: null }, required: true, default: null, help: null, shown_when: null, required_when: null },
      { key: "email_body", label: { nl: "Tekst e-mail", en: "E-mail text" }, kind: { type: "text", max_len: null }, required: true, default: null, help: null, shown_when: null, required_when: null },
    ],
  },
  {
    key: "delete",
    label: { nl: "Verwijderen", en: "Delete" },
    confirm: { nl: "Dit concept verwijderen? Dit kan niet ongedaan worden gemaakt.", en: "Delete this draft? This cannot be undone." },
    fields: [],
  },
];
const held = new Map<string, InvoiceSummary[]>();

function heldOf(connectionId: string): InvoiceSummary[] {
  let list = held.get(connectionId);
  if (!list) {
    const customers = ["Bakkerij Jansen", "Fietsenmaker De Vries", "Café Het Hoekje", "Smit Installatie B.V.", "Brasserie Lieve (Gent)"];
    const states: InvoiceState[] = ["draft", "open", "paid", "paid", "overdue", "cancelled"];
    list = [];
    for (let i = 0; i < 45; i++) {
      const date = new Date(Date.UTC(2026, 10, 28) - i * 6 * 86_400_000).toISOString().slice(0, 10);
      const state = states[i % states.length];
      const excl = BigInt(5000 + ((i * 7919) % 90000)) * 10_000n;
      const vat = roundCents((excl * 21n) / 100n);
      list.push({
        id: `inv_${connectionId}_${i}`,
        number: state === "draft" ? null : `2026-${String(500 - i).padStart(6, "0")}`,
        date,
        due_date: state === "draft" ? null : new Date(Date.parse(date) + 30 * 86_400_000).toISOString().slice(0, 10),
        customer: customers[i % customers.length],
        customer_id: null,
        total_excl: str(excl),
        total_vat: str(vat),
        total_incl: str(excl + vat),
        state,
        state_text: null,
        actions: state === "draft" ? ["issue", "delete"] : [],
        project: null,
        flags: [],
      });
    }
    held.set(connectionId, list);
  }
  return list;
}

function matchesQuery(s: InvoiceSummary, q: InvoiceQuery): boolean {
  if (q.from && s.date < q.from) return false;
  if (q.to && s.date > q.to) return false;
  const hay = `${s.number ?? ""} ${s.customer} ${s.project ?? ""}`.toLowerCase();
  return (q.text ?? "").toLowerCase().split(/\s+/).filter(Boolean).every((w) => hay.includes(w));
}

function detailOf(s: InvoiceSummary): InvoiceDetail {
  return {
    summary: structuredClone(s),
    lines: [{ description: "Werkzaamheden", quantity: "1", unit_price: s.total_excl, vat_code: "21.00", amount_excl: s.total_excl, vat_percent: "21", product_id: null }],
    vat: [{ percentage: "21", base: s.total_excl, amount: s.total_vat, code: null, taxable: null, co_contractor: false, incl: null }],
    address: [],
    contact: null,
    vat_number: null,
    reference: null,
    texts: [],
    price_decimals: null,
  };
}

async function handle(cmd: string, a: Args): Promise<unknown> {
  switch (cmd) {
    case "plugin:event|listen": {
      const list = listeners.get(a.event as string) ?? [];
      list.push(a.handler as number);
      listeners.set(a.event as string, list);
      return a.handler;
    }
    case "plugin:event|unlisten": {
      const list = listeners.get(a.event as string) ?? [];
      listeners.set(a.event as string, list.filter((x) => x !== a.eventId));
      return null;
    }
    case "app_info":
      return info();
    case "first_answers": {
      const all = structuredClone(connections);
      const startId = chooseConnection(all, info().active_connection_id);
      const start = all.find((c) => c.id === startId);
      const draft = start?.capabilities?.creates_invoices
        ? { connection_id: start.id, view: view(current(start.id)) }
        : null;
      return { info: info(), connectors: structuredClone(connectors), connections: all, draft };
    }
    case "set_lang":
      lang = a.lang as Lang;
      return info();
    case "set_active_connection":
      active = a.connection_id as string;
      return info();
    case "list_connectors":
      return structuredClone(connectors);
    case "list_connections":
      return structuredClone(connections);
    case "save_connection": {
      const input = a.input as ConnectionInput;
      const described = connectorOf(input.kind);
      if (input.base_url === "" && described) input.base_url = described.url.default;
      if (!input.base_url.startsWith("https://")) {
        throw err("config", L("De URL moet met https:// beginnen.", "The URL must start with https://."), { field: "base_url" });
      }
      const existing = connections.find((c) => c.id === input.id);
      // Secrets stay here (the real app keeps them in the keyring); plain values come back.
      const fields = described?.sign_in.find((m) => m.id === input.auth)?.fields ?? [];
      const secretTyped = fields.some((f) => f.secret && (input.credentials[f.key] ?? "") !== "");
      const plain: Record<string, string> = { ...(existing?.credentials ?? {}) };
      for (const f of fields) if (!f.secret && input.credentials[f.key] !== undefined) plain[f.key] = input.credentials[f.key];
      const v: ConnectionView = {
        id: existing?.id ?? uuid(),
        kind: input.kind,
        name: input.name,
        base_url: input.base_url,
        auth: input.auth,
        demo: false,
        administration_id: existing?.administration_id ?? null,
        has_secret: Boolean(secretTyped || existing?.has_secret),
        credentials: plain,
        settings: input.settings ?? {},
        capabilities: capsFor(input.kind, input.settings ?? {}, input.auth),
      };
      if (existing) Object.assign(existing, v);
      else connections.push(v);
      active = v.id;
      return v;
    }
    case "delete_connection": {
      const i = connections.findIndex((c) => c.id === a.connection_id);
      if (i >= 0) connections.splice(i, 1);
      return null;
    }
    case "test_connection": {
      await wait(600);
      const c = connections.find((x) => x.id === a.connection_id);
      if (c?.demo) return L("Demo-omgeving bereikt", "Reached the demo environment");
      const system = systemOf(String(a.connection_id));
      if (c?.name.toLowerCase().includes("rate")) {
        throw err("rate_limited", L(`${system} neemt nu geen verzoeken meer aan: het maximum per uur is bereikt. Probeer het later opnieuw.`, `${system} takes no more requests right now: the hourly maximum is reached. Try again later.`), { detail: "429 Too Many Requests" });
      }
      throw err("auth_failed", L(`${system} weigerde de aanmeldgegevens. Controleer ze.`, `${system} refused the sign-in details. Check them.`), { detail: "401 Unauthorized" });
    }
    case "start_oauth":
      await wait(1500);
      return connections.find((c) => c.id === a.connection_id);
    case "list_administrations":
      return [
        { id: "1", name: "Bakker Installatietechniek B.V." },
        { id: "2", name: "Bakker Holding B.V." },
      ];
    case "select_administration": {
      const c = connections.find((x) => x.id === a.connection_id);
      if (c) c.administration_id = a.administration_id as string;
      return null;
    }
    case "sync_now": {
      const id = a.connection_id as string;
      const s = { ...syncOf(id), running: true, seq: ++syncSeq };
      syncs.set(id, s);
      emit("sync-status", s);
      setTimeout(() => finishSync(id), 1200);
      return null;
    }
    case "sync_status":
      return { ...syncOf(a.connection_id as string), seq: ++syncSeq };
    case "search_list":
      return searchList(a);
    case "list_recipients":
      return recipientsOf(a.connection_id as string)
        .filter((r) => a.with_archived || !r.archived)
        .map((r) => structuredClone(r));
    case "save_recipient":
      return saveRecipient(a.connection_id as string, a.input as RecipientInput);
    case "archive_recipient": {
      const r = recipientsOf(a.connection_id as string).find((x) => x.id === a.id);
      if (!r) throw err("not_found", L("Deze ontvanger bestaat niet (meer).", "This recipient does not exist (any more)."));
      r.archived = a.archived !== false;
      r.updated_at = new Date().toISOString();
      return structuredClone(r);
    }
    case "search_relations": {
      const q = String(a.query).toLowerCase();
      if (connCaps(a.connection_id as string).relations?.kind === "local") {
        return recipientsOf(a.connection_id as string)
          .filter((r) => !r.archived && [r.name, r.number, r.email, r.city].some((x) => x?.toLowerCase().includes(q)))
          .slice(0, Number(a.limit))
          .map(({ id, kind, name, number, email, city, vat_number, archived }) => ({ id, kind, name, number, email, city, vat_number, archived }));
      }
      if (syncOf(a.connection_id as string).relations === 0) return [];
      return relations
        .filter((r) => [r.name, r.number, r.email, r.city].some((x) => x?.toLowerCase().includes(q)))
        .slice(0, Number(a.limit));
    }
    case "relation_by_id": {
      const id = String(a.id);
      const pool =
        connCaps(a.connection_id as string).relations?.kind === "local"
          ? recipientsOf(a.connection_id as string).map(({ id, kind, name, number, email, city, vat_number, archived }) => ({ id, kind, name, number, email, city, vat_number, archived }))
          : relations;
      return pool.find((r) => r.id === id && !r.archived) ?? null;
    }
    case "search_products": {
      const q = String(a.query).toLowerCase();
      return products
        .filter((p) => `${p.code} ${p.description}`.toLowerCase().includes(q))
        .slice(0, Number(a.limit))
        .map((p) => ({ ...p, vat_code: vatCodeFor(String(a.connection_id), p.vat_code) }));
    }
    case "relation_addresses": {
      const r = a.relation as Relation;
      await wait(150);
      const list: Address[] = [
        { id: `${r.id}-a1`, relation_id: r.id, street: "Olof Palmestraat", house_number: "10", postal_code: "2616 LR", city: r.city ?? "Delft", country: "NL", preferred_invoice: true },
        { id: `${r.id}-a2`, relation_id: r.id, street: "Postbus", house_number: "123", postal_code: "2600 AC", city: r.city ?? "Delft", country: "NL", preferred_invoice: false },
      ];
      return r.kind === "unknown" ? [] : list;
    }
    case "current_draft":
      return view(current(a.connection_id as string));
    case "new_draft": {
      for (const [id, d] of drafts) if (d.connection_id === a.connection_id) drafts.delete(id);
      return view(current(a.connection_id as string));
    }
    case "save_draft": {
      const d = a.draft as Draft;
      await wait(20);
      drafts.set(d.id, structuredClone(d));
      return evaluate(d);
    }
    case "pick_attachments": {
      const d = drafts.get(a.draft_id as string);
      if (!d) throw err("not_found", "draft");
      await wait(300);
      d.attachments.push({ id: uuid(), path: "/home/user/Documenten/werkbon-2025-118.pdf", file_name: "werkbon-2025-118.pdf", size: 248_312, sha256: "", content_type: "application/pdf", remote_ref: null });
      return view(d);
    }
    case "remove_attachment": {
      const d = drafts.get(a.draft_id as string);
      if (!d) throw err("not_found", "draft");
      d.attachments = d.attachments.filter((x) => x.id !== a.attachment_id);
      return view(d);
    }
    case "submit_draft": {
      const d = drafts.get(a.draft_id as string);
      if (!d) throw err("not_found", "draft");
      const ev = evaluate(d);
      if (ev.issues.length > 0) {
        throw err("validation", L(`${ev.issues.length} velden moeten nog worden verbeterd.`, `${ev.issues.length} fields need correcting.`), {
          fields: ev.issues.map((i) => ({ field: i.field, message: i.message[lang] })),
        });
      }
      for (const att of d.attachments) {
        for (let s = 0; s <= att.size; s += Math.ceil(att.size / 5)) {
          emit("upload-progress", { draft_id: d.id, attachment_id: att.id, sent: s, total: att.size });
          await wait(150);
        }
      }
      emit("submit-status", { draft_id: d.id, state: "sending", message: "" });
      await wait(400);
      const ref = d.reference.toLowerCase();
      const plan: Plan = ref.includes("queue") ? "queue" : ref.includes("uncertain") ? "uncertain" : "normal";
      const entry = (state: HistoryEntry["state"], message: string | null, remote: string | null, number: string | null) => {
        const waiting = state === "queued" || state === "uncertain";
        history.unshift({
          draft_id: d.id,
          identity: d.identity,
          connection_id: d.connection_id,
          plan,
          state,
          relation_name: d.relation?.name ?? "",
          total_gross: ev.totals.gross,
          remote_id: remote,
          number,
          updated_at: new Date().toISOString(),
          message,
          issue_date: d.issue_date,
          attempts: 1,
          next_attempt_at: waiting ? new Date(Date.now() + backoffMs(1)).toISOString() : null,
        });
        emit("submit-status", { draft_id: d.id, state, message: message ?? "" });
      };
      const system = systemOf(d.connection_id);
      const caps = connCaps(d.connection_id);
      if (ref.includes("refuse")) {
        const e = err("refused", L(`${system} weigerde de factuur.`, `${system} refused the invoice.`), {
          detail: "Regel 1: aantal ongeldig.",
          fields: [{ field: "lines[0].quantity", message: L(`${system} accepteert dit aantal niet.`, `${system} does not accept this quantity.`) }],
        });
        entry("refused", e.message as string, null, null);
        return { state: "refused", remote_id: null, number: null, message: e.message, error: e, next: null };
      }
      if (ref.includes("offline")) {
        throw err("offline", L(`${system} is niet bereikbaar; er is niets verstuurd.`, `${system} cannot be reached; nothing was sent.`));
      }
      const next = freshDraft(d.connection_id);
      drafts.delete(d.id);
      drafts.set(next.id, next);
      if (plan === "queue") {
        const e = err("offline", offlineText(system));
        const message = L(
          `${system} is nu niet bereikbaar. De factuur staat veilig in de wachtrij en wordt automatisch verstuurd zodra ${system} weer antwoordt.`,
          `${system} cannot be reached right now. The invoice is safe in the outbox and will be sent automatically as soon as ${system} answers again.`,
        );
        entry("queued", e.message, null, null);
        return { state: "queued", remote_id: null, number: null, message, error: e, next: view(next) };
      }
      if (plan === "uncertain") {
        const e = err(
          "uncertain",
          L(
            "Het is niet zeker of de factuur is aangekomen: het antwoord bleef uit. De app controleert dit eerst voordat hij opnieuw verstuurt.",
            "It is not certain whether the invoice arrived: no answer came. The app checks this before sending again.",
          ),
        );
        entry("uncertain", e.message, null, null);
        return { state: "uncertain", remote_id: null, number: null, message: e.message, error: e, next: view(next) };
      }
      if (caps.app_numbering !== null) {
        const { number } = assignNumber(d.connection_id);
        let message = L(`Factuur verstuurd naar ${system} (id ${number}, ${number}).`, `Invoice sent to ${system} (id ${number}, ${number}).`);
        if (ref.includes("difference")) {
          const other = str((toFixed(ev.totals.gross) ?? 0n) + SCALE / 100n);
          message += L(
            `\n${system} rekende een totaal van ${other}; het voorbeeld gaf ${ev.totals.gross}.`,
            `\n${system} computed a total of ${other}; the preview said ${ev.totals.gross}.`,
          );
        }
        entry("sent", message, number, number);
        return { state: "sent", remote_id: number, number, message, error: null, next: view(next) };
      }
      const { remote, number } = assignNumber(d.connection_id);
      entry("sent", null, remote, number);
      return { state: "sent", remote_id: remote, number, message: "", error: null, next: view(next) };
    }
    case "history":
      return history
        .filter((r) => r.connection_id === a.connection_id)
        .map(({ connection_id: _c, plan: _p, ...entry }) => structuredClone(entry));
    case "open_document":
      // The dev build has no documents; the real shell opens the system's PDF.
      return null;
    case "retry_outbox": {
      const waiting = history.filter((r) => r.state === "queued" || r.state === "uncertain");
      for (const row of waiting) await attempt(row, true);
      return waiting.length;
    }
    case "invoice_reader":
      return { reads_invoices: true, actions: structuredClone(READ_ACTIONS) };
    case "cached_invoices":
      return { items: [], cursor: null, done: true, cached: true, fetched_at: null };
    case "list_invoices": {
      const q = a.query as InvoiceQuery;
      const all = heldOf(a.connection_id as string).filter((s) => matchesQuery(s, q));
      const start = Number(a.cursor ?? 0) || 0;
      const items = all.slice(start, start + 20);
      const next = start + items.length;
      await new Promise((r) => setTimeout(r, 400));
      const done = next >= all.length;
      return { items: structuredClone(items), cursor: done ? null : String(next), done, cached: false, fetched_at: new Date().toISOString() };
    }
    case "open_invoice": {
      const s = heldOf(a.connection_id as string).find((x) => x.id === a.id);
      if (!s) throw err("not_found", L("Deze factuur bestaat niet (meer).", "This invoice does not exist (any more)."));
      return detailOf(s);
    }
    case "invoice_action": {
      const list = heldOf(a.connection_id as string);
      const s = list.find((x) => x.id === a.id);
      if (!s) throw err("not_found", L("Deze factuur bestaat niet (meer).", "This invoice does not exist (any more)."));
      const values = a.values as Record<string, string>;
      if (a.action === "delete") {
        list.splice(list.indexOf(s), 1);
        return { invoice: null, message: L("Verwijderen: gedaan.", "Delete: done.") };
      }
      const fields = ["email_subject", "email_body"]
        .filter((k) => !(values[k] ?? "").trim())
        .map((k) => ({ field: `action.${k}`, message: L("Vul dit veld in.", "Fill in this field.") }));
      if (fields.length > 0) throw err("validation", L("Controleer de gemarkeerde velden.", "Check the marked fields."), { fields });
      s.state = "open";
      s.number = `2026-${String(900 + list.indexOf(s)).padStart(6, "0")}`;
      s.actions = [];
      return { invoice: structuredClone(s), message: L("Versturen: gedaan.", "Issue: done.") };
    }
    case "invoice_text":
      return { which: a.which, format: "plain", html: null, text: L("Met vriendelijke groet.", "Kind regards.") };
    case "start_from_sent":
    case "start_from_invoice": {
      // The dev build keeps no stored invoices to copy: a fresh draft that asks for the customer.
      for (const [id, d] of drafts) if (d.connection_id === a.connection_id) drafts.delete(id);
      const d = current(a.connection_id as string);
      d.lines[0].description = L("Werkzaamheden", "Work done");
      return {
        view: view(d),
        notes: [{ field: "relation", message: { nl: "De klant van deze factuur is hier niet gevonden; kies een klant.", en: "The customer of this invoice was not found here; choose a customer." } }],
      };
    }
    default:
      throw err("internal", `unknown command ${cmd}`);
  }
}

export function installFakeBackend(): void {
  const w = window as unknown as Record<string, unknown>;
  w.__TAURI_INTERNALS__ = {
    invoke: (cmd: string, args: Args = {}) => handle(cmd, args),
    transformCallback: (cb: Callback) => {
      const id = nextCallback++;
      callbacks.set(id, cb);
      return id;
    },
    unregisterCallback: (id: number) => callbacks.delete(id),
    metadata: { currentWindow: { label: "main" }, currentWebview: { windowLabel: "main", label: "main" } },
  };
  w.__TAURI_EVENT_PLUGIN_INTERNALS__ = { unregisterListener: () => {} };
  setTimeout(() => {
    for (const c of connections) finishSync(c.id);
  }, 1500);
  seedOutbox();
  setInterval(() => void workerTick(), 1000);
}
