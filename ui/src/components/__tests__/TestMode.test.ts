import { render, screen, waitFor } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import App from "../../App.svelte";
import * as api from "../../lib/api";
import { app } from "../../lib/app.svelte";
import { setConnectors } from "../../lib/connectors.svelte";
import { setLocale } from "../../lib/locale.svelte";
import { resetOutbox } from "../../lib/outbox.svelte";
import type { ReadyConnection } from "../../lib/types";
import { connection, connectors, draftView, firstSystem, historyEntry, sync } from "../../test/fixtures";
import { preloadViews } from "../../test/views";

vi.mock("../../lib/api", async () => (await import("../../test/apiMock")).apiMock());
preloadViews();
const mocked = vi.mocked(api);

const testing: ReadyConnection = {
  ...connection,
  id: "conn-test",
  name: "Bakker (test)",
  capabilities: { ...connection.capabilities, test_mode: true },
};

const text = (id: string) => screen.getByTestId(id).textContent?.replace(/\s+/g, " ").trim();

function start(conns: ReadyConnection[], lang: "nl" | "en") {
  mocked.appInfo.mockResolvedValue({ version: "1", lang, demo: false, active_connection_id: conns[0].id, store_warning: null, store_error: null });
  mocked.listConnections.mockResolvedValue(conns);
  render(App);
}

describe("Test mode is shown on every screen while the active connection is in it", () => {
  beforeEach(() => {
    vi.clearAllMocks();
    setConnectors(connectors);
    resetOutbox();
    localStorage.clear();
    setLocale("en");
    Object.assign(app, { ready: false, connections: [], activeId: null, view: "invoice", error: null, info: null, sync: null });
    mocked.syncStatus.mockResolvedValue(sync);
    mocked.listAdministrations.mockResolvedValue([{ id: "1", name: "Bakker B.V." }]);
    mocked.currentDraft.mockResolvedValue(draftView());
    mocked.history.mockResolvedValue([historyEntry({ draft_id: "d1", number: "2025-7", remote_id: "9" })]);
  });

  it("says so in the top bar, on the form, at the Send button, in History and in Settings", async () => {
    const user = userEvent.setup();
    start([testing], "en");
    await screen.findByTestId("relation-input");
    expect(text("test-mode-badge")).toBe("Test mode");
    expect(screen.getByTestId("test-mode-badge").closest("header.topbar")).not.toBeNull();
    expect(text("test-mode-band")).toContain("Test mode — nothing is really sent");
    expect(text("test-mode-band")).toContain(`${firstSystem.name}'s test mode`);
    expect(text("submit-test-mode")).toBe("Test mode: nothing is really sent");
    expect(screen.getByTestId("submit").classList.contains("test-mode")).toBe(true);
    expect(screen.getByTestId("submit").textContent).toContain("(Test mode)");

    await user.click(screen.getByTestId("open-history"));
    await screen.findByTestId("history-view");
    expect(text("test-mode-band")).toContain("Test mode — nothing is really sent");
    expect(screen.getByTestId("test-mode-badge")).toBeTruthy();

    await user.click(screen.getByTestId("open-settings"));
    await screen.findByTestId("settings-view");
    expect(screen.getByTestId("test-mode-band")).toBeTruthy();
  });

  it("speaks Dutch to a Dutch clerk", async () => {
    start([testing], "nl");
    await screen.findByTestId("relation-input");
    await waitFor(() => expect(text("test-mode-badge")).toBe("Testmodus"));
    expect(text("test-mode-band")).toContain("Testmodus — niets wordt echt verstuurd");
    expect(text("test-mode-band")).toContain(`de testmodus van ${firstSystem.name}`);
    expect(text("submit-test-mode")).toBe("Testmodus: niets wordt echt verstuurd");
  });

  it("shows nothing of the kind for a connection that is not in test mode", async () => {
    start([connection], "en");
    await screen.findByTestId("relation-input");
    expect(screen.queryByTestId("test-mode-band")).toBeNull();
    expect(screen.queryByTestId("test-mode-badge")).toBeNull();
    expect(screen.queryByTestId("submit-test-mode")).toBeNull();
    expect(screen.getByTestId("submit").classList.contains("test-mode")).toBe(false);
  });
});
