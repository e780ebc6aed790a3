// The address book of a made-up system with consumers and businesses, declared the way such a
// system does: a person's names, a business's trading name and numbers, a country and a
// language to choose, a region required only for some countries. The recipient is added and
// edited inline while an invoice is typed.
import { render, screen, waitFor } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import * as api from "../../lib/api";
import { setLocale } from "../../lib/locale.svelte";
import type { Capabilities, Condition, FieldSpec, ReadyConnection, Recipient } from "../../lib/types";
import { caps, connection, draft, draftView, line, relation, sync } from "../../test/fixtures";
import InvoiceForm from "../InvoiceForm.svelte";
import RecipientForm from "../RecipientForm.svelte";

vi.mock("../../lib/api", async () => (await import("../../test/apiMock")).apiMock());
const mocked = vi.mocked(api);

const person: Condition = { field: "kind", values: ["person"] };
const organisation: Condition = { field: "kind", values: ["organisation"] };

function text(key: string, en: string, nl: string, over: Partial<FieldSpec> = {}): FieldSpec {
  return { key, label: { nl, en }, kind: { type: "text", max_len: null }, required: false, default: null, help: null, shown_when: null, required_when: null, ...over };
}

const fields: FieldSpec[] = [
  text("given_name", "Given name", "Voornaam", { shown_when: person, required_when: person }),
  text("family_name", "Family name", "Achternaam", { shown_when: person, required_when: person }),
  text("organization_name", "Trading name", "Handelsnaam", { shown_when: organisation }),
  text("organization_number", "Chamber of Commerce number", "KvK-nummer", { shown_when: organisation }),
  text("vat_number", "VAT number", "Btw-nummer", { shown_when: organisation }),
  text("email", "E-mail address", "E-mailadres", { required: true }),
  text("street_and_number", "Street and number", "Straat en huisnummer", { required: true }),
  text("postal_code", "Postal code", "Postcode", { required: true }),
  text("city", "City", "Plaats", { required: true }),
  text("region", "Region", "Regio", { required_when: { field: "country", values: ["US", "CA"] } }),
  {
    ...text("country", "Country", "Land", { required: true, default: "NL" }),
    kind: {
      type: "choice",
      options: [
        { value: "NL", label: { nl: "Nederland", en: "Netherlands" } },
        { value: "BE", label: { nl: "België", en: "Belgium" } },
        { value: "US", label: { nl: "Verenigde Staten", en: "United States" } },
      ],
    },
  },
  {
    ...text("locale", "Language", "Taal", { required: true, default: "nl_NL" }),
    kind: {
      type: "choice",
      options: [
        { value: "nl_NL", label: { nl: "Nederlands", en: "Dutch" } },
        { value: "en_US", label: { nl: "Engels", en: "English" } },
      ],
    },
  },
];

const required = (testid: string) => screen.getByTestId(testid).getAttribute("aria-required");

describe("a recipient's declared fields follow its kind and its other fields", () => {
  beforeEach(() => {
    vi.clearAllMocks();
    setLocale("en");
  });

  it("shows a business's fields for an organisation and a person's names, required, for a person", async () => {
    const user = userEvent.setup();
    render(RecipientForm, { connectionId: "made-1", fields, name: "Jansen", onsaved: vi.fn(), oncancel: vi.fn(), save: vi.fn() });
    // An organisation first: trading name and numbers, no given or family name.
    expect(screen.getByTestId("recipient-organization-name")).toBeTruthy();
    expect(screen.getByTestId("recipient-vat-number")).toBeTruthy();
    expect(screen.queryByTestId("recipient-given-name")).toBeNull();
    expect((screen.getByTestId("recipient-country") as HTMLSelectElement).value).toBe("NL");
    expect((screen.getByTestId("recipient-locale") as HTMLSelectElement).value).toBe("nl_NL");
    expect(required("recipient-email")).toBe("true");

    await user.type(screen.getByTestId("recipient-vat-number"), "NL001234567B01");
    await user.selectOptions(screen.getByTestId("recipient-kind"), "person");
    expect(screen.queryByTestId("recipient-vat-number")).toBeNull();
    expect(required("recipient-given-name")).toBe("true");
    expect(required("recipient-family-name")).toBe("true");
    expect(screen.getByLabelText(/Given name/).closest(".field")?.textContent).toContain("*");

    // Back to an organisation: what was typed there is still there.
    await user.selectOptions(screen.getByTestId("recipient-kind"), "organisation");
    expect((screen.getByTestId("recipient-vat-number") as HTMLInputElement).value).toBe("NL001234567B01");
  });

  it("requires a region only for a country that has them", async () => {
    const user = userEvent.setup();
    render(RecipientForm, { connectionId: "made-1", fields, onsaved: vi.fn(), oncancel: vi.fn(), save: vi.fn() });
    expect(required("recipient-region")).toBe("false");
    await user.selectOptions(screen.getByTestId("recipient-country"), "US");
    expect(required("recipient-region")).toBe("true");
    setLocale("nl");
    await waitFor(() => expect(screen.getByLabelText(/Regio/)).toBe(screen.getByTestId("recipient-region")));
  });

  it("saves a consumer with its names and the values of every declared field", async () => {
    const saved: Recipient = {
      id: "rcp-1", kind: "person", name: "Piet Jansen", number: null, email: "piet@jansen.nl", city: "Delft", vat_number: null,
      values: {}, created_at: "2026-11-30T10:00:00Z", updated_at: "2026-11-30T10:00:00Z", archived: false,
    };
    const save = vi.fn(async () => saved);
    const user = userEvent.setup();
    render(RecipientForm, { connectionId: "made-1", fields, name: "Piet Jansen", onsaved: vi.fn(), oncancel: vi.fn(), save });
    await user.selectOptions(screen.getByTestId("recipient-kind"), "person");
    await user.type(screen.getByTestId("recipient-given-name"), "Piet");
    await user.type(screen.getByTestId("recipient-family-name"), "Jansen");
    await user.type(screen.getByTestId("recipient-email"), "piet@jansen.nl");
    await user.type(screen.getByTestId("recipient-street-and-number"), "Markt 1");
    await user.type(screen.getByTestId("recipient-postal-code"), "2611 GP");
    await user.type(screen.getByTestId("recipient-city"), "Delft");
    await user.selectOptions(screen.getByTestId("recipient-locale"), "en_US");
    await user.click(screen.getByTestId("recipient-save"));
    expect(save).toHaveBeenCalledWith("made-1", {
      id: null,
      kind: "person",
      name: "Piet Jansen",
      values: {
        given_name: "Piet",
        family_name: "Jansen",
        email: "piet@jansen.nl",
        street_and_number: "Markt 1",
        postal_code: "2611 GP",
        city: "Delft",
        country: "NL",
        locale: "en_US",
      },
    });
  });
});

describe("adding and editing such a recipient inline while typing an invoice", () => {
  const local: Capabilities = { ...caps, administrations: false, relations: { kind: "local", fields } };
  const made: ReadyConnection = { ...connection, id: "made-1", administration_id: null, capabilities: local };

  beforeEach(() => {
    vi.clearAllMocks();
    setLocale("en");
  });

  it("adds a business from the relation field with the desk's message on a field, then picks it", async () => {
    mocked.currentDraft.mockResolvedValue(draftView(draft({ connection_id: "made-1", administration_id: null, lines: [line({ id: "l-1" })] })));
    mocked.saveRecipient
      .mockRejectedValueOnce({
        code: "validation",
        message: "The recipient was not saved: check the marked fields.",
        fields: [{ field: "recipient.postal_code", message: "Fill in 'Postal code'." }],
      })
      .mockResolvedValueOnce({
        id: "rcp-9", kind: "organisation", name: "Bakkerij Negen", number: "12345678", email: "b@negen.nl", city: "Gent", vat_number: null,
        values: {}, created_at: "2026-11-30T10:00:00Z", updated_at: "2026-11-30T10:00:00Z", archived: false,
      });
    const user = userEvent.setup();
    render(InvoiceForm, { connection: made, sync, administrationId: null, debounce: 0 });
    await user.type(await screen.findByTestId("relation-input"), "Bakkerij Negen");
    await user.click(await screen.findByTestId("relation-new"));
    await user.type(screen.getByTestId("recipient-organization-number"), "12345678");
    await user.type(screen.getByTestId("recipient-email"), "b@negen.nl");
    await user.click(screen.getByTestId("recipient-save"));
    expect((await screen.findByTestId("field-error-recipient.postal_code")).textContent).toContain("Fill in 'Postal code'.");
    await user.type(screen.getByTestId("recipient-postal-code"), "9000");
    expect(screen.queryByTestId("field-error-recipient.postal_code")).toBeNull();
    await user.click(screen.getByTestId("recipient-save"));
    expect(mocked.saveRecipient.mock.calls[1][1]).toEqual(
      expect.objectContaining({ kind: "organisation", name: "Bakkerij Negen", values: expect.objectContaining({ organization_number: "12345678", postal_code: "9000", country: "NL", locale: "nl_NL" }) }),
    );
    expect((await screen.findByTestId("relation-selected")).textContent).toContain("Bakkerij Negen");
    await waitFor(() => expect(mocked.saveDraft.mock.calls.at(-1)?.[0].relation?.id).toBe("rcp-9"));
  });

  it("says so when the chosen recipient is no longer in the address book", async () => {
    mocked.currentDraft.mockResolvedValue(
      draftView(draft({ connection_id: "made-1", administration_id: null, relation: relation("rcp-gone", "Bakkerij Weg"), lines: [line({ id: "l-1" })] })),
    );
    mocked.listRecipients.mockResolvedValue([]);
    const user = userEvent.setup();
    render(InvoiceForm, { connection: made, sync, administrationId: null, debounce: 0 });
    await user.click(await screen.findByTestId("relation-edit"));
    expect((await screen.findByText(/is no longer in the address book/)).textContent).toContain("'Bakkerij Weg'");
    expect(screen.queryByTestId("recipient-form")).toBeNull();
  });
});
