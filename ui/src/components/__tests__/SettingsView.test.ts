import { render, screen, waitFor, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import * as api from "../../lib/api";
import { app } from "../../lib/app.svelte";
import { setLocale } from "../../lib/locale.svelte";
import { setConnectors } from "../../lib/connectors.svelte";
import { connection, connectors, firstSystem, secondConnection, secondSystem } from "../../test/fixtures";
import SettingsView from "../SettingsView.svelte";

vi.mock("../../lib/api", async () => (await import("../../test/apiMock")).apiMock());
const mocked = vi.mocked(api);

describe("SettingsView", () => {
  beforeEach(() => {
    vi.clearAllMocks();
    setLocale("en");
    Object.assign(app, { ready: true, connections: [connection, secondConnection], activeId: connection.id, view: "settings" });
  });

  it("adds a connection through one button and a system choice, or straight for a system", async () => {
    const user = userEvent.setup();
    render(SettingsView);
    await user.click(screen.getByTestId("conn-add"));
    const kind = screen.getByTestId("conn-kind") as HTMLSelectElement;
    expect([...kind.options].map((o) => o.textContent?.trim())).toEqual(connectors.filter((c) => c.available).map((c) => c.name));
    expect(kind.value).toBe(firstSystem.id);
    expect(screen.getByTestId("conn-app-token")).toBeTruthy();

    const quick = screen.getByTestId(`conn-add-${secondSystem.id}`);
    expect(quick.textContent).toContain(secondSystem.name);
    expect(quick.getAttribute("aria-label")).toBe(`Add ${secondSystem.name} connection`);
    await user.click(quick);
    expect((screen.getByTestId("conn-kind") as HTMLSelectElement).value).toBe(secondSystem.id);
    expect(screen.getByTestId("conn-api-key")).toBeTruthy();
    expect(screen.getByTestId("conn-username")).toBeTruthy();
    expect(screen.getByTestId("connection-form").querySelector("h2")?.textContent).toBe(`New ${secondSystem.name} connection`);

    await user.click(screen.getByTestId(`conn-add-${firstSystem.id}`));
    expect(screen.getByTestId("conn-app-token")).toBeTruthy();
    expect(screen.queryByTestId("conn-api-key")).toBeNull();
  });

  it("says on the connection's row why it was not deleted while invoices still wait", async () => {
    const message =
      "This connection cannot be deleted: 2 invoices are still waiting to be sent or not certain to have arrived. See them in History and delete the connection once they have been sent.";
    mocked.deleteConnection.mockRejectedValue({ code: "validation", message });
    const user = userEvent.setup();
    render(SettingsView);
    const row = screen.getAllByTestId("connection-row").find((r) => r.textContent?.includes("Test office"))!;
    await user.click(within(row).getByTestId("conn-delete"));
    await user.click(within(row).getByTestId("conn-delete-confirm"));
    expect((await within(row).findByTestId("conn-delete-refused")).textContent).toContain("2 invoices are still waiting");
    expect(mocked.deleteConnection).toHaveBeenCalledWith(connection.id);
    expect(screen.getAllByTestId("connection-row")).toHaveLength(2);
  });

  it("lists each connection with its system and the settings its description names", () => {
    render(SettingsView);
    const rows = screen.getAllByTestId("connection-row");
    const silva = rows.find((r) => r.textContent?.includes("Bakker – bookkeeping"))!;
    expect(silva.querySelector(".system")?.textContent).toBe(secondSystem.name);
    expect(silva.textContent).toContain(secondSystem.url.label.en);
    expect(within(silva).getByTestId("conn-summary-username").textContent).toContain("boekhouding@bakker.nl");
    expect(within(silva).getByTestId("conn-summary-module").textContent).toContain("Bookkeeping (sales booking, no products)");
    expect(within(silva).getByTestId("conn-summary-first_invoice_number").textContent).toContain("2026001");
    expect(silva.textContent).toContain("API key");
    expect(silva.textContent).not.toContain("sk-");
    const first = rows.find((r) => r.textContent?.includes("Test office"))!;
    expect(first.querySelector(".system")?.textContent).toBe(firstSystem.name);
    expect(first.textContent).toContain(firstSystem.sign_in[0].label.en);
    expect(first.textContent).toContain("stored in the system keyring");
    expect(within(first).queryByTestId("conn-summary-username")).toBeNull();
  });

  it("opens a saved connection of the second system with its settings and the key kept in the keyring", async () => {
    const user = userEvent.setup();
    render(SettingsView);
    const rows = screen.getAllByTestId("connection-row");
    const silva = rows.find((r) => r.textContent?.includes("Bakker – bookkeeping"))!;
    await user.click(within(silva).getByTestId("conn-edit"));
    expect(screen.queryByTestId("conn-kind")).toBeNull();
    expect((screen.getByTestId("conn-first-invoice-number") as HTMLInputElement).value).toBe("2026001");
    expect(screen.getByTestId("conn-api-key-stored")).toBeTruthy();
    mocked.saveConnection.mockResolvedValue(secondConnection);
    mocked.listConnections.mockResolvedValue([connection, secondConnection]);
    await user.click(screen.getByTestId("conn-save"));
    await waitFor(() => expect(mocked.saveConnection).not.toHaveBeenCalled());
  });

  it("says whether a connection that signs in through the browser is signed in", () => {
    const oauth = firstSystem.sign_in.find((m) => m.oauth !== null)!;
    app.connections = [
      { ...connection, id: "o-1", name: "Signed in", auth: oauth.id, has_secret: true },
      { ...connection, id: "o-2", name: "Not yet", auth: oauth.id, has_secret: false },
    ];
    render(SettingsView);
    const [signedIn, notYet] = screen.getAllByTestId("connection-row");
    expect(signedIn.textContent).toContain(oauth.label.en);
    expect(signedIn.textContent).toContain("signed in");
    expect(notYet.textContent).toContain("not signed in yet");
  });

  it("offers only the systems that are available, by the name they give themselves", async () => {
    setConnectors([firstSystem, { ...secondSystem, available: false }, { ...secondSystem, id: "tally", name: "Tally Books" }]);
    try {
      const user = userEvent.setup();
      render(SettingsView);
      expect(screen.queryByTestId(`conn-add-${secondSystem.id}`)).toBeNull();
      expect(screen.getByTestId("conn-add-tally").textContent).toContain("Tally Books");
      await user.click(screen.getByTestId("conn-add"));
      const kind = screen.getByTestId("conn-kind") as HTMLSelectElement;
      expect([...kind.options].map((o) => o.textContent?.trim())).toEqual([firstSystem.name, "Tally Books"]);
      // A connection of a system this version no longer offers is still listed under its name.
      expect(screen.getAllByTestId("connection-row")[1].querySelector(".system")?.textContent).toBe(secondSystem.name);
    } finally {
      setConnectors(connectors);
    }
  });
});
