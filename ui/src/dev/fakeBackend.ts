// A stand-in for the Rust side, for `npm run dev` in an ordinary browser only (main.ts loads it
// when there is no Tauri). It answers the commands of docs/ipc.md with sample data so the form
// can be looked at and clicked through. It is never part of a production build.
//
// Reference words that steer submit_draft: "refuse" → refused with field errors, "queue" →
// queued, "uncertain" → uncertain, "offline" → an offline error; anything else is sent.

import type {
  Address,
  AppInfo,
  Capabilities,
  ConnectionInput,
  ConnectionView,
  Draft,
  DraftView,
  Evaluation,
  FieldIssue,
  HistoryEntry,
  Lang,
  LineAmounts,
  Product,
  RateTotal,
  Relation,
  SyncStatus,
} from "../lib/types";

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

const caps: Capabilities = {
  kind: "afas",
  vat_rates: [
    { code: "high", percent: "21", label: { nl: "Hoog (21%)", en: "High (21%)" } },
    { code: "low", percent: "9", label: { nl: "Laag (9%)", en: "Low (9%)" } },
    { code: "zero", percent: "0", label: { nl: "Nul (0%)", en: "Zero (0%)" } },
  ],
  rounding: "per_total",
  price_bases: ["excl_vat", "incl_vat"],
  product_required: false,
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
          { value: "direct_debit", label: { nl: "Automatische incasso", en: "Direct debit" } },
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
      label: { nl: "Factuur mailen naar relatie", en: "E-mail the invoice to the relation" },
      kind: { type: "bool" },
      required: false,
      default: "false",
      help: null,
    },
  ],
  line_fields: [],
};

const connections: ConnectionView[] = [
  {
    id: "demo",
    kind: "afas",
    name: "Demo AFAS",
    base_url: "",
    auth: "none",
    demo: true,
    administration_id: "1",
    has_secret: false,
    oauth_client_id: null,
    oauth_redirect_port: null,
    capabilities: caps,
  },
];

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
}));

let active = "demo";

function info(): AppInfo {
  const c = connections.find((x) => x.id === active);
  return { version: "0.1.0-dev", lang, demo: c?.demo ?? false, active_connection_id: active, store_warning: null };
}

let lang: Lang = navigator.language.toLowerCase().startsWith("nl") ? "nl" : "en";
const drafts = new Map<string, Draft>();
const history: HistoryEntry[] = [];
let sync: SyncStatus = {
  connection_id: "demo",
  running: true,
  relations: 0,
  products: 0,
  last_synced_at: null,
  error: null,
};

function uuid(): string {
  return crypto.randomUUID();
}

function today(): string {
  const d = new Date();
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
}

function freshDraft(connectionId: string): Draft {
  return {
    id: uuid(),
    connection_id: connectionId,
    administration_id: connections.find((c) => c.id === connectionId)?.administration_id ?? null,
    relation: null,
    address_id: null,
    issue_date: today(),
    reference: "",
    price_basis: "excl_vat",
    lines: [
      {
        id: uuid(),
        product: null,
        description: "",
        quantity: "1",
        unit_price: "",
        vat_code: "high",
        extra_description: "",
        extra: {},
      },
    ],
    attachments: [],
    extra: { payment_method: "transfer", to_be_invoiced: "true", send_email: "false" },
    identity: uuid(),
    updated_at: new Date().toISOString(),
  };
}

function text(nl: string, en: string) {
  return { nl, en };
}

function evaluate(d: Draft): Evaluation {
  const issues: FieldIssue[] = [];
  if (!d.relation) issues.push({ field: "relation", message: text("Kies een relatie (klant).", "Choose a relation (customer).") });
  if (!d.issue_date) issues.push({ field: "issue_date", message: text("Vul de factuurdatum in.", "Enter the invoice date.") });
  const lineAmounts: (LineAmounts | null)[] = [];
  const perRate = new Map<string, { percent: bigint; base: bigint }>();
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
    if (!l.product && !l.description.trim()) {
      issues.push({ field: `lines[${i}].description`, message: text("Vul een omschrijving in.", "Enter a description.") });
    }
    if (q === null) issues.push({ field: `lines[${i}].quantity`, message: text("Vul het aantal in.", "Enter the quantity.") });
    else if (q === 0n) issues.push({ field: `lines[${i}].quantity`, message: text("Het aantal mag niet 0 zijn.", "The quantity cannot be 0.") });
    if (p === null) issues.push({ field: `lines[${i}].unit_price`, message: text("Vul de prijs in.", "Enter the price.") });
    if (q === null || p === null || !rate) {
      lineAmounts.push(null);
      return;
    }
    const amount = roundCents((q * p) / SCALE);
    const pct = BigInt(rate.percent) * SCALE;
    const net = d.price_basis === "incl_vat" ? roundCents((amount * 100n * SCALE) / (100n * SCALE + pct)) : amount;
    const vat = roundCents((net * pct) / (100n * SCALE));
    lineAmounts.push({ net: str(net), vat: str(vat), gross: str(net + vat) });
    const cur = perRate.get(rate.code) ?? { percent: pct, base: 0n };
    cur.base += net;
    perRate.set(rate.code, cur);
  });
  if (filled === 0) issues.push({ field: "lines", message: text("Voeg minstens één regel toe.", "Add at least one line.") });
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
    totals: { lines: lineAmounts.filter((x): x is LineAmounts => x !== null), rates, net: str(tn), vat: str(tv), gross: str(tn + tv) },
    line_amounts: lineAmounts,
    issues,
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

async function handle(cmd: string, a: Args): Promise<unknown> {
  const L = (nl: string, en: string) => (lang === "nl" ? nl : en);
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
    case "set_lang":
      lang = a.lang as Lang;
      return info();
    case "set_active_connection":
      active = a.connection_id as string;
      return info();
    case "list_connections":
      return structuredClone(connections);
    case "save_connection": {
      const input = a.input as ConnectionInput;
      if (!input.base_url.startsWith("https://")) {
        throw err("config", L("De URL moet met https:// beginnen.", "The URL must start with https://."), { field: "base_url" });
      }
      const existing = connections.find((c) => c.id === input.id);
      const v: ConnectionView = {
        id: existing?.id ?? uuid(),
        kind: input.kind,
        name: input.name,
        base_url: input.base_url,
        auth: input.auth,
        demo: false,
        administration_id: existing?.administration_id ?? null,
        has_secret: Boolean(input.secret || input.oauth_client_secret || existing?.has_secret),
        oauth_client_id: input.oauth_client_id,
        oauth_redirect_port: input.oauth_redirect_port,
        capabilities: caps,
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
    case "test_connection":
      await wait(600);
      if (a.connection_id === "demo") return L("Demo-omgeving bereikt", "Reached the demo environment");
      throw err("auth_failed", L("Het token werd geweigerd. Controleer het app-token.", "The token was refused. Check the app token."), { detail: "401 Unauthorized" });
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
    case "sync_now":
      sync = { ...sync, running: true };
      emit("sync-status", sync);
      setTimeout(() => {
        sync = { ...sync, running: false, relations: relations.length, products: products.length, last_synced_at: new Date().toISOString() };
        emit("sync-status", sync);
      }, 1200);
      return null;
    case "sync_status":
      return sync;
    case "search_relations": {
      const q = String(a.query).toLowerCase();
      if (sync.relations === 0) return [];
      return relations
        .filter((r) => [r.name, r.number, r.email, r.city].some((x) => x?.toLowerCase().includes(q)))
        .slice(0, Number(a.limit));
    }
    case "search_products": {
      const q = String(a.query).toLowerCase();
      return products.filter((p) => `${p.code} ${p.description}`.toLowerCase().includes(q)).slice(0, Number(a.limit));
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
      d.attachments.push({ id: uuid(), path: "/home/user/Documenten/werkbon-2025-118.pdf", file_name: "werkbon-2025-118.pdf", size: 248_312, content_type: "application/pdf", remote_ref: null });
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
      await wait(400);
      const ref = d.reference.toLowerCase();
      const entry = (state: HistoryEntry["state"], message: string | null, remote: string | null, number: string | null) =>
        history.unshift({ draft_id: d.id, identity: d.identity, state, relation_name: d.relation?.name ?? "", total_gross: ev.totals.gross, remote_id: remote, number, updated_at: new Date().toISOString(), message });
      if (ref.includes("refuse")) {
        const e = err("refused", L("AFAS weigerde de factuur.", "AFAS refused the invoice."), {
          detail: "Regel 1: aantal ongeldig (GetConnector FbSales).",
          fields: [{ field: "lines[0].quantity", message: L("AFAS accepteert dit aantal niet.", "AFAS does not accept this quantity.") }],
        });
        entry("refused", e.message as string, null, null);
        return { state: "refused", remote_id: null, number: null, message: e.message, error: e, next: null };
      }
      if (ref.includes("offline")) {
        throw err("offline", L("AFAS is niet bereikbaar; er is niets verstuurd.", "AFAS cannot be reached; nothing was sent."));
      }
      const next = freshDraft(d.connection_id);
      drafts.delete(d.id);
      drafts.set(next.id, next);
      if (ref.includes("queue")) {
        entry("queued", null, null, null);
        return { state: "queued", remote_id: null, number: null, message: "", error: null, next: view(next) };
      }
      if (ref.includes("uncertain")) {
        entry("uncertain", null, null, null);
        return { state: "uncertain", remote_id: null, number: null, message: "", error: null, next: view(next) };
      }
      const number = `2025-${String(history.length + 118).padStart(4, "0")}`;
      entry("sent", null, "58231", number);
      return { state: "sent", remote_id: "58231", number, message: "", error: null, next: view(next) };
    }
    case "history":
      return structuredClone(history);
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
    sync = { ...sync, running: false, relations: relations.length, products: products.length, last_synced_at: new Date().toISOString() };
    emit("sync-status", sync);
  }, 1500);
}
