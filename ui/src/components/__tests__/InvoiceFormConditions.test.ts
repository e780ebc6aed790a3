import { fireEvent, render, screen, waitFor } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import * as api from "../../lib/api";
import { setLocale } from "../../lib/locale.svelte";
import type { Capabilities, Draft, FieldSpec, ReadyConnection } from "../../lib/types";
import { caps, connection as base, draft, draftView, line, sync } from "../../test/fixtures";
import InvoiceForm from "../InvoiceForm.svelte";

vi.mock("../../lib/api", async () => (await import("../../test/apiMock")).apiMock());

const mocked = vi.mocked(api);

function text(key: string, en: string, over: Partial<FieldSpec> = {}): FieldSpec {
  return {
    key,
    label: { nl: en, en },
    kind: { type: "text", max_len: null },
    required: false,
    default: null,
    help: null,
    shown_when: null,
    required_when: null,
    ...over,
  };
}

/**
 * A made-up system: a status (draft, issued, paid); e-mail details shown when the status is
 * issued or paid and required only when issued; a supply date and no reference; descriptions
 * of at most 100 characters. Two price bases, so only the declared header hides the choice.
 */
const madeUp: Capabilities = {
  ...caps,
  administrations: false,
  addresses: false,
  attachments: false,
  product_required: false,
  line_texts: { description: "typed", extra_description: true },
  price_bases: ["excl_vat", "incl_vat"],
  header_fields: [
    text("status", "Status", {
      kind: {
        type: "choice",
        options: [
          { value: "draft", label: { nl: "Concept", en: "Draft" } },
          { value: "issued", label: { nl: "Verstuurd", en: "Issued" } },
          { value: "paid", label: { nl: "Betaald", en: "Paid" } },
        ],
      },
      required: true,
      default: "draft",
    }),
    text("email_subject", "E-mail subject", {
      shown_when: { field: "status", values: ["issued", "paid"] },
      required_when: { field: "status", values: ["issued"] },
    }),
  ],
  line_fields: [],
  header: [
    { key: "issue_date", label: { nl: "Leverdatum", en: "Supply date" }, required: true, max_len: null, help: null },
  ],
  description_max_len: 100,
};

const connection: ReadyConnection = { ...base, id: "made-up-1", administration_id: null, capabilities: madeUp };

function madeUpDraft(over: Partial<Draft> = {}): Draft {
  return draft({ connection_id: "made-up-1", administration_id: null, extra: { status: "draft" }, ...over });
}

async function renderForm(d: Draft) {
  mocked.currentDraft.mockResolvedValue(draftView(d));
  const result = render(InvoiceForm, { connection, sync, administrationId: null, debounce: 0 });
  await screen.findByTestId("relation-input");
  return result;
}

const lastSaved = (): Draft => mocked.saveDraft.mock.calls.at(-1)![0];

describe("InvoiceForm with fields that depend on other fields (a made-up system)", () => {
  beforeEach(() => {
    vi.clearAllMocks();
    setLocale("en");
  });

  it("shows the e-mail field when the status is issued, required then, and keeps its value when hidden", async () => {
    const user = userEvent.setup();
    await renderForm(madeUpDraft({ lines: [line()] }));
    expect(screen.queryByTestId("extra-email_subject")).toBeNull();

    await user.selectOptions(screen.getByTestId("extra-status"), "issued");
    const subject = await screen.findByTestId("extra-email_subject");
    expect(subject.getAttribute("aria-required")).toBe("true");
    expect(screen.getByText("E-mail subject").parentElement?.textContent).toContain("*");
    await user.type(subject, "Your invoice");

    // Shown when paid, but no longer required.
    await user.selectOptions(screen.getByTestId("extra-status"), "paid");
    expect(screen.getByTestId("extra-email_subject").getAttribute("aria-required")).toBe("false");

    // Hidden again: gone from the form, but the draft keeps what was typed.
    await user.selectOptions(screen.getByTestId("extra-status"), "draft");
    expect(screen.queryByTestId("extra-email_subject")).toBeNull();
    await waitFor(() => expect(lastSaved().extra.status).toBe("draft"));
    expect(lastSaved().extra.email_subject).toBe("Your invoice");
  });

  it("renders a supply-date-only header: the declared label, no reference, no price basis choice", async () => {
    await renderForm(madeUpDraft({ lines: [line()] }));
    expect(screen.getByTestId("issue-date-label").textContent).toBe("Supply date");
    expect(screen.getByTestId("issue-date")).toBeTruthy();
    expect(screen.queryByTestId("reference")).toBeNull();
    expect(screen.queryByTestId("price-basis")).toBeNull();
    setLocale("nl");
    await waitFor(() => expect(screen.getByTestId("issue-date-label").textContent).toBe("Leverdatum"));
  });

  it("counts a line's description as the clerk types against the declared maximum", async () => {
    const user = userEvent.setup();
    await renderForm(madeUpDraft({ lines: [line({ id: "l-1" })] }));
    const count = screen.getByTestId("line-0-description-count");
    expect(count.textContent).toBe("0/100");
    await user.type(screen.getByTestId("line-0-description"), "Consulting");
    expect(count.textContent).toBe("10/100");
    expect(count.classList.contains("over")).toBe(false);
    // Nothing is cut off: a longer text stays as typed and the counter says it is over.
    await fireEvent.input(screen.getByTestId("line-0-description"), { target: { value: "é".repeat(101) } });
    expect(count.textContent).toBe("101/100");
    expect(count.classList.contains("over")).toBe(true);
    await waitFor(() => expect(lastSaved().lines[0].description).toBe("é".repeat(101)));
  });

  it("shows no counter and today's header where nothing is declared", async () => {
    const plain: ReadyConnection = {
      ...connection,
      capabilities: { ...madeUp, header: [], description_max_len: null },
    };
    mocked.currentDraft.mockResolvedValue(draftView(madeUpDraft({ lines: [line()] })));
    render(InvoiceForm, { connection: plain, sync, administrationId: null, debounce: 0 });
    await screen.findByTestId("relation-input");
    expect(screen.getByTestId("issue-date-label").textContent).toBe("Invoice date");
    expect(screen.getByTestId("reference")).toBeTruthy();
    expect(screen.getByTestId("price-basis")).toBeTruthy();
    expect(screen.queryByTestId("line-0-description-count")).toBeNull();
  });
});
