import { render, screen, waitFor } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import * as api from "../../lib/api";
import { app } from "../../lib/app.svelte";
import { locale, setLocale } from "../../lib/locale.svelte";
import { connection, firstSystem, secondConnection, secondSystem, sync } from "../../test/fixtures";
import TopBar from "../TopBar.svelte";

vi.mock("../../lib/api", async () => (await import("../../test/apiMock")).apiMock());
const mocked = vi.mocked(api);

const local = (iso: string) => {
  const d = new Date(iso);
  return `${String(d.getHours()).padStart(2, "0")}:${String(d.getMinutes()).padStart(2, "0")}`;
};

describe("TopBar", () => {
  beforeEach(() => {
    vi.clearAllMocks();
    setLocale("en");
    app.ready = true;
    app.connections = [{ ...connection, demo: true, name: "Demo office" }];
    app.activeId = connection.id;
    app.administrations = [
      { id: "1", name: "Bakker B.V." },
      { id: "2", name: "Bakker Holding" },
    ];
    app.sync = { ...sync, last_synced_at: new Date().toISOString() };
  });

  it("shows the demo badge, the connection and the sync status", () => {
    render(TopBar);
    expect(screen.getByTestId("demo-badge").textContent?.trim()).toBe("Demo");
    expect(screen.getByTestId("demo-badge").getAttribute("title")).toContain("nothing is sent");
    expect(screen.getByTestId("connection-name").textContent).toBe("Demo office");
    expect(screen.getByTestId("sync-status").textContent?.trim()).toBe(
      `1,234 relations · 500 products · updated ${local(app.sync!.last_synced_at!)}`,
    );
  });

  it("calls what is chosen in the top bar what the system calls it, else an administration", () => {
    const { unmount } = render(TopBar);
    expect(screen.getByTestId("admin-label").textContent?.trim()).toBe("Administration");
    unmount();
    const owners = { ...connection.capabilities, administration_label: { nl: "Eigenaar", en: "Owner" } };
    app.connections = [{ ...connection, capabilities: owners }];
    render(TopBar);
    expect(screen.getByTestId("admin-label").textContent?.trim()).toBe("Owner");
  });

  it("counts no relations for a system whose recipients are kept in the app's own address book", () => {
    const local = { ...connection.capabilities, relations: { kind: "local" as const, fields: [] } };
    app.connections = [{ ...connection, capabilities: local }];
    app.sync = { ...sync, products: 0, last_synced_at: new Date().toISOString() };
    render(TopBar);
    expect(screen.getByTestId("sync-status").textContent?.trim()).toBe("");
  });

  it("counts nothing for a system that only reads its invoices", () => {
    const reads = { ...connection.capabilities, creates_invoices: false };
    app.connections = [{ ...connection, capabilities: reads }];
    render(TopBar);
    expect(screen.getByTestId("sync-status").textContent?.trim()).toBe("");
  });

  it("switches the language through set_lang", async () => {
    mocked.setLang.mockResolvedValue({ version: "1", lang: "nl", demo: true, active_connection_id: null, store_warning: null, store_error: null });
    const user = userEvent.setup();
    render(TopBar);
    await user.click(screen.getByTestId("lang-switch"));
    expect(mocked.setLang).toHaveBeenCalledWith("nl");
    await waitFor(() => expect(locale.lang).toBe("nl"));
    expect(screen.getByTestId("demo-badge").textContent?.trim()).toBe("Demo – voorbeeldgegevens");
    expect(screen.getByTestId("sync-status").textContent).toContain("1.234 relaties · 500 artikelen · bijgewerkt");
  });

  it("shows a running sync and an error in plain words", async () => {
    app.sync = { ...sync, running: true };
    setLocale("nl");
    const { rerender } = render(TopBar);
    expect(screen.getByTestId("sync-status").textContent?.trim()).toBe("Bezig met bijwerken…");
    app.sync = { ...sync, error: { code: "offline", message: "Het systeem is niet bereikbaar." } };
    await rerender({});
    expect(screen.getByTestId("sync-status").textContent).toContain("Het systeem is niet bereikbaar.");
  });

  it("remembers a chosen administration through select_administration", async () => {
    const user = userEvent.setup();
    render(TopBar);
    await user.selectOptions(screen.getByTestId("admin-select"), "2");
    expect(mocked.selectAdministration).toHaveBeenCalledWith("conn-1", "2");
    await waitFor(() => expect(app.connections[0].administration_id).toBe("2"));
  });

  it("keeps the last of quick choices of administration, even when an earlier answer comes later", async () => {
    app.administrations = [...app.administrations, { id: "3", name: "Bakker Vastgoed" }];
    const answers: Array<(v: null) => void> = [];
    mocked.selectAdministration.mockImplementation(
      () => new Promise<null>((resolve) => answers.push(resolve)),
    );
    render(TopBar);
    const select = screen.getByTestId("admin-select") as HTMLSelectElement;
    const choose = (id: string) => {
      select.value = id;
      select.dispatchEvent(new Event("change", { bubbles: true }));
    };
    choose("2");
    await waitFor(() => expect(answers.length).toBe(1));
    // While the first is on its way, two more: the second is overtaken by the third.
    choose("3");
    choose("1");
    await new Promise((r) => setTimeout(r, 20));
    expect(mocked.selectAdministration).toHaveBeenCalledTimes(1);
    answers[0](null);
    await waitFor(() => expect(answers.length).toBe(2));
    answers[1](null);
    await waitFor(() => expect(app.connections[0].administration_id).toBe("1"));
    expect(mocked.selectAdministration.mock.calls.map((c) => c[1])).toEqual(["2", "1"]);
  });
});

describe("TopBar with several systems", () => {
  beforeEach(async () => {
    vi.clearAllMocks();
    setLocale("en");
    app.ready = true;
    app.connections = [
      { ...connection, demo: true, name: `Demo – ${firstSystem.name}` },
      { ...secondConnection, id: "demo-sb", demo: true, name: "Demo – bookkeeping" },
      { ...secondConnection, id: "demo-sf", demo: true, name: "Demo – invoicing" },
    ];
    app.activeId = "demo-sb";
    app.sync = { ...sync, connection_id: "demo-sb" };
  });

  it("lists every connection under its system's name, and no administration for a system without", async () => {
    const user = userEvent.setup();
    render(TopBar);
    const select = screen.getByTestId("connection-select") as HTMLSelectElement;
    const groups = [...select.querySelectorAll("optgroup")].map((g) => ({
      label: g.label,
      options: [...g.querySelectorAll("option")].map((o) => o.textContent?.trim()),
    }));
    expect(groups).toEqual([
      { label: firstSystem.name, options: [`Demo – ${firstSystem.name}`] },
      { label: secondSystem.name, options: ["Demo – bookkeeping", "Demo – invoicing"] },
    ]);
    expect(select.value).toBe("demo-sb");
    const system = screen.getByTestId("connection-system");
    expect(system.textContent).toBe(secondSystem.name);
    // A name that does not say the system gets the system's name beside it.
    expect(system.classList.contains("sr-only")).toBe(false);
    expect(screen.queryByTestId("admin-select")).toBeNull();

    await user.selectOptions(select, "demo-sf");
    await waitFor(() => expect(mocked.setActiveConnection).toHaveBeenCalledWith("demo-sf"));
    expect(app.activeId).toBe("demo-sf");
    expect(mocked.listAdministrations).not.toHaveBeenCalled();
    await user.selectOptions(select, "conn-1");
    await waitFor(() => expect(mocked.listAdministrations).toHaveBeenCalledWith("conn-1"));
    expect(screen.getByTestId("admin-select")).toBeTruthy();
    // A name that says the system already: the system's name is there for screen readers only.
    await waitFor(() => expect(screen.getByTestId("connection-system").classList.contains("sr-only")).toBe(true));
  });
});
