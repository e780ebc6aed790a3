import { describe, expect, it } from "vitest";
import {
  checkConnection,
  fieldId,
  initialValues,
  showsStored,
  summaryOf,
  switchKind,
  toConnectionInput,
  visibleSettings,
  type ConnectionFormValues,
} from "../connectionKinds";
import { connectors, secondCaps } from "../../test/fixtures";
import type { ConnectorDescription, CredentialSpec, SettingSpec } from "../types";

const text = (en: string) => ({ nl: en, en });

function credential(key: string, over: Partial<CredentialSpec> = {}): CredentialSpec {
  return { key, label: text(key), help: null, input: "password", secret: true, required: true, ...over };
}

function setting(key: string, over: Partial<SettingSpec> = {}): SettingSpec {
  return {
    key,
    label: text(key),
    help: null,
    input: "text",
    options: [],
    default: "",
    required: true,
    group: "options",
    when: null,
    sign_in: [],
    summary: false,
    ...over,
  };
}

/** A made-up system: a token, or a browser sign-in with a client id, secret and port. */
const tally: ConnectorDescription = {
  id: "tally",
  name: "Tally Books",
  available: true,
  writes: true,
  reads: false,
  url: { label: text("Address"), placeholder: "https://…", help: text("The address."), required: true, default: "" },
  sign_in: [
    { id: "token", label: text("Token"), fields: [credential("api-token")], oauth: null },
    {
      id: "browser",
      label: text("Browser"),
      fields: [
        credential("client_id", { input: "text", secret: false }),
        credential("client-secret"),
        credential("redirect_port", { input: "port", secret: false, required: false }),
      ],
      oauth: { provider: "Tally" },
    },
  ],
  settings: [],
};

/** A second made-up system: a key, settings with a condition and a default address. */
const ledgr: ConnectorDescription = {
  ...tally,
  id: "ledgr",
  name: "Ledgr",
  url: { ...tally.url, required: false, default: "https://api.ledgr.example" },
  sign_in: [{ id: "key", label: text("Key"), fields: [credential("key")], oauth: null }],
  settings: [
    setting("login", { input: "email", group: "sign_in", summary: true }),
    setting("mode", {
      input: "choice",
      options: [
        { value: "a", label: text("Mode A"), help: null },
        { value: "b", label: text("Mode B"), help: text("B explained") },
      ],
      default: "a",
      summary: true,
    }),
    setting("first_number", { input: "digits", when: { key: "mode", values: ["b"] }, summary: true }),
  ],
};

function values(over: Partial<ConnectionFormValues> = {}): ConnectionFormValues {
  return {
    id: null,
    kind: "tally",
    name: "Bakker",
    base_url: "https://12345.example.nl/production",
    auth: "token",
    credentials: {},
    settings: {},
    replacing: {},
    storedFor: null,
    ...over,
  };
}

describe("connection settings from a connector's description", () => {
  it("derives a field's test id from its key", () => {
    expect(fieldId("app-token")).toBe("conn-app-token");
    expect(fieldId("oauth_client_id")).toBe("conn-oauth-client-id");
    expect(fieldId("first_invoice_number")).toBe("conn-first-invoice-number");
  });

  it("the first generated system signs in with an app token or through the browser, under the agreed test ids", () => {
    const first = connectors[0];
    expect(first.sign_in.map((m) => m.id)).toEqual(["app_token", "oauth"]);
    expect(first.sign_in.flatMap((m) => m.fields.map((f) => fieldId(f.key)))).toEqual([
      "conn-app-token",
      "conn-oauth-client-id",
      "conn-oauth-client-secret",
      "conn-oauth-redirect-port",
    ]);
    expect(first.sign_in[1].fields.map((f) => f.secret)).toEqual([false, true, false]);
    const second = connectors.find((c) => c.id === secondCaps.kind)!;
    expect(second.sign_in.flatMap((m) => m.fields.map((f) => fieldId(f.key)))).toEqual(["conn-api-key"]);
    expect(second.settings.map((f) => fieldId(f.key))).toEqual([
      "conn-username",
      "conn-module",
      "conn-numbering",
      "conn-first-invoice-number",
    ]);
  });

  it("every generated description has the ids the test ids are derived from, unique per system", () => {
    expect(connectors.length).toBeGreaterThan(1);
    for (const d of connectors) {
      expect(d.sign_in.length, d.id).toBeGreaterThan(0);
      const ids = [...d.sign_in.flatMap((m) => m.fields.map((f) => f.key)), ...d.settings.map((s) => s.key)].map(fieldId);
      expect(new Set(ids).size, d.id).toBe(ids.length);
      for (const s of d.settings) if (s.input === "choice") expect(s.options.map((o) => o.value), s.key).toContain(s.default);
    }
  });

  it("starts a new connection with the system's first sign-in method, default address and settings", () => {
    expect(initialValues(null, ledgr)).toMatchObject({
      id: null,
      kind: "ledgr",
      base_url: "https://api.ledgr.example",
      auth: "key",
      settings: { login: "", mode: "a", first_number: "" },
      storedFor: null,
    });
  });

  it("opens a saved connection with its plain credentials and knows what the keyring holds", () => {
    const view = {
      id: "c1",
      kind: "tally",
      name: "Bakker",
      base_url: "https://x.example",
      auth: "browser",
      demo: false,
      administration_id: null,
      has_secret: false,
      credentials: { client_id: "cid", redirect_port: "8765" },
      settings: {},
      capabilities: null,
    };
    const v = initialValues(view, tally);
    expect(v.credentials).toEqual({ client_id: "cid", redirect_port: "8765" });
    // A browser sign-in was saved with its secret; has_secret only says whether it signed in.
    expect(v.storedFor).toBe("browser");
    expect(initialValues({ ...view, auth: "token" }, tally).storedFor).toBeNull();
    expect(initialValues({ ...view, auth: "token", has_secret: true }, tally).storedFor).toBe("token");
  });

  it("switching system brings its sign-in, settings and default address, and leaves a typed address", () => {
    const next = switchKind(values({ base_url: "", credentials: { "api-token": "t" } }), tally, ledgr);
    expect(next).toMatchObject({ kind: "ledgr", auth: "key", base_url: "https://api.ledgr.example", credentials: {} });
    expect(next.settings.mode).toBe("a");
    expect(switchKind(next, ledgr, tally).base_url).toBe("");
    expect(switchKind(values({ base_url: "https://mine.example" }), tally, ledgr).base_url).toBe("https://mine.example");
  });

  it("sends a typed secret, and leaves it out to keep a stored one", () => {
    const v = values({ credentials: { "api-token": " tok " } });
    expect(toConnectionInput(tally, v)).toEqual({
      id: null,
      kind: "tally",
      name: "Bakker",
      base_url: "https://12345.example.nl/production",
      auth: "token",
      credentials: { "api-token": "tok" },
      settings: {},
    });
    const kept = values({ id: "c1", storedFor: "token" });
    expect(toConnectionInput(tally, kept).credentials).toEqual({});
  });

  it("sends only the credentials of the chosen sign-in method", () => {
    const v = values({
      auth: "browser",
      credentials: { "api-token": "stale", client_id: "cid", "client-secret": "cs", redirect_port: "8765" },
    });
    expect(toConnectionInput(tally, v).credentials).toEqual({ client_id: "cid", "client-secret": "cs", redirect_port: "8765" });
  });

  it("sends an emptied plain value as empty, so it is cleared, and leaves out an empty secret, so it is kept", () => {
    const v = values({ id: "c1", auth: "browser", storedFor: "browser", credentials: { client_id: "cid", redirect_port: " " } });
    expect(toConnectionInput(tally, v).credentials).toEqual({ client_id: "cid", redirect_port: "" });
  });

  it("shows a stored secret only for the method it was stored for, and never a plain value as stored", () => {
    const token = tally.sign_in[0].fields[0];
    const [clientId, secret] = tally.sign_in[1].fields;
    expect(showsStored(values({ id: "c1", storedFor: "token" }), token)).toBe(true);
    expect(showsStored(values({ id: "c1", storedFor: "token", replacing: { "api-token": true } }), token)).toBe(false);
    expect(showsStored(values({ id: "c1", storedFor: "token", auth: "browser" }), secret)).toBe(false);
    expect(showsStored(values({ id: "c1", storedFor: "browser", auth: "browser" }), clientId)).toBe(false);
    expect(showsStored(values({ id: null, storedFor: "token" }), token)).toBe(false);
  });

  it("checks name, URL, required secrets and the port", () => {
    expect(checkConnection(tally, values({ name: " ", base_url: "" }))).toEqual({
      name: "conn.error.name",
      base_url: "conn.error.url_missing",
      "credentials.api-token": "conn.error.required",
    });
    expect(checkConnection(tally, values({ base_url: "http://example.nl", credentials: { "api-token": "t" } }))).toEqual({
      base_url: "conn.error.url_https",
    });
    expect(checkConnection(tally, values({ base_url: "http://127.0.0.1:8080/x", credentials: { "api-token": "t" } }))).toEqual({});
    expect(checkConnection(tally, values({ id: "c1", storedFor: "token" }))).toEqual({});
    expect(
      checkConnection(tally, values({ auth: "browser", credentials: { client_id: "a", "client-secret": "b", redirect_port: "99999" } })),
    ).toEqual({ "credentials.redirect_port": "conn.error.port" });
    expect(checkConnection(tally, values({ auth: "browser", credentials: { "client-secret": "b" } }))).toEqual({
      "credentials.client_id": "conn.error.required",
    });
  });

  it("shows, checks and sends a setting only while its condition holds", () => {
    const a = values({ kind: "ledgr", auth: "key", credentials: { key: "k" }, settings: { login: "x@y.nl", mode: "a", first_number: "12" } });
    expect(visibleSettings(ledgr, a).map((f) => f.key)).toEqual(["login", "mode"]);
    expect(toConnectionInput(ledgr, a).settings).toEqual({ login: "x@y.nl", mode: "a" });
    const b = { ...a, settings: { ...a.settings, mode: "b", first_number: "" } };
    expect(checkConnection(ledgr, b)).toEqual({ "settings.first_number": "conn.error.required" });
    expect(checkConnection(ledgr, { ...b, settings: { ...b.settings, first_number: "012" } })).toEqual({
      "settings.first_number": "conn.error.digits",
    });
    expect(checkConnection(ledgr, { ...b, settings: { ...b.settings, login: "nope", mode: "c", first_number: "1" } })).toEqual({
      "settings.login": "conn.error.email",
      "settings.mode": "conn.error.required",
    });
    // A setting this version does not know is passed back as it came.
    expect(toConnectionInput(ledgr, { ...a, settings: { ...a.settings, future: "x" } }).settings.future).toBe("x");
  });

  it("shows, checks and sums up a setting of one sign-in method only for that method", () => {
    const sandbox = setting("sandbox", {
      input: "choice",
      options: [{ value: "on", label: text("On"), help: null }],
      sign_in: ["token"],
      summary: true,
    });
    const d: ConnectorDescription = { ...tally, settings: [sandbox] };
    expect(visibleSettings(d, values({ auth: "token" })).map((f) => f.key)).toEqual(["sandbox"]);
    expect(visibleSettings(d, values({ auth: "browser" }))).toEqual([]);
    // Required for its own method only.
    expect(checkConnection(d, values({ auth: "token", credentials: { "api-token": "t" } }))).toEqual({
      "settings.sandbox": "conn.error.required",
    });
    expect(checkConnection(d, values({ auth: "browser", credentials: { client_id: "c", "client-secret": "s" } }))).toEqual({});
    expect(summaryOf(d, { sandbox: "on" }, "token").map((s) => s.field.key)).toEqual(["sandbox"]);
    expect(summaryOf(d, { sandbox: "on" }, "browser")).toEqual([]);
  });

  it("lists the settings marked for the summary that apply, with a choice's option", () => {
    const list = summaryOf(ledgr, { login: "x@y.nl", mode: "b", first_number: "7" }, "key");
    expect(list.map((s) => [s.field.key, s.value, s.option?.label.en ?? null])).toEqual([
      ["login", "x@y.nl", null],
      ["mode", "b", "Mode B"],
      ["first_number", "7", null],
    ]);
    expect(summaryOf(ledgr, { login: "", mode: "a", first_number: "7" }, "key").map((s) => s.field.key)).toEqual(["mode"]);
  });
});
