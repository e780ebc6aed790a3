import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { connectors, declared } from "../../test/fixtures";
import type {
  ActionDone,
  ConnectionInput,
  ConnectionView,
  DraftView,
  Evaluation,
  InvoiceList,
  InvoiceQuery,
} from "../../lib/types";
import { installFakeBackend } from "../fakeBackend";

type Invoke = (cmd: string, args?: Record<string, unknown>) => Promise<unknown>;
let invoke: Invoke;

describe("the dev fake takes its systems from what the real connectors export", () => {
  beforeAll(() => {
    vi.useFakeTimers();
    installFakeBackend();
    invoke = (window as unknown as { __TAURI_INTERNALS__: { invoke: Invoke } }).__TAURI_INTERNALS__.invoke;
  });
  afterAll(() => {
    vi.clearAllTimers();
    vi.useRealTimers();
  });

  it("holds invoices to read: pages by cursor, a search, and a draft issued", async () => {
    const [c] = (await invoke("list_connections")) as ConnectionView[];
    const q: InvoiceQuery = { administration: "", text: null, from: null, to: null, customer: null, sort: null };
    const page = async (query: InvoiceQuery, cursor: string | null) => {
      const p = invoke("list_invoices", { connection_id: c.id, query, cursor });
      await vi.advanceTimersByTimeAsync(500);
      return (await p) as InvoiceList;
    };
    const first = await page(q, null);
    expect(first.items).toHaveLength(20);
    const second = await page(q, first.cursor);
    const third = await page(q, second.cursor);
    expect(third.done).toBe(true);
    expect(new Set([...first.items, ...second.items, ...third.items].map((s) => s.id)).size).toBe(45);
    const found = await page({ ...q, text: "hoekje" }, null);
    expect(found.items.every((s) => s.customer.includes("Hoekje"))).toBe(true);

    const draft = first.items.find((s) => s.actions.includes("issue"))!;
    const done = (await invoke("invoice_action", {
      connection_id: c.id,
      id: draft.id,
      action: "issue",
      values: { email_subject: "Factuur", email_body: "Bijgaand." },
    })) as ActionDone;
    expect(done.invoice?.state).toBe("open");
    expect(done.invoice?.actions).toEqual([]);
  });

  it("takes discounts as the real totals do: the line's own in what it shows, the invoice's in the totals", async () => {
    const all = (await invoke("list_connections")) as ConnectionView[];
    const c = all.find((x) => x.capabilities?.discounts.line && x.capabilities.discounts.invoice)!;
    const v = (await invoke("current_draft", { connection_id: c.id })) as DraftView;
    const rate = c.capabilities!.vat_rates.find((r) => r.percent === "21")!;
    const d = {
      ...v.draft,
      price_basis: "excl_vat" as const,
      lines: [
        { ...v.draft.lines[0], description: "Onderhoud", quantity: "2", unit_price: "125.00", vat_code: rate.code, discount: { kind: "amount" as const, value: "10" } },
        { ...v.draft.lines[0], id: "l2", description: "Hosting", quantity: "1", unit_price: "100", vat_code: rate.code, discount: { kind: "percentage" as const, value: "0" } },
      ],
      discount: { kind: "amount" as const, value: "34" },
    };
    const p = invoke("save_draft", { draft: d });
    await vi.advanceTimersByTimeAsync(50);
    const e = (await p) as Evaluation;
    expect(e.line_amounts[0]).toEqual({ net: "240.00", vat: "50.40", gross: "290.40" });
    expect(e.totals.net).toBe("306.00");
    expect(e.totals.gross).toBe("370.26");
    expect(e.totals.discount).toEqual({ before: "350.00", lines: "10.00", invoice: "34.00", total: "44.00" });
  });

  it("lists the generated connectors", async () => {
    expect(await invoke("list_connectors")).toEqual(connectors);
  });

  it("has one demo connection per declared set of capabilities, with exactly those capabilities", async () => {
    const list = (await invoke("list_connections")) as ConnectionView[];
    expect(list).toHaveLength(declared.length);
    list.forEach((c, i) => {
      const { app_numbering: _a, ...caps } = c.capabilities!;
      const { app_numbering: _b, ...expected } = declared[i];
      expect(caps, c.name).toEqual(expected);
      expect(c.name).toContain(connectors.find((d) => d.id === c.kind)!.name);
      expect(c.demo).toBe(true);
    });
  });

  it("saves a connection from the generic input: secrets kept back, plain values returned", async () => {
    const d = connectors[0];
    const oauth = d.sign_in.find((m) => m.oauth !== null) ?? d.sign_in[0];
    const credentials: Record<string, string> = {};
    for (const f of oauth.fields) credentials[f.key] = f.input === "port" ? "8765" : `v-${f.key}`;
    const input: ConnectionInput = { id: null, kind: d.id, name: "Mine", base_url: "https://x.example", auth: oauth.id, credentials, settings: {} };
    const view = (await invoke("save_connection", { input })) as ConnectionView;
    expect(view.has_secret).toBe(oauth.fields.some((f) => f.secret));
    for (const f of oauth.fields) expect(view.credentials[f.key], f.key).toBe(f.secret ? undefined : credentials[f.key]);
  });
});
