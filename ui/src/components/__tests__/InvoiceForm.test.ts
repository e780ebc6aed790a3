import { render, screen, waitFor } from "@testing-library/svelte";
import { beforeEach, describe, expect, it, vi } from "vitest";
import * as api from "../../lib/api";
import { connection, draftView, sync } from "../../test/fixtures";
import InvoiceForm from "../InvoiceForm.svelte";

vi.mock("../../lib/api", async () => (await import("../../test/apiMock")).apiMock());

const mocked = vi.mocked(api);

describe("InvoiceForm", () => {
  beforeEach(() => {
    vi.clearAllMocks();
    mocked.currentDraft.mockResolvedValue(draftView());
  });

  it("loads the current draft", async () => {
    render(InvoiceForm, { connection, sync, administrationId: "1", debounce: 0 });
    await waitFor(() => expect(screen.getByTestId("relation-input")).toBeTruthy());
    expect(mocked.currentDraft).toHaveBeenCalledWith("conn-1");
  });
});
