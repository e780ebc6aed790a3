// Look-up fields of a made-up system: an owner chosen from a list, a contract from a list per
// owner and relation, and a line's object filtered by the owner in the header.
import { render, screen, waitFor } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { tick } from "svelte";
import { beforeEach, describe, expect, it, vi } from "vitest";
import * as api from "../../lib/api";
import { setLocale } from "../../lib/locale.svelte";
import type { Capabilities, FieldSpec, ListSynced, LookupItem, ReadyConnection } from "../../lib/types";
import { caps, connection, draft, draftView, line, product, relation, sync } from "../../test/fixtures";
import InvoiceForm from "../InvoiceForm.svelte";

vi.mock("../../lib/api", async () => (await import("../../test/apiMock")).apiMock());
const mocked = vi.mocked(api);

function lookup(key: string, list: string, filter: [string, string, "fills"?][], nl: string, en: string): FieldSpec {
  return {
    key,
    label: { nl, en },
    kind: {
      type: "lookup",
      list,
      filter: filter.map(([k, from, fills]) => ({ key: k, from_field: from, optional: !!fills, fills: !!fills })),
    },
    required: true,
    default: null,
    help: null,
    shown_when: null,
    required_when: null,
  };
}

const madeUp: Capabilities = {
  ...caps,
  header_fields: [
    lookup("owner", "owners", [], "Eigenaar", "Owner"),
    lookup("contract", "contracts", [["owner", "owner"], ["relation", "relation"]], "Contract", "Contract"),
  ],
  line_fields: [lookup("object", "objects", [["owner", "owner"]], "Object", "Object")],
  lists: [
    { name: "owners", label: { nl: "Eigenaren", en: "Owners" }, scope: { type: "administration" } },
    { name: "contracts", label: { nl: "Contracten", en: "Contracts" }, scope: { type: "parent", keys: ["owner", "relation"] } },
    { name: "objects", label: { nl: "Objecten", en: "Objects" }, scope: { type: "administration" } },
  ],
};
const made: ReadyConnection = { ...connection, id: "made-1", capabilities: madeUp };

function item(id: string, label: string, detail: string | null = null): LookupItem {
  return { id, label, detail, terms: [], parents: {}, archived: false, data: {} };
}

async function renderForm() {
  render(InvoiceForm, { connection: made, sync, administrationId: "1", debounce: 0 });
  await screen.findByTestId("extra-owner");
}

const input = (id: string) => screen.getByTestId(id) as HTMLInputElement;

describe("LookupField in a made-up system's form", () => {
  beforeEach(() => {
    vi.clearAllMocks();
    setLocale("en");
  });

  it("finds an owner by type-ahead, stores its id and shows its label", async () => {
    mocked.currentDraft.mockResolvedValue(draftView(draft({ connection_id: "made-1", extra: {}, lines: [line({ id: "l-1" })] })));
    mocked.searchList.mockResolvedValue({ items: [item("O-17", "Vereniging Oost", "Utrecht")], pending: false });
    const user = userEvent.setup();
    await renderForm();
    await user.type(input("extra-owner"), "ver");
    const option = await screen.findByTestId("extra-owner-option");
    expect(option.textContent).toContain("Utrecht");
    expect(mocked.searchList).toHaveBeenLastCalledWith("made-1", "owners", "1", {}, "ver");
    await user.click(option);
    expect(input("extra-owner").value).toBe("Vereniging Oost");
    await waitFor(() => expect(mocked.saveDraft.mock.calls.at(-1)?.[0].extra.owner).toBe("O-17"));
    // Typing over a choice is not a choice: the value is cleared until an item is picked.
    await user.type(input("extra-owner"), "x");
    await waitFor(() => expect(mocked.saveDraft.mock.calls.at(-1)?.[0].extra.owner).toBe(""));
  });

  it("is used by keyboard only: type, arrows, Enter, in the header and on a line", async () => {
    mocked.currentDraft.mockResolvedValue(
      draftView(draft({ connection_id: "made-1", relation: relation("r1", "Jansen Bouw"), extra: {}, lines: [line({ id: "l-1" })] })),
    );
    mocked.searchList.mockImplementation(async (_c, list) => {
      if (list === "owners") return { items: [item("O-16", "Vastgoed Noord"), item("O-17", "Vereniging Oost")], pending: false };
      if (list === "contracts") return { items: [item("K-1", "Huur Kerkstraat 1"), item("K-2", "Huur Molenweg 3")], pending: false };
      return { items: [item("U-7", "Kantoorunit 2.07"), item("U-8", "Kantoorunit 2.08")], pending: false };
    });
    const user = userEvent.setup();
    await renderForm();
    input("extra-owner").focus();
    await user.keyboard("ve");
    await screen.findAllByTestId("extra-owner-option");
    await user.keyboard("{ArrowDown}{ArrowDown}{Enter}");
    await waitFor(() => expect(mocked.saveDraft.mock.calls.at(-1)?.[0].extra.owner).toBe("O-17"));
    expect(input("extra-owner").value).toBe("Vereniging Oost");
    // The contract, now that owner and relation are known.
    await waitFor(() => expect(input("extra-contract").disabled).toBe(false));
    input("extra-contract").focus();
    await user.keyboard("huur");
    await screen.findAllByTestId("extra-contract-option");
    await user.keyboard("{ArrowDown}{Enter}");
    await waitFor(() => expect(mocked.saveDraft.mock.calls.at(-1)?.[0].extra.contract).toBe("K-1"));
    // A line's object.
    input("line-0-field-object").focus();
    await user.keyboard("unit");
    await screen.findAllByTestId("line-0-field-object-option");
    await user.keyboard("{ArrowDown}{ArrowDown}{Enter}");
    await waitFor(() => expect(mocked.saveDraft.mock.calls.at(-1)?.[0].lines[0].extra.object).toBe("U-8"));
    expect(input("line-0-field-object").value).toBe("Kantoorunit 2.08");
  });

  it("says which fields to fill in first, then searches with their values as parents", async () => {
    mocked.currentDraft.mockResolvedValue(draftView(draft({ connection_id: "made-1", extra: {}, lines: [line({ id: "l-1" })] })));
    mocked.searchList.mockResolvedValue({ items: [], pending: false });
    await renderForm();
    const contract = input("extra-contract");
    expect(contract.disabled).toBe(true);
    expect(contract.placeholder).toBe("Choose Owner, Relation (customer) first");
    expect(input("line-0-field-object").placeholder).toBe("Choose Owner first");
  });

  it("searches a contract with the owner and the relation and shows a stored id by its label", async () => {
    mocked.currentDraft.mockResolvedValue(
      draftView(
        draft({
          connection_id: "made-1",
          relation: relation("r1", "Jansen Bouw"),
          extra: { owner: "O-17", contract: "K-2" },
          lines: [line({ id: "l-1" })],
        }),
      ),
    );
    mocked.searchList.mockImplementation(async (_c, list, _a, _p, q) => {
      if (list === "owners") return { items: [item("O-17", "Vereniging Oost")], pending: false };
      if (list === "contracts" && q === "K-2") return { items: [item("K-2", "Huur Molenweg 3")], pending: false };
      return { items: [item("K-1", "Huur Kerkstraat 1"), item("K-2", "Huur Molenweg 3")], pending: false };
    });
    const user = userEvent.setup();
    await renderForm();
    await waitFor(() => expect(input("extra-contract").value).toBe("Huur Molenweg 3"));
    expect(input("extra-owner").value).toBe("Vereniging Oost");
    await user.clear(input("line-0-field-object"));
    await user.type(input("line-0-field-object"), "mol");
    await waitFor(() =>
      expect(mocked.searchList).toHaveBeenCalledWith("made-1", "objects", "1", { owner: "O-17" }, "mol"),
    );
    await user.clear(input("extra-contract"));
    await user.type(input("extra-contract"), "huur");
    await waitFor(() =>
      expect(mocked.searchList).toHaveBeenCalledWith("made-1", "contracts", "1", { owner: "O-17", relation: "r1" }, "huur"),
    );
  });

  it("says a list is being loaded and asks again when it arrives", async () => {
    mocked.currentDraft.mockResolvedValue(
      draftView(draft({ connection_id: "made-1", relation: relation("r1", "Jansen Bouw"), extra: { owner: "O-17" }, lines: [line({ id: "l-1" })] })),
    );
    const handlers: ((e: ListSynced) => void)[] = [];
    const tell = (e: ListSynced) => handlers.forEach((h) => h(e));
    mocked.onListSynced.mockImplementation(async (h) => {
      handlers.push(h);
      return () => {};
    });
    mocked.searchList.mockImplementation(async (_c, list) =>
      list === "contracts" ? { items: [], pending: true } : { items: [item("O-17", "Vereniging Oost")], pending: false },
    );
    const user = userEvent.setup();
    await renderForm();
    await user.type(input("extra-contract"), "huur");
    expect((await screen.findByTestId("extra-contract-empty")).textContent).toBe("The list is being loaded…");
    mocked.searchList.mockImplementation(async () => ({ items: [item("K-1", "Huur Kerkstraat 1")], pending: false }));
    // Another list's pages do not count; this list's do.
    const contractSearches = () => mocked.searchList.mock.calls.filter((c) => c[1] === "contracts").length;
    const before = contractSearches();
    tell({ connection_id: "made-1", list: "objects" });
    await tick();
    expect(contractSearches()).toBe(before);
    tell({ connection_id: "made-1", list: "contracts" });
    expect((await screen.findByTestId("extra-contract-option")).textContent).toContain("Huur Kerkstraat 1");
  });
});

describe("A picked product prefills a made-up system's declared line fields", () => {
  const withAccounts: Capabilities = {
    ...madeUp,
    line_fields: [...madeUp.line_fields, { ...lookup("account", "accounts", [], "Rekening", "Account"), required: false }],
    lists: [...madeUp.lists, { name: "accounts", label: { nl: "Rekeningen", en: "Accounts" }, scope: { type: "administration" } }],
  };
  const conn: ReadyConnection = { ...connection, id: "made-2", capabilities: withAccounts };
  const rent = { ...product, id: "rent", code: "RENT", description: "Rent", line_defaults: { account: "8000", unknown: "x" } };
  const service = { ...product, id: "svc", code: "SVC", description: "Service", line_defaults: {} };

  beforeEach(() => {
    vi.clearAllMocks();
    setLocale("en");
    mocked.searchList.mockImplementation(async (_c, list, _a, _p, q) => {
      if (list !== "accounts") return { items: [], pending: false };
      const all = [item("8000", "8000 Rent income"), item("8100", "8100 Service income")];
      return { items: all.filter((i) => i.id === q || q === "" || i.label.toLowerCase().includes(q.toLowerCase())), pending: false };
    });
  });

  async function pick(user: ReturnType<typeof userEvent.setup>, code: string) {
    const box = input("line-0-product");
    await user.clear(box);
    await user.type(box, code.toLowerCase());
    await user.click(await screen.findByTestId("product-option"));
  }

  it("fills the field the clerk left empty, shows its label, and replaces only what a product filled", async () => {
    mocked.currentDraft.mockResolvedValue(draftView(draft({ connection_id: "made-2", extra: {}, lines: [line({ id: "l-1" })] })));
    mocked.searchProducts.mockResolvedValue([rent]);
    const user = userEvent.setup();
    render(InvoiceForm, { connection: conn, sync, administrationId: "1", debounce: 0 });
    await screen.findByTestId("line-0-field-account");
    await pick(user, "RENT");
    await waitFor(() => expect(mocked.saveDraft.mock.calls.at(-1)?.[0].lines[0].extra.account).toBe("8000"));
    // Only declared fields are filled.
    expect(mocked.saveDraft.mock.calls.at(-1)?.[0].lines[0].extra.unknown).toBeUndefined();
    // The look-up shows the label of an id it did not pick itself.
    await waitFor(() => expect(input("line-0-field-account").value).toBe("8000 Rent income"));
    // Another product without a value empties what the first product filled.
    mocked.searchProducts.mockResolvedValue([service]);
    await pick(user, "SVC");
    await waitFor(() => expect(mocked.saveDraft.mock.calls.at(-1)?.[0].lines[0].extra.account).toBe(""));
    expect(input("line-0-field-account").value).toBe("");
  });

  it("keeps a value the clerk chose", async () => {
    mocked.currentDraft.mockResolvedValue(
      draftView(draft({ connection_id: "made-2", extra: {}, lines: [line({ id: "l-1", extra: { account: "8100" } })] })),
    );
    mocked.searchProducts.mockResolvedValue([rent]);
    const user = userEvent.setup();
    render(InvoiceForm, { connection: conn, sync, administrationId: "1", debounce: 0 });
    await waitFor(() => expect(input("line-0-field-account").value).toBe("8100 Service income"));
    await pick(user, "RENT");
    await waitFor(() => expect(mocked.saveDraft.mock.calls.at(-1)?.[0].lines[0].product?.id).toBe("rent"));
    expect(mocked.saveDraft.mock.calls.at(-1)?.[0].lines[0].extra.account).toBe("8100");
    expect(input("line-0-field-account").value).toBe("8100 Service income");
  });
});

describe("A made-up system's contract look-up that may fill the relation", () => {
  const fillsCaps: Capabilities = {
    ...madeUp,
    header_fields: [
      lookup("owner", "owners", [], "Eigenaar", "Owner"),
      { ...lookup("contract", "contracts", [["owner", "owner"], ["relation", "relation", "fills"]], "Contract", "Contract"), required: false },
    ],
  };
  const conn: ReadyConnection = { ...connection, id: "made-3", capabilities: fillsCaps };
  const contract = (id: string, label: string, rel: string) => ({ ...item(id, label), parents: { owner: "O-17", relation: rel } });

  beforeEach(() => {
    vi.clearAllMocks();
    setLocale("en");
    mocked.searchList.mockImplementation(async (_c, list, _a, parents) => {
      if (list === "owners") return { items: [item("O-17", "Vereniging Oost")], pending: false };
      if (list !== "contracts") return { items: [], pending: false };
      const all = [contract("K-1", "Huur Kerkstraat 1", "r1"), contract("K-3", "Huur Dorpsplein 3", "r3")];
      return { items: all.filter((c) => !parents.relation || c.parents.relation === parents.relation), pending: false };
    });
  });

  it("offers the owner's contracts while the relation is empty, and the chosen one fills the relation", async () => {
    mocked.currentDraft.mockResolvedValue(
      draftView(draft({ connection_id: "made-3", relation: null, extra: { owner: "O-17" }, lines: [line({ id: "l-1" })] })),
    );
    mocked.relationById.mockResolvedValue(relation("r3", "Dorpsplein B.V."));
    const user = userEvent.setup();
    render(InvoiceForm, { connection: conn, sync, administrationId: "1", debounce: 0 });
    await screen.findByTestId("extra-contract");
    expect(input("extra-contract").disabled).toBe(false);
    await user.type(input("extra-contract"), "huur");
    await waitFor(() => expect(mocked.searchList).toHaveBeenCalledWith("made-3", "contracts", "1", { owner: "O-17" }, "huur"));
    const options = await screen.findAllByTestId("extra-contract-option");
    expect(options).toHaveLength(2);
    await user.click(options[1]);
    expect(mocked.relationById).toHaveBeenCalledWith("made-3", "1", "r3");
    await waitFor(() => {
      const saved = mocked.saveDraft.mock.calls.at(-1)?.[0];
      expect(saved?.extra.contract).toBe("K-3");
      expect(saved?.relation?.id).toBe("r3");
    });
    expect((await screen.findByTestId("relation-selected")).textContent).toContain("Dorpsplein B.V.");
    expect(input("extra-contract").value).toBe("Huur Dorpsplein 3");
  });

  it("leaves a chosen relation alone and filters on it", async () => {
    mocked.currentDraft.mockResolvedValue(
      draftView(draft({ connection_id: "made-3", relation: relation("r1", "Jansen Bouw"), extra: { owner: "O-17" }, lines: [line({ id: "l-1" })] })),
    );
    const user = userEvent.setup();
    render(InvoiceForm, { connection: conn, sync, administrationId: "1", debounce: 0 });
    await screen.findByTestId("extra-contract");
    await user.type(input("extra-contract"), "huur");
    await waitFor(() =>
      expect(mocked.searchList).toHaveBeenCalledWith("made-3", "contracts", "1", { owner: "O-17", relation: "r1" }, "huur"),
    );
    await user.click(await screen.findByTestId("extra-contract-option"));
    await waitFor(() => expect(mocked.saveDraft.mock.calls.at(-1)?.[0].extra.contract).toBe("K-1"));
    expect(mocked.relationById).not.toHaveBeenCalled();
    expect(mocked.saveDraft.mock.calls.at(-1)?.[0].relation?.id).toBe("r1");
  });

  it("clears the values chosen under the administration before, and keeps those of the whole connection", async () => {
    const withSite: Capabilities = {
      ...madeUp,
      header_fields: [...madeUp.header_fields, lookup("site", "sites", [], "Vestiging", "Site")],
      lists: [...madeUp.lists, { name: "sites", label: { nl: "Vestigingen", en: "Sites" }, scope: { type: "connection" } }],
    };
    const conn: ReadyConnection = { ...made, capabilities: withSite };
    mocked.currentDraft.mockResolvedValue(
      draftView(
        draft({
          connection_id: "made-1",
          administration_id: "1",
          extra: { owner: "O-17", contract: "K-1", site: "S-3" },
          lines: [line({ id: "l-1", extra: { object: "X-1" } }), line({ id: "l-2", extra: { object: "" } })],
        }),
      ),
    );
    const view = render(InvoiceForm, { connection: conn, sync, administrationId: "1", debounce: 0 });
    await screen.findByTestId("extra-owner");
    await view.rerender({ connection: conn, sync, administrationId: "2", debounce: 0 });
    await waitFor(() => expect(mocked.saveDraft.mock.calls.at(-1)?.[0].administration_id).toBe("2"));
    const saved = mocked.saveDraft.mock.calls.at(-1)![0];
    // The owner's list is kept per administration; the contract is filtered by the owner.
    expect(saved.extra.owner).toBe("");
    expect(saved.extra.contract).toBe("");
    expect(saved.lines[0].extra.object).toBe("");
    // A list of the whole connection is not the administration's.
    expect(saved.extra.site).toBe("S-3");
  });
});
