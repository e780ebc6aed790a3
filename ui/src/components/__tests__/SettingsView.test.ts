import { render, screen, waitFor, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import * as api from "../../lib/api";
import { app } from "../../lib/app.svelte";
import { setLocale } from "../../lib/locale.svelte";
import { connection, silvasoftConnection } from "../../test/fixtures";
import SettingsView from "../SettingsView.svelte";

vi.mock("../../lib/api", async () => (await import("../../test/apiMock")).apiMock());
const mocked = vi.mocked(api);

describe("SettingsView", () => {
  beforeEach(() => {
    vi.clearAllMocks();
    setLocale("en");
    Object.assign(app, { ready: true, connections: [connection, silvasoftConnection], activeId: connection.id, view: "settings" });
  });

  it("adds a connection through one button and a system choice, or straight for a system", async () => {
    const user = userEvent.setup();
    render(SettingsView);
    await user.click(screen.getByTestId("conn-add"));
    const kind = screen.getByTestId("conn-kind") as HTMLSelectElement;
    expect([...kind.options].map((o) => o.textContent?.trim())).toEqual(["AFAS SB", "Silvasoft"]);
    expect(kind.value).toBe("afas");
    expect(screen.getByTestId("conn-app-token")).toBeTruthy();

    await user.click(screen.getByTestId("conn-add-silvasoft"));
    expect((screen.getByTestId("conn-kind") as HTMLSelectElement).value).toBe("silvasoft");
    expect(screen.getByTestId("conn-api-key")).toBeTruthy();
    expect(screen.getByTestId("conn-username")).toBeTruthy();
    expect(screen.getByTestId("connection-form").querySelector("h2")?.textContent).toBe("New Silvasoft connection");

    await user.click(screen.getByTestId("conn-add-afas"));
    expect(screen.getByTestId("conn-app-token")).toBeTruthy();
    expect(screen.queryByTestId("conn-api-key")).toBeNull();
  });

  it("says on the connection's row why it was not deleted while invoices still wait", async () => {
    const message =
      "This connection cannot be deleted: 2 invoices are still waiting to be sent or not certain to have arrived. See them in History and delete the connection once they have been sent.";
    mocked.deleteConnection.mockRejectedValue({ code: "validation", message });
    const user = userEvent.setup();
    render(SettingsView);
    const row = screen.getAllByTestId("connection-row").find((r) => r.textContent?.includes("Test AFAS"))!;
    await user.click(within(row).getByTestId("conn-delete"));
    await user.click(within(row).getByTestId("conn-delete-confirm"));
    expect((await within(row).findByTestId("conn-delete-refused")).textContent).toContain("2 invoices are still waiting");
    expect(mocked.deleteConnection).toHaveBeenCalledWith(connection.id);
    expect(screen.getAllByTestId("connection-row")).toHaveLength(2);
  });

  it("lists each connection with its system and the settings its descriptor names", () => {
    render(SettingsView);
    const rows = screen.getAllByTestId("connection-row");
    const silva = rows.find((r) => r.textContent?.includes("Demo – Silvasoft (boekhouding)"))!;
    expect(silva.textContent).toContain("Silvasoft");
    expect(within(silva).getByTestId("conn-summary-username").textContent).toContain("boekhouding@bakker.nl");
    expect(within(silva).getByTestId("conn-summary-module").textContent).toContain("Bookkeeping (sales booking, no products)");
    expect(within(silva).getByTestId("conn-summary-first_invoice_number").textContent).toContain("2026001");
    expect(silva.textContent).toContain("API key");
    expect(silva.textContent).not.toContain("sk-");
    const afas = rows.find((r) => r.textContent?.includes("Test AFAS"))!;
    expect(within(afas).queryByTestId("conn-summary-username")).toBeNull();
  });

  it("opens a saved Silvasoft connection with its settings and the key kept in the keyring", async () => {
    const user = userEvent.setup();
    render(SettingsView);
    const rows = screen.getAllByTestId("connection-row");
    const silva = rows.find((r) => r.textContent?.includes("Silvasoft (boekhouding)"))!;
    await user.click(within(silva).getByTestId("conn-edit"));
    expect(screen.queryByTestId("conn-kind")).toBeNull();
    expect((screen.getByTestId("conn-first-number") as HTMLInputElement).value).toBe("2026001");
    expect(screen.getByTestId("conn-api-key-stored")).toBeTruthy();
    mocked.saveConnection.mockResolvedValue(silvasoftConnection);
    mocked.listConnections.mockResolvedValue([connection, silvasoftConnection]);
    await user.click(screen.getByTestId("conn-save"));
    await waitFor(() => expect(mocked.saveConnection).not.toHaveBeenCalled());
  });
});
