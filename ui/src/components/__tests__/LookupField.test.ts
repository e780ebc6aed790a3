// Look-up fields of a made-up system: an owner chosen from a list, a contract from a list per
// owner and relation, and a line's object filtered by the owner in the header.
import { render, screen, waitFor } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { tick } from "svelte";
import { beforeEach, describe, expect, it, vi } from "vitest";
import * as api from "../../lib/api";
import { setLocale } from "../../lib/locale.svelte";
import type { Capabilities, FieldSpec, ListSynced, LookupItem, ReadyConnection } from "../../lib/types";
import { caps, connection, draft, draftView, line, relation, sync } from "../../test/fixtures";
import InvoiceForm from "../InvoiceForm.svelte";

vi.mock("../../lib/api", async () => (await import("../../test/apiMock")).apiMock());
const mocked = vi.mocked(api);

function lookup(key: string, list: string, filter: [string, string][], nl: string, en: string): FieldSpec {
  return {
    key,
    label: { nl, en },
    kind: { type: "lookup", list, filter: filter.map(([k, from]) => ({ key: k, from_field: from })) },
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
