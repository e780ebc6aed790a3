import { render, screen, waitFor, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import App from "../../App.svelte";
import * as api from "../../lib/api";
import { app, chooseConnection } from "../../lib/app.svelte";
import { setLocale } from "../../lib/locale.svelte";
import { resetOutbox } from "../../lib/outbox.svelte";
import { setConnectors } from "../../lib/connectors.svelte";
import {
  connection,
  connectors,
  draftView,
  firstSystem,
  historyEntry,
  readOnlyConnection,
  readOnlySystem,
  secondConnection,
  secondDraft,
  secondSystem,
  sync,
} from "../../test/fixtures";
import { preloadViews } from "../../test/views";

vi.mock("../../lib/api", async () => (await import("../../test/apiMock")).apiMock());
preloadViews();
const mocked = vi.mocked(api);

const demo = { ...connection, id: "demo", name: "Demo", demo: true, auth: "none", base_url: "", has_secret: false };

/** The first answers for the real connection, used last, with its open draft's reference. */
function answersWithDraft(reference: string) {
  const info = { version: "1", lang: "en" as const, demo: false, active_connection_id: "conn-1", store_warning: null, store_error: null };
  return {
    info,
    connectors,
    connections: [demo, connection],
    draft: { connection_id: "conn-1", view: draftView({ ...draftView().draft, reference }) },
  };
}

describe("App", () => {
  beforeEach(() => {
    vi.clearAllMocks();
    setConnectors(connectors);
    resetOutbox();
    localStorage.clear();
    setLocale("en");
    Object.assign(app, { ready: false, connections: [], activeId: null, view: "invoice", error: null, info: null, sync: null });
    mocked.appInfo.mockResolvedValue({ version: "1", lang: "nl", demo: false, active_connection_id: null, store_warning: null, store_error: null });
    mocked.listConnections.mockResolvedValue([demo, connection]);
    mocked.syncStatus.mockResolvedValue(sync);
    mocked.listAdministrations.mockResolvedValue([{ id: "1", name: "Bakker B.V." }]);
    mocked.currentDraft.mockResolvedValue(draftView());
    mocked.history.mockResolvedValue([
      historyEntry({ draft_id: "d1", identity: "i1", state: "sent", relation_name: "Jansen", total_gross: "1234.5", remote_id: "9", number: "2025-7", updated_at: "2025-11-20T10:00:00Z" }),
      historyEntry({ draft_id: "d2", identity: "i2", state: "uncertain", relation_name: "Visser", total_gross: "10", updated_at: "2025-11-20T11:00:00Z", message: "Checking the system" }),
    ]);
  });

  it("starts in the language of AppInfo with the first real connection", async () => {
    render(App);
    await screen.findByTestId("relation-input");
    expect(screen.getByTestId("open-settings").textContent?.trim()).toBe("Instellingen");
    expect(mocked.currentDraft).toHaveBeenCalledWith("conn-1");
    expect(screen.queryByTestId("demo-badge")).toBeNull();
    expect((screen.getByTestId("admin-select") as HTMLSelectElement).value).toBe("1");
  });

  it("draws the first form from one answer that carries the draft, asking nothing else for it", async () => {
    mocked.firstAnswers.mockResolvedValueOnce(answersWithDraft("from the first answer"));
    render(App);
    await screen.findByTestId("relation-input");
    expect(mocked.firstAnswers).toHaveBeenCalledTimes(1);
    expect(mocked.appInfo).not.toHaveBeenCalled();
    expect(mocked.listConnections).not.toHaveBeenCalled();
    expect(mocked.listConnectors).not.toHaveBeenCalled();
    expect(mocked.currentDraft).not.toHaveBeenCalled();
    await waitFor(() =>
      expect((screen.getByTestId("reference") as HTMLInputElement).value).toBe("from the first answer"),
    );
  });

  it("takes the first answers the page asked for before the script ran, and asks nothing itself", async () => {
    window.__firstAnswers = Promise.resolve(answersWithDraft("asked by the page"));
    render(App);
    await screen.findByTestId("relation-input");
    expect(mocked.firstAnswers).not.toHaveBeenCalled();
    expect(mocked.appInfo).not.toHaveBeenCalled();
    expect(mocked.currentDraft).not.toHaveBeenCalled();
    expect(window.__firstAnswers).toBeUndefined();
    await waitFor(() =>
      expect((screen.getByTestId("reference") as HTMLInputElement).value).toBe("asked by the page"),
    );
  });

  it("asks the parts one by one when the page's early question failed", async () => {
    const failed = Promise.reject(new Error("not yet"));
    failed.catch(() => {});
    window.__firstAnswers = failed;
    render(App);
    await screen.findByTestId("relation-input");
    expect(mocked.firstAnswers).not.toHaveBeenCalled();
    expect(mocked.appInfo).toHaveBeenCalledTimes(1);
    expect(mocked.listConnections).toHaveBeenCalledTimes(1);
    expect(mocked.currentDraft).toHaveBeenCalledWith("conn-1");
  });

  it("shows nothing until the first answers are in, and the bar with a word of waiting after a moment", async () => {
    let answer: (v: Awaited<ReturnType<typeof api.appInfo>>) => void = () => {};
    mocked.appInfo.mockImplementation(() => new Promise((r) => (answer = r)));
    const { container } = render(App);
    const root = () => container.querySelector(".app") as HTMLElement;
    // One drawing with the bar and the form together, not an empty bar first.
    expect(root().classList.contains("unready")).toBe(true);
    // A start that takes long says so.
    await waitFor(() => expect(root().classList.contains("unready")).toBe(false), { timeout: 2000 });
    expect(screen.getByText("Starting…")).toBeTruthy();
    answer({ version: "1", lang: "nl", demo: false, active_connection_id: null, store_warning: null, store_error: null });
    await screen.findByTestId("relation-input");
    expect(root().classList.contains("unready")).toBe(false);
  });

  it("shows the bar and the form together once the first answers are in", async () => {
    const { container } = render(App);
    await screen.findByTestId("relation-input");
    expect((container.querySelector(".app") as HTMLElement).classList.contains("unready")).toBe(false);
  });

  it("asks for the draft itself when the first answer brings another connection's or none", async () => {
    const info = { version: "1", lang: "en" as const, demo: false, active_connection_id: null, store_warning: null, store_error: null };
    mocked.firstAnswers.mockResolvedValueOnce({ info, connectors, connections: [demo, connection], draft: null });
    render(App);
    await screen.findByTestId("relation-input");
    expect(mocked.currentDraft).toHaveBeenCalledWith("conn-1");
    expect(mocked.appInfo).not.toHaveBeenCalled();
  });

  it("asks for the open draft with the first answers and draws the form once, with it", async () => {
    let give: (v: ReturnType<typeof draftView>) => void = () => {};
    mocked.currentDraft.mockImplementation(() => new Promise((r) => (give = r)));
    render(App);
    await waitFor(() => expect(mocked.currentDraft).toHaveBeenCalledWith("conn-1"));
    // Until the draft is in, there is no form that could be typed into.
    expect(screen.queryByTestId("relation-input")).toBeNull();
    expect(screen.queryByText("De factuur wordt geladen…")).toBeNull();
    give(draftView());
    await screen.findByTestId("relation-input");
    expect(mocked.currentDraft).toHaveBeenCalledTimes(1);
  });

  it("a first draft that could not be read is asked for again by the form", async () => {
    mocked.currentDraft.mockRejectedValueOnce({ code: "internal", message: "busy" });
    render(App);
    await screen.findByTestId("relation-input");
    expect(mocked.currentDraft).toHaveBeenCalledTimes(2);
    expect(screen.queryByTestId("load-error")).toBeNull();
  });

  it("a connection switched to later asks for its own draft, and switching back shows what was saved", async () => {
    mocked.appInfo.mockResolvedValue({ version: "1", lang: "en", demo: false, active_connection_id: "conn-1", store_warning: null, store_error: null });
    mocked.currentDraft.mockImplementation(async (id: string) =>
      id === "conn-1" ? draftView({ ...draftView().draft, reference: "first" }) : draftView(),
    );
    const user = userEvent.setup();
    render(App);
    await screen.findByTestId("relation-input");
    expect(mocked.currentDraft).toHaveBeenCalledTimes(1);
    await user.selectOptions(screen.getByTestId("connection-select"), "demo");
    await waitFor(() => expect(mocked.currentDraft).toHaveBeenLastCalledWith("demo"));
    mocked.currentDraft.mockImplementation(async () => draftView({ ...draftView().draft, reference: "saved later" }));
    await user.selectOptions(screen.getByTestId("connection-select"), "conn-1");
    await waitFor(() => expect((screen.getByTestId("reference") as HTMLInputElement).value).toBe("saved later"));
    expect(mocked.currentDraft).toHaveBeenCalledTimes(3);
  });

  it("shows a store warning from AppInfo", async () => {
    mocked.appInfo.mockResolvedValue({ version: "1", lang: "en", demo: false, active_connection_id: null, store_warning: "The store was damaged; a copy was kept.", store_error: null });
    render(App);
    expect((await screen.findByTestId("store-warning")).textContent).toContain("a copy was kept");
  });

  it("lists the demo connection read-only, and the history with state words", async () => {
    mocked.appInfo.mockResolvedValue({ version: "1", lang: "en", demo: false, active_connection_id: null, store_warning: null, store_error: null });
    const user = userEvent.setup();
    render(App);
    await screen.findByTestId("relation-input");
    await user.click(screen.getByTestId("open-settings"));
    const rows = await screen.findAllByTestId("connection-row");
    const demoRow = rows.find((r) => r.getAttribute("data-demo") === "true")!;
    expect(within(demoRow).getByTestId("demo-badge")).toBeTruthy();
    expect(within(demoRow).queryByTestId("conn-edit")).toBeNull();
    expect(within(demoRow).queryByTestId("conn-delete")).toBeNull();
    expect(screen.getByTestId("settings-view")).toBeTruthy();

    await user.click(screen.getByTestId("open-history"));
    const hist = await screen.findByTestId("history-view");
    await waitFor(() => expect(within(hist).getAllByTestId("history-row")).toHaveLength(2));
    const states = within(hist).getAllByTestId("history-state").map((e) => e.textContent?.replace(/\s+/g, " ").trim());
    expect(states[0]).toContain("Sent");
    expect(states[1]).toContain("To check");
    expect(hist.textContent).toContain("€1,234.50");
  });

  it("shows only why the store cannot be opened, with nothing to type into", async () => {
    mocked.appInfo.mockResolvedValue({
      version: "1",
      lang: "en",
      demo: false,
      active_connection_id: null,
      store_warning: null,
      store_error: "The local store cannot be opened or written. File: /data/invoice-desk.sqlite3.",
    });
    render(App);
    const screenEl = await screen.findByTestId("store-error");
    expect(screenEl.textContent).toContain("cannot open its local storage");
    expect(screen.getByTestId("store-error-reason").textContent).toContain("/data/invoice-desk.sqlite3");
    expect(screenEl.textContent).toContain("Nothing can be typed or sent now");
    await waitFor(() => expect(mocked.listConnections).toHaveBeenCalled());
    expect(screen.queryByTestId("relation-input")).toBeNull();
    expect(screen.queryByTestId("open-settings")).toBeNull();
    expect(screen.queryByTestId("open-history")).toBeNull();
  });

  it("shows an invoice whose stored copy cannot be read as needing attention, in words", async () => {
    mocked.appInfo.mockResolvedValue({ version: "1", lang: "en", demo: false, active_connection_id: null, store_warning: null, store_error: null });
    mocked.history.mockResolvedValue([
      historyEntry({
        draft_id: "d3",
        identity: "i3",
        state: "needs_attention",
        relation_name: "Visser",
        total_gross: "10",
        message: "The stored invoice cannot be read, so it is not sent (again).",
        next_attempt_at: null,
      }),
    ]);
    const user = userEvent.setup();
    render(App);
    await screen.findByTestId("relation-input");
    await user.click(screen.getByTestId("open-history"));
    const hist = await screen.findByTestId("history-view");
    const row = await within(hist).findByTestId("history-row");
    expect(row.getAttribute("data-state")).toBe("needs_attention");
    expect(within(row).getByTestId("history-state").textContent).toContain("Needs attention");
    expect(within(row).getByTestId("history-message").textContent).toContain("cannot be read");
    expect(within(row).getByTestId("history-attention").textContent).toContain("Visser");
    expect(within(row).queryByTestId("history-next-try")).toBeNull();
    expect(within(hist).queryByTestId("history-retry")).toBeNull();
  });

  it("opens the settings when there is no connection at all", async () => {
    mocked.listConnections.mockResolvedValue([]);
    render(App);
    expect(await screen.findByTestId("settings-view")).toBeTruthy();
  });

  it("chooses the remembered connection, else the first real one", () => {
    expect(chooseConnection([demo, connection], null)).toBe("conn-1");
    expect(chooseConnection([demo, connection], "demo")).toBe("demo");
    expect(chooseConnection([demo], "gone")).toBe("demo");
    expect(chooseConnection([], null)).toBeNull();
  });

  it("starts with the connection AppInfo names as active and tells Rust about a switch", async () => {
    mocked.appInfo.mockResolvedValue({ version: "1", lang: "en", demo: true, active_connection_id: "demo", store_warning: null, store_error: null });
    const user = userEvent.setup();
    render(App);
    await screen.findByTestId("relation-input");
    expect(screen.getByTestId("demo-badge")).toBeTruthy();
    expect(mocked.currentDraft).toHaveBeenCalledWith("demo");
    expect(mocked.setActiveConnection).not.toHaveBeenCalled();
    await user.selectOptions(screen.getByTestId("connection-select"), "conn-1");
    await waitFor(() => expect(mocked.setActiveConnection).toHaveBeenCalledWith("conn-1"));
    await waitFor(() => expect(mocked.currentDraft).toHaveBeenCalledWith("conn-1"));
    expect(screen.queryByTestId("demo-badge")).toBeNull();
  });

  it("explains a connection that cannot be used yet", async () => {
    mocked.listConnections.mockResolvedValue([{ ...connection, capabilities: null, has_secret: false }]);
    render(App);
    expect((await screen.findByTestId("connection-not-ready")).textContent).toContain("kan nog niet worden gebruikt");
    expect(screen.queryByTestId("admin-select")).toBeNull();
    expect(mocked.currentDraft).not.toHaveBeenCalled();
  });

  it("switches to a connection of the second system: its own open draft, no administration or address", async () => {
    mocked.appInfo.mockResolvedValue({ version: "1", lang: "en", demo: false, active_connection_id: "conn-1", store_warning: null, store_error: null });
    mocked.listConnections.mockResolvedValue([demo, connection, secondConnection]);
    mocked.currentDraft.mockImplementation(async (id: string) =>
      id === "second-1" ? draftView(secondDraft({ id: "draft-s", reference: "S-1" })) : draftView(),
    );
    const user = userEvent.setup();
    render(App);
    await screen.findByTestId("relation-input");
    expect(screen.getByTestId("admin-select")).toBeTruthy();
    expect(screen.getByTestId("address-select")).toBeTruthy();
    await user.selectOptions(screen.getByTestId("connection-select"), "second-1");
    await waitFor(() => expect(mocked.setActiveConnection).toHaveBeenCalledWith("second-1"));
    await waitFor(() => expect((screen.getByTestId("reference") as HTMLInputElement).value).toBe("S-1"));
    expect(mocked.currentDraft).toHaveBeenLastCalledWith("second-1");
    expect(screen.queryByTestId("admin-select")).toBeNull();
    expect(screen.queryByTestId("address-select")).toBeNull();
    expect(screen.getByTestId("submit").textContent).toContain(`Send to ${secondSystem.name}`);
  });

  it("takes the systems and their names from the connectors the Rust side lists at start", async () => {
    setConnectors([]);
    mocked.appInfo.mockResolvedValue({ version: "1", lang: "en", demo: false, active_connection_id: "conn-1", store_warning: null, store_error: null });
    mocked.listConnectors.mockResolvedValue([{ ...firstSystem, name: "Renamed Books" }, secondSystem]);
    render(App);
    await screen.findByTestId("relation-input");
    expect(mocked.listConnectors).toHaveBeenCalledTimes(1);
    expect((await screen.findByTestId("submit")).textContent).toContain("Send to Renamed Books");
  });

  it("a read-only system shows no form and no Send, says so in plain words and points to History", async () => {
    setConnectors([...connectors, readOnlySystem]);
    mocked.listConnectors.mockResolvedValue([...connectors, readOnlySystem]);
    mocked.appInfo.mockResolvedValue({ version: "1", lang: "en", demo: false, active_connection_id: "ro-1", store_warning: null, store_error: null });
    mocked.listConnections.mockResolvedValue([connection, readOnlyConnection]);
    const user = userEvent.setup();
    render(App);
    const notice = await screen.findByTestId("connection-read-only");
    expect(notice.textContent).toContain("Invoices of Ledgerview can be read, not sent");
    expect(notice.textContent).toContain("Its invoices can be looked at under History.");
    expect(screen.queryByTestId("submit")).toBeNull();
    expect(screen.queryByTestId("relation-input")).toBeNull();
    expect(screen.queryByTestId("connection-not-ready")).toBeNull();
    expect(mocked.currentDraft).not.toHaveBeenCalled();
    await user.click(screen.getByTestId("read-only-open-history"));
    expect(await screen.findByTestId("history-view")).toBeTruthy();
    await waitFor(() => expect(mocked.history).toHaveBeenCalledWith("ro-1"));
    // A system that writes still gets its form.
    await user.selectOptions(screen.getByTestId("connection-select"), "conn-1");
    await user.click(screen.getByTestId("open-invoice"));
    expect(await screen.findByTestId("relation-input")).toBeTruthy();
    expect(screen.queryByTestId("connection-read-only")).toBeNull();
  });
});
