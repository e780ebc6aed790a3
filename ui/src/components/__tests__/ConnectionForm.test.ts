import { render, screen, waitFor } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import * as api from "../../lib/api";
import { setLocale } from "../../lib/locale.svelte";
import type { ConnectionView } from "../../lib/types";
import { connection, connectors, firstSystem, secondSystem } from "../../test/fixtures";
import ConnectionForm from "../ConnectionForm.svelte";

vi.mock("../../lib/api", async () => (await import("../../test/apiMock")).apiMock());
const mocked = vi.mocked(api);

const setting = (key: string) => secondSystem.settings.find((f) => f.key === key)!;
const oauth = firstSystem.sign_in.find((m) => m.oauth !== null)!;

describe("ConnectionForm", () => {
  beforeEach(() => {
    vi.clearAllMocks();
    setLocale("en");
  });

  it("creates a connection of the first system with an app token", async () => {
    mocked.saveConnection.mockResolvedValue({ ...connection, id: "new-1" });
    const onsaved = vi.fn();
    const user = userEvent.setup();
    render(ConnectionForm, { editing: null, kind: firstSystem.id, onsaved, onclose: () => {} });
    const url = screen.getByTestId("conn-url") as HTMLInputElement;
    expect(url.placeholder).toBe(firstSystem.url.placeholder);
    const token = screen.getByTestId("conn-app-token") as HTMLInputElement;
    expect(token.type).toBe("password");
    expect(token.value).toBe("");
    expect(screen.queryByTestId("conn-oauth-client-id")).toBeNull();

    await user.type(screen.getByTestId("conn-name"), "Bakker");
    await user.type(url, "https://12345.example.nl/production");
    await user.type(token, "secret-token");
    await user.click(screen.getByTestId("conn-save"));
    await waitFor(() => expect(onsaved).toHaveBeenCalled());
    expect(mocked.saveConnection).toHaveBeenCalledWith({
      id: null,
      kind: firstSystem.id,
      name: "Bakker",
      base_url: "https://12345.example.nl/production",
      auth: "app_token",
      credentials: { "app-token": "secret-token" },
      settings: {},
    });
    expect((screen.getByTestId("conn-app-token-stored").closest(".field") as HTMLElement).textContent).toContain(
      firstSystem.sign_in[0].fields[0].help?.en,
    );
    expect(screen.getByTestId("conn-app-token-stored").textContent).toContain("stored in the system keyring");
  });

  it("shows a stored token instead of the value, and keeps it unless replaced", async () => {
    mocked.saveConnection.mockResolvedValue(connection);
    mocked.testConnection.mockResolvedValue("Environment 12345 (production)");
    const user = userEvent.setup();
    render(ConnectionForm, { editing: connection, onsaved: () => {}, onclose: () => {} });
    expect(screen.queryByTestId("conn-app-token")).toBeNull();
    expect(screen.getByTestId("conn-app-token-stored").textContent).toContain("••• stored in the system keyring");

    await user.click(screen.getByTestId("conn-test"));
    const result = await screen.findByTestId("conn-test-result");
    expect(result.textContent).toContain("The connection works. Environment 12345 (production)");
    expect(result.getAttribute("data-ok")).toBe("true");
    expect(mocked.saveConnection).not.toHaveBeenCalled();

    await user.click(screen.getByTestId("conn-app-token-replace"));
    const token = screen.getByTestId("conn-app-token") as HTMLInputElement;
    expect(token.value).toBe("");
    await user.type(token, "new-token");
    await user.click(screen.getByTestId("conn-save"));
    await waitFor(() => expect(mocked.saveConnection).toHaveBeenCalled());
    expect(mocked.saveConnection.mock.calls[0][0].credentials).toEqual({ "app-token": "new-token" });
  });

  it("asks for the token again when the address moves to another host", async () => {
    mocked.saveConnection.mockResolvedValue({ ...connection, base_url: "https://67890.example.nl/production" });
    const user = userEvent.setup();
    render(ConnectionForm, { editing: connection, onsaved: () => {}, onclose: () => {} });
    const url = screen.getByTestId("conn-url") as HTMLInputElement;
    // Another path on the same host: the stored token stays.
    await user.clear(url);
    await user.type(url, "https://12345.example.nl/test");
    expect(screen.getByTestId("conn-app-token-stored")).toBeTruthy();
    // Another host: the token must be typed again.
    await user.clear(url);
    await user.type(url, "https://67890.example.nl/production");
    expect(screen.queryByTestId("conn-app-token-stored")).toBeNull();
    expect(screen.getByTestId("conn-app-token-new-host").textContent).toContain("The address changed");
    await user.click(screen.getByTestId("conn-save"));
    expect((await screen.findByTestId("field-error-conn-app-token")).textContent).toContain("enter this again");
    expect(mocked.saveConnection).not.toHaveBeenCalled();
    await user.type(screen.getByTestId("conn-app-token"), "token-for-67890");
    await user.click(screen.getByTestId("conn-save"));
    await waitFor(() => expect(mocked.saveConnection).toHaveBeenCalled());
    expect(mocked.saveConnection.mock.calls[0][0]).toMatchObject({
      base_url: "https://67890.example.nl/production",
      credentials: { "app-token": "token-for-67890" },
    });
    // Saved: the new address is the one the stored token belongs to.
    await waitFor(() => expect(screen.getByTestId("conn-app-token-stored")).toBeTruthy());
  });

  it("reports a failed test in plain words", async () => {
    mocked.testConnection.mockRejectedValue({ code: "auth_failed", message: "The token was refused.", detail: "401" });
    const user = userEvent.setup();
    render(ConnectionForm, { editing: connection, onsaved: () => {}, onclose: () => {} });
    await user.click(screen.getByTestId("conn-test"));
    const result = await screen.findByTestId("conn-test-result");
    expect(result.textContent).toContain("The connection does not work: The token was refused.");
    expect(result.getAttribute("data-ok")).toBe("false");
  });

  it("switches to OAuth fields and signs in", async () => {
    mocked.saveConnection.mockResolvedValue({ ...connection, auth: oauth.id, id: "c9", credentials: { oauth_client_id: "client", oauth_redirect_port: "8765" } });
    mocked.startOauth.mockResolvedValue({ ...connection, auth: oauth.id, id: "c9", has_secret: true });
    const user = userEvent.setup();
    render(ConnectionForm, { editing: null, kind: firstSystem.id, onsaved: () => {}, onclose: () => {} });
    expect(screen.queryByTestId("conn-oauth")).toBeNull();
    await user.selectOptions(screen.getByTestId("conn-auth"), oauth.id);
    expect(screen.queryByTestId("conn-app-token")).toBeNull();
    expect(screen.getByTestId("conn-oauth").textContent?.trim()).toBe(`Sign in with ${oauth.oauth?.provider}`);
    await user.type(screen.getByTestId("conn-name"), "Bakker");
    await user.type(screen.getByTestId("conn-url"), "https://12345.example.nl/production");
    await user.type(screen.getByTestId("conn-oauth-client-id"), "client");
    await user.type(screen.getByTestId("conn-oauth-client-secret"), "shh");
    await user.type(screen.getByTestId("conn-oauth-redirect-port"), "8765");
    await user.click(screen.getByTestId("conn-oauth"));
    await waitFor(() => expect(mocked.startOauth).toHaveBeenCalledWith("c9"));
    expect(mocked.saveConnection.mock.calls[0][0]).toMatchObject({
      auth: oauth.id,
      credentials: { oauth_client_id: "client", "oauth-client-secret": "shh", oauth_redirect_port: "8765" },
    });
    // The secret leaves the form once saved; the plain values stay.
    expect(screen.getByTestId("conn-oauth-client-secret-stored")).toBeTruthy();
    expect((screen.getByTestId("conn-oauth-client-id") as HTMLInputElement).value).toBe("client");
    expect((await screen.findByTestId("conn-notice")).textContent).toContain("Signed in");
  });

  it("refuses to save without a name and URL, next to the fields", async () => {
    const user = userEvent.setup();
    render(ConnectionForm, { editing: null, kind: firstSystem.id, onsaved: () => {}, onclose: () => {} });
    await user.click(screen.getByTestId("conn-save"));
    expect(screen.getByTestId("field-error-conn-name").textContent).toBe("Give the connection a name.");
    expect(screen.getByTestId("field-error-conn-url").textContent).toBe("Enter the environment URL.");
    expect(screen.getByTestId("conn-url").getAttribute("aria-invalid")).toBe("true");
    expect(mocked.saveConnection).not.toHaveBeenCalled();
  });

  it("a test clicked while saving waits for the save", async () => {
    let finish!: (v: typeof connection) => void;
    mocked.saveConnection.mockReturnValue(new Promise((r) => (finish = r)));
    mocked.testConnection.mockResolvedValue("Administrations: 2");
    const user = userEvent.setup();
    render(ConnectionForm, { editing: null, kind: firstSystem.id, onsaved: () => {}, onclose: () => {} });
    await user.type(screen.getByTestId("conn-name"), "Kantoor");
    await user.type(screen.getByTestId("conn-url"), "http://127.0.0.1:8123/demo");
    await user.type(screen.getByTestId("conn-app-token"), "tok");
    await user.click(screen.getByTestId("conn-save"));
    await user.click(screen.getByTestId("conn-test"));
    expect(mocked.testConnection).not.toHaveBeenCalled();
    finish({ ...connection, id: "c-new" });
    await waitFor(() => expect(mocked.testConnection).toHaveBeenCalledWith("c-new"));
    expect(mocked.saveConnection).toHaveBeenCalledTimes(1);
    expect((await screen.findByTestId("conn-test-result")).textContent).toContain("Administrations: 2");
  });

  describe("the second system: a key and settings with a condition", () => {
    const second: ConnectionView = {
      ...connection,
      id: "s-1",
      kind: secondSystem.id,
      name: "Bakker – invoicing",
      base_url: secondSystem.url.default,
      auth: secondSystem.sign_in[0].id,
      administration_id: null,
      has_secret: true,
      settings: { username: "boekhouding@bakker.nl", module: "invoicing", numbering: setting("numbering").options[0].value },
    };
    /** The numbering in which the system itself numbers the invoices. */
    const theirNumbering = setting("numbering").options.find((o) => o.value !== "app")!.value;

    it("sends username, module and numbering as settings and the API key as a credential", async () => {
      mocked.saveConnection.mockResolvedValue({ ...second, id: "s-new" });
      const onsaved = vi.fn();
      const user = userEvent.setup();
      render(ConnectionForm, { editing: null, kind: secondSystem.id, onsaved, onclose: () => {} });
      expect(screen.getByRole("heading").textContent).toBe(`New ${secondSystem.name} connection`);
      expect((screen.getByTestId("conn-url") as HTMLInputElement).value).toBe(secondSystem.url.default);
      expect(screen.queryByTestId("conn-auth")).toBeNull();
      expect(screen.queryByTestId("conn-app-token")).toBeNull();
      const key = screen.getByTestId("conn-api-key") as HTMLInputElement;
      expect(key.type).toBe("password");
      expect(key.value).toBe("");

      const module = screen.getByTestId("conn-module") as HTMLSelectElement;
      expect([...module.options].map((o) => o.textContent?.trim())).toEqual([
        "Bookkeeping (sales booking, no products)",
        "Invoicing (invoice with products, stock)",
      ]);
      expect(screen.getByTestId("conn-module-option-hint").textContent).toContain("No products and no stock");
      await user.selectOptions(module, "invoicing");
      expect(screen.getByTestId("conn-module-option-hint").textContent).toContain("stock is updated");

      const numbering = screen.getByTestId("conn-numbering") as HTMLSelectElement;
      expect(numbering.value).toBe("app");
      expect(screen.getByTestId("conn-numbering-field").textContent).toContain(setting("numbering").help?.en);
      await user.type(screen.getByTestId("conn-name"), "Bakker – invoicing");
      await user.type(screen.getByTestId("conn-username"), "boekhouding@bakker.nl");
      await user.type(key, "sk-123");

      // The first number is required with Invoice Desk numbering, and digits only.
      await user.click(screen.getByTestId("conn-save"));
      expect(screen.getByTestId("field-error-conn-first-invoice-number").textContent).toBe("This field is required.");
      await user.type(screen.getByTestId("conn-first-invoice-number"), "2026-001");
      await user.click(screen.getByTestId("conn-save"));
      expect(screen.getByTestId("field-error-conn-first-invoice-number").textContent).toContain("digits only");
      expect(mocked.saveConnection).not.toHaveBeenCalled();
      await user.clear(screen.getByTestId("conn-first-invoice-number"));
      await user.type(screen.getByTestId("conn-first-invoice-number"), "2026001");
      await user.click(screen.getByTestId("conn-save"));
      await waitFor(() => expect(onsaved).toHaveBeenCalled());
      expect(mocked.saveConnection).toHaveBeenCalledWith({
        id: null,
        kind: secondSystem.id,
        name: "Bakker – invoicing",
        base_url: secondSystem.url.default,
        auth: "api_key",
        credentials: { "api-key": "sk-123" },
        settings: {
          username: "boekhouding@bakker.nl",
          module: "invoicing",
          numbering: "app",
          first_invoice_number: "2026001",
        },
      });
    });

    it("asks no first number when the system numbers the invoices", async () => {
      mocked.saveConnection.mockResolvedValue({ ...second, id: "s-new" });
      const user = userEvent.setup();
      render(ConnectionForm, { editing: null, kind: secondSystem.id, onsaved: () => {}, onclose: () => {} });
      expect(screen.getByTestId("conn-first-invoice-number")).toBeTruthy();
      await user.selectOptions(screen.getByTestId("conn-numbering"), theirNumbering);
      expect(screen.queryByTestId("conn-first-invoice-number")).toBeNull();
      await user.type(screen.getByTestId("conn-name"), "S");
      await user.type(screen.getByTestId("conn-username"), "a@b.nl");
      await user.type(screen.getByTestId("conn-api-key"), "k");
      await user.click(screen.getByTestId("conn-save"));
      await waitFor(() => expect(mocked.saveConnection).toHaveBeenCalled());
      expect(mocked.saveConnection.mock.calls[0][0].settings).toEqual({
        username: "a@b.nl",
        module: "bookkeeping",
        numbering: theirNumbering,
      });
    });

    it("never pre-fills a stored API key and keeps it unless replaced", async () => {
      mocked.saveConnection.mockResolvedValue(second);
      const user = userEvent.setup();
      render(ConnectionForm, { editing: second, onsaved: () => {}, onclose: () => {} });
      expect(screen.queryByTestId("conn-api-key")).toBeNull();
      expect(screen.getByTestId("conn-api-key-stored").textContent).toContain("••• stored in the system keyring");
      expect((screen.getByTestId("conn-username") as HTMLInputElement).value).toBe("boekhouding@bakker.nl");
      expect((screen.getByTestId("conn-module") as HTMLSelectElement).value).toBe("invoicing");
      expect(screen.queryByTestId("conn-kind")).toBeNull();
      for (const input of document.querySelectorAll("input")) expect(input.value).not.toContain("sk-");

      await user.selectOptions(screen.getByTestId("conn-module"), "bookkeeping");
      await user.click(screen.getByTestId("conn-save"));
      await waitFor(() => expect(mocked.saveConnection).toHaveBeenCalledTimes(1));
      expect(mocked.saveConnection.mock.calls[0][0]).toMatchObject({ auth: "api_key", credentials: {} });
      expect(mocked.saveConnection.mock.calls[0][0].settings.module).toBe("bookkeeping");

      await user.click(screen.getByTestId("conn-api-key-replace"));
      const key = screen.getByTestId("conn-api-key") as HTMLInputElement;
      expect(key.value).toBe("");
      await user.type(key, "sk-new");
      await user.click(screen.getByTestId("conn-save"));
      await waitFor(() => expect(mocked.saveConnection).toHaveBeenCalledTimes(2));
      expect(mocked.saveConnection.mock.calls[1][0].credentials).toEqual({ "api-key": "sk-new" });
    });

    it("shows the Rust side's refusal of a credential or setting next to that field", async () => {
      mocked.saveConnection.mockRejectedValueOnce({
        code: "validation",
        message: "2 fields need correcting.",
        fields: [
          { field: "credentials.api-key", message: "This key was refused." },
          { field: "settings.username", message: "Unknown user." },
        ],
      });
      const user = userEvent.setup();
      render(ConnectionForm, { editing: second, onsaved: () => {}, onclose: () => {} });
      await user.click(screen.getByTestId("conn-api-key-replace"));
      await user.type(screen.getByTestId("conn-api-key"), "sk-bad");
      await user.click(screen.getByTestId("conn-save"));
      expect((await screen.findByTestId("field-error-conn-api-key")).textContent).toBe("This key was refused.");
      expect(screen.getByTestId("field-error-conn-username").textContent).toBe("Unknown user.");
      expect(screen.getByTestId("conn-error").textContent).toContain("2 fields need correcting.");
    });

    it("tells a rate limit apart from refused credentials", async () => {
      const user = userEvent.setup();
      render(ConnectionForm, { editing: second, onsaved: () => {}, onclose: () => {} });
      mocked.testConnection.mockRejectedValueOnce({ code: "rate_limited", message: "The hourly maximum of the API plan is reached." });
      await user.click(screen.getByTestId("conn-test"));
      let result = await screen.findByTestId("conn-test-result");
      expect(result.textContent).toContain("could not be tested right now: The hourly maximum of the API plan is reached.");
      expect(result.classList.contains("warn")).toBe(true);

      mocked.testConnection.mockRejectedValueOnce({
        code: "auth_failed",
        message: "The system refused the username or API key, or the trial has expired.",
      });
      await user.click(screen.getByTestId("conn-test"));
      await waitFor(() => expect(screen.getByTestId("conn-test-result").classList.contains("error")).toBe(true));
      result = screen.getByTestId("conn-test-result");
      expect(result.textContent).toContain("does not work: The system refused the username or API key");
      expect(result.getAttribute("data-ok")).toBe("false");
    });

    it("a system chosen in the form of a new connection brings its own fields", async () => {
      const user = userEvent.setup();
      render(ConnectionForm, { editing: null, kind: firstSystem.id, onsaved: () => {}, onclose: () => {} });
      expect((screen.getByTestId("conn-url") as HTMLInputElement).value).toBe("");
      const kind = screen.getByTestId("conn-kind") as HTMLSelectElement;
      expect([...kind.options].map((o) => o.textContent?.trim())).toEqual(connectors.filter((c) => c.available).map((c) => c.name));
      await user.selectOptions(kind, secondSystem.id);
      expect(screen.getByRole("heading").textContent).toBe(`New ${secondSystem.name} connection`);
      expect((screen.getByTestId("conn-url") as HTMLInputElement).value).toBe(secondSystem.url.default);
      expect(screen.getByTestId("conn-api-key")).toBeTruthy();
      expect(screen.queryByTestId("conn-app-token")).toBeNull();
      await user.selectOptions(screen.getByTestId("conn-kind"), firstSystem.id);
      expect((screen.getByTestId("conn-url") as HTMLInputElement).value).toBe("");
      expect(screen.getByTestId("conn-app-token")).toBeTruthy();
      expect(screen.queryByTestId("conn-username")).toBeNull();
    });
  });
});
