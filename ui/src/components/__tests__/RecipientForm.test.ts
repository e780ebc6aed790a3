// The local address book of a made-up system whose relations are kept by the app: the recipient
// editor is built from the declared fields, shows the desk's messages on them, and is reached
// from the relation field ("New recipient…" and "Edit").
import { render, screen, waitFor } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import * as api from "../../lib/api";
import { setLocale } from "../../lib/locale.svelte";
import type { Capabilities, FieldSpec, Recipient, ReadyConnection } from "../../lib/types";
import { caps, connection, draft, draftView, line, relation, sync } from "../../test/fixtures";
import InvoiceForm from "../InvoiceForm.svelte";
import RecipientForm from "../RecipientForm.svelte";

vi.mock("../../lib/api", async () => (await import("../../test/apiMock")).apiMock());
const mocked = vi.mocked(api);

const fields: FieldSpec[] = [
  { key: "email", label: { nl: "E-mailadres", en: "E-mail address" }, kind: { type: "text", max_len: 120 }, required: true, default: null, help: null, shown_when: null, required_when: null },
  { key: "city", label: { nl: "Plaats", en: "City" }, kind: { type: "text", max_len: null }, required: false, default: null, help: null, shown_when: null, required_when: null },
  {
    key: "locale",
    label: { nl: "Taal", en: "Language" },
    kind: { type: "choice", options: [{ value: "nl_NL", label: { nl: "Nederlands", en: "Dutch" } }, { value: "en_GB", label: { nl: "Engels", en: "English" } }] },
    required: true,
    default: "nl_NL",
    help: null,
    shown_when: null,
    required_when: null,
  },
];

function recipient(over: Partial<Recipient> = {}): Recipient {
  return {
    id: "rcp-1",
    kind: "organisation",
    name: "Bakkerij Één",
    number: null,
    email: "info@een.nl",
    city: "Delft",
    vat_number: null,
    values: { email: "info@een.nl", city: "Delft", locale: "nl_NL" },
    created_at: "2026-11-30T10:00:00Z",
    updated_at: "2026-11-30T10:00:00Z",
    archived: false,
    ...over,
  };
}

describe("RecipientForm", () => {
  beforeEach(() => {
    vi.clearAllMocks();
    setLocale("en");
  });

  it("renders the declared fields with their defaults and saves what was typed", async () => {
    const save = vi.fn(async () => recipient({ name: "Jansen", email: "j@jansen.nl" }));
    const onsaved = vi.fn();
    const user = userEvent.setup();
    render(RecipientForm, { connectionId: "made-1", fields, name: "Jans", onsaved, oncancel: vi.fn(), save });
    expect((screen.getByTestId("recipient-name") as HTMLInputElement).value).toBe("Jans");
    expect((screen.getByTestId("recipient-locale") as HTMLSelectElement).value).toBe("nl_NL");
    expect(screen.getByLabelText(/E-mail address/)).toBeTruthy();
    await user.type(screen.getByTestId("recipient-name"), "en");
    await user.type(screen.getByTestId("recipient-email"), "j@jansen.nl");
    await user.selectOptions(screen.getByTestId("recipient-kind"), "person");
    await user.click(screen.getByTestId("recipient-save"));
    expect(save).toHaveBeenCalledWith("made-1", {
      id: null,
      kind: "person",
      name: "Jansen",
      values: { email: "j@jansen.nl", locale: "nl_NL" },
    });
    expect(onsaved).toHaveBeenCalledWith(recipient({ name: "Jansen", email: "j@jansen.nl" }));
  });

  it("puts the cursor in the name once, and never takes it back there when nothing has it for a moment", async () => {
    render(RecipientForm, { connectionId: "made-1", fields, name: "Jans", onsaved: vi.fn(), oncancel: vi.fn(), save: vi.fn() });
    const name = screen.getByTestId("recipient-name");
    await waitFor(() => expect(document.activeElement).toBe(name));
    expect(name.hasAttribute("autofocus")).toBe(false);
    const email = screen.getByTestId("recipient-email") as HTMLInputElement;
    email.focus();
    email.blur();
    await new Promise((r) => setTimeout(r, 20));
    email.focus();
    expect(document.activeElement).toBe(email);
  });

  it("shows the desk's messages on their fields and keeps what was typed", async () => {
    const save = vi.fn(async () => {
      throw {
        code: "validation",
        message: "The recipient was not saved: check the marked fields.",
        fields: [
          { field: "recipient.name", message: "Fill in the name." },
          { field: "recipient.email", message: "Fill in 'E-mail address'." },
        ],
      };
    });
    const onsaved = vi.fn();
    const user = userEvent.setup();
    render(RecipientForm, { connectionId: "made-1", fields, onsaved, oncancel: vi.fn(), save });
    await user.type(screen.getByTestId("recipient-city"), "Gent");
    await user.click(screen.getByTestId("recipient-save"));
    expect((await screen.findByTestId("field-error-recipient.email")).textContent).toContain("Fill in 'E-mail address'.");
    expect(screen.getByTestId("field-error-recipient.name").textContent).toContain("Fill in the name.");
    expect(screen.getByTestId("recipient-error").textContent).toContain("not saved");
    expect(screen.getByTestId("recipient-email").getAttribute("aria-invalid")).toBe("true");
    expect((screen.getByTestId("recipient-city") as HTMLInputElement).value).toBe("Gent");
    expect(onsaved).not.toHaveBeenCalled();
  });

  it("edits a recipient under its own id", async () => {
    const save = vi.fn(async () => recipient({ name: "Bakkerij Twee" }));
    const user = userEvent.setup();
    render(RecipientForm, { connectionId: "made-1", fields, recipient: recipient(), onsaved: vi.fn(), oncancel: vi.fn(), save });
    expect((screen.getByTestId("recipient-email") as HTMLInputElement).value).toBe("info@een.nl");
    await user.clear(screen.getByTestId("recipient-name"));
    await user.type(screen.getByTestId("recipient-name"), "Bakkerij Twee");
    await user.click(screen.getByTestId("recipient-save"));
    expect(save.mock.calls[0]).toEqual([
      "made-1",
      { id: "rcp-1", kind: "organisation", name: "Bakkerij Twee", values: { email: "info@een.nl", city: "Delft", locale: "nl_NL" } },
    ]);
  });
});

describe("the relation field of a system whose relations are kept locally", () => {
  const local: Capabilities = { ...caps, relations: { kind: "local", fields } };
  const made: ReadyConnection = { ...connection, id: "made-1", capabilities: local };

  beforeEach(() => {
    vi.clearAllMocks();
    setLocale("en");
  });

  it("adds a new recipient from what was typed and picks it", async () => {
    mocked.currentDraft.mockResolvedValue(draftView(draft({ connection_id: "made-1", lines: [line({ id: "l-1" })] })));
    mocked.saveRecipient.mockResolvedValue(recipient({ id: "rcp-9", name: "Bakkerij Negen", email: "b@negen.nl" }));
    const user = userEvent.setup();
    // An empty address book while a refresh runs is empty, not "being loaded".
    const running = { ...sync, relations: 0, running: true, last_synced_at: null };
    render(InvoiceForm, { connection: made, sync: running, administrationId: "1", debounce: 0 });
    await user.type(await screen.findByTestId("relation-input"), "Bakkerij Negen");
    expect((await screen.findByTestId("relation-input-empty")).textContent).toBe("No relation matches 'Bakkerij Negen'");
    await user.click(screen.getByTestId("relation-new"));
    expect((screen.getByTestId("recipient-name") as HTMLInputElement).value).toBe("Bakkerij Negen");
    await user.type(screen.getByTestId("recipient-email"), "b@negen.nl{Enter}");
    expect(mocked.saveRecipient).toHaveBeenCalledWith("made-1", expect.objectContaining({ id: null, name: "Bakkerij Negen" }));
    expect((await screen.findByTestId("relation-selected")).textContent).toContain("Bakkerij Negen");
    expect(screen.queryByTestId("recipient-form")).toBeNull();
    await waitFor(() => expect(mocked.saveDraft.mock.calls.at(-1)?.[0].relation?.id).toBe("rcp-9"));
  });

  it("edits the picked recipient and shows the new details", async () => {
    mocked.currentDraft.mockResolvedValue(
      draftView(draft({ connection_id: "made-1", relation: { ...relation("rcp-1", "Bakkerij Één"), id: "rcp-1" }, lines: [line({ id: "l-1" })] })),
    );
    mocked.listRecipients.mockResolvedValue([recipient()]);
    mocked.saveRecipient.mockResolvedValue(recipient({ city: "Gent", values: { email: "info@een.nl", city: "Gent", locale: "nl_NL" } }));
    const user = userEvent.setup();
    render(InvoiceForm, { connection: made, sync, administrationId: "1", debounce: 0 });
    await user.click(await screen.findByTestId("relation-edit"));
    const city = (await screen.findByTestId("recipient-city")) as HTMLInputElement;
    expect(city.value).toBe("Delft");
    expect(mocked.listRecipients).toHaveBeenCalledWith("made-1", true);
    await user.clear(city);
    await user.type(city, "Gent");
    await user.click(screen.getByTestId("recipient-save"));
    expect(mocked.saveRecipient.mock.calls[0][1].id).toBe("rcp-1");
    await waitFor(() => expect(screen.getByTestId("relation-selected").textContent).toContain("Gent"));
  });

  it("archives the picked recipient and clears the relation", async () => {
    mocked.currentDraft.mockResolvedValue(
      draftView(draft({ connection_id: "made-1", relation: { ...relation("rcp-1", "Bakkerij Één"), id: "rcp-1" }, lines: [line({ id: "l-1" })] })),
    );
    mocked.listRecipients.mockResolvedValue([recipient()]);
    mocked.archiveRecipient.mockResolvedValue(recipient({ archived: true }));
    const user = userEvent.setup();
    render(InvoiceForm, { connection: made, sync, administrationId: "1", debounce: 0 });
    await user.click(await screen.findByTestId("relation-edit"));
    await user.click(await screen.findByTestId("recipient-archive"));
    expect(mocked.archiveRecipient).toHaveBeenCalledWith("made-1", "rcp-1");
    await screen.findByTestId("relation-input");
    expect(screen.queryByTestId("recipient-form")).toBeNull();
    await waitFor(() => expect(mocked.saveDraft.mock.calls.at(-1)?.[0].relation).toBeNull());
  });

  it("offers no address book when the relations are synced", async () => {
    mocked.currentDraft.mockResolvedValue(draftView(draft({ lines: [line({ id: "l-1" })] })));
    render(InvoiceForm, { connection, sync, administrationId: "1", debounce: 0 });
    await screen.findByTestId("relation-input");
    expect(screen.queryByTestId("relation-new")).toBeNull();
  });
});
