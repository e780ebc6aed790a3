import { render, screen, waitFor } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import * as api from "../../lib/api";
import { setLocale } from "../../lib/locale.svelte";
import { connection } from "../../test/fixtures";
import ConnectionForm from "../ConnectionForm.svelte";

vi.mock("../../lib/api", async () => (await import("../../test/apiMock")).apiMock());
const mocked = vi.mocked(api);

describe("ConnectionForm", () => {
  beforeEach(() => {
    vi.clearAllMocks();
    setLocale("en");
  });

  it("creates an AFAS connection with an app token", async () => {
    mocked.saveConnection.mockResolvedValue({ ...connection, id: "new-1" });
    const onsaved = vi.fn();
    const user = userEvent.setup();
    render(ConnectionForm, { editing: null, kind: "afas", onsaved, onclose: () => {} });
    const url = screen.getByTestId("conn-url") as HTMLInputElement;
    expect(url.placeholder).toBe("https://<subdomain>.afasfocus.nl/<environment>");
    const token = screen.getByTestId("conn-app-token") as HTMLInputElement;
    expect(token.type).toBe("password");
    expect(token.value).toBe("");
    expect(screen.queryByTestId("conn-client-id")).toBeNull();

    await user.type(screen.getByTestId("conn-name"), "Bakker");
    await user.type(url, "https://12345.afasfocus.nl/production");
    await user.type(token, "secret-token");
    await user.click(screen.getByTestId("conn-save"));
    await waitFor(() => expect(onsaved).toHaveBeenCalled());
    expect(mocked.saveConnection).toHaveBeenCalledWith({
      id: null,
      kind: "afas",
      name: "Bakker",
      base_url: "https://12345.afasfocus.nl/production",
      auth: "app_token",
      secret: "secret-token",
      oauth_client_id: null,
      oauth_client_secret: null,
      oauth_redirect_port: null,
    });
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
    expect(result.textContent).toContain("The connection works: Environment 12345 (production)");
    expect(result.getAttribute("data-ok")).toBe("true");
    expect(mocked.saveConnection).not.toHaveBeenCalled();

    await user.click(screen.getByTestId("conn-app-token-replace"));
    const token = screen.getByTestId("conn-app-token") as HTMLInputElement;
    expect(token.value).toBe("");
    await user.type(token, "new-token");
    await user.click(screen.getByTestId("conn-save"));
    await waitFor(() => expect(mocked.saveConnection).toHaveBeenCalled());
    expect(mocked.saveConnection.mock.calls[0][0].secret).toBe("new-token");
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
    mocked.saveConnection.mockResolvedValue({ ...connection, auth: "oauth", id: "c9" });
    mocked.startOauth.mockResolvedValue({ ...connection, auth: "oauth", id: "c9", has_secret: true });
    const user = userEvent.setup();
    render(ConnectionForm, { editing: null, kind: "afas", onsaved: () => {}, onclose: () => {} });
    await user.selectOptions(screen.getByTestId("conn-auth"), "oauth");
    expect(screen.queryByTestId("conn-app-token")).toBeNull();
    await user.type(screen.getByTestId("conn-name"), "Bakker");
    await user.type(screen.getByTestId("conn-url"), "https://12345.afasfocus.nl/production");
    await user.type(screen.getByTestId("conn-client-id"), "client");
    await user.type(screen.getByTestId("conn-client-secret"), "shh");
    await user.type(screen.getByTestId("conn-redirect-port"), "8765");
    await user.click(screen.getByTestId("conn-oauth"));
    await waitFor(() => expect(mocked.startOauth).toHaveBeenCalledWith("c9"));
    expect(mocked.saveConnection.mock.calls[0][0]).toMatchObject({
      auth: "oauth",
      secret: null,
      oauth_client_id: "client",
      oauth_client_secret: "shh",
      oauth_redirect_port: 8765,
    });
    expect((await screen.findByTestId("conn-notice")).textContent).toContain("Signed in");
  });

  it("refuses to save without a name and URL, next to the fields", async () => {
    const user = userEvent.setup();
    render(ConnectionForm, { editing: null, kind: "afas", onsaved: () => {}, onclose: () => {} });
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
    render(ConnectionForm, { editing: null, kind: "afas", onsaved: () => {}, onclose: () => {} });
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
});
