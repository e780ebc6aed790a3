import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { connectors, declared } from "../../test/fixtures";
import type { ActionDone, ConnectionInput, ConnectionView, InvoiceList, InvoiceQuery } from "../../lib/types";
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
