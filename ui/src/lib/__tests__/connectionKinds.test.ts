import { describe, expect, it } from "vitest";
import {
  checkConnection,
  emptyCredentials,
  showsStored,
  toConnectionInput,
  KINDS,
  type ConnectionFormValues,
} from "../connectionKinds";

function values(over: Partial<ConnectionFormValues> = {}): ConnectionFormValues {
  return {
    id: null,
    kind: "afas",
    name: "Bakker",
    base_url: "https://12345.afasfocus.nl/production",
    auth: "app_token",
    credentials: emptyCredentials(),
    settings: {},
    replacing: {},
    storedFor: null,
    ...over,
  };
}

describe("connection descriptors", () => {
  it("describes AFAS with an app token and OAuth", () => {
    const afas = KINDS.find((k) => k.kind === "afas");
    expect(afas?.auth.map((a) => a.method)).toEqual(["app_token", "oauth"]);
    expect(afas?.credentials.map((c) => c.testid)).toEqual([
      "conn-app-token",
      "conn-client-id",
      "conn-client-secret",
      "conn-redirect-port",
    ]);
  });

  it("sends a new token, and null to keep a stored one", () => {
    const v = values({ credentials: { ...emptyCredentials(), secret: " tok " } });
    expect(toConnectionInput(v)).toMatchObject({ secret: "tok", auth: "app_token", oauth_client_id: null });
    const kept = values({ id: "c1", storedFor: "app_token" });
    expect(toConnectionInput(kept).secret).toBeNull();
  });

  it("sends only the fields of the chosen sign-in method", () => {
    const v = values({
      auth: "oauth",
      credentials: { secret: "stale", oauth_client_id: "cid", oauth_client_secret: "cs", oauth_redirect_port: "8765" },
    });
    expect(toConnectionInput(v)).toMatchObject({
      secret: null,
      oauth_client_id: "cid",
      oauth_client_secret: "cs",
      oauth_redirect_port: 8765,
    });
  });

  it("shows a stored secret only for the method it was stored for", () => {
    const token = KINDS[0].credentials[0];
    const secret = KINDS[0].credentials[2];
    expect(showsStored(values({ id: "c1", storedFor: "app_token" }), token)).toBe(true);
    expect(showsStored(values({ id: "c1", storedFor: "app_token", replacing: { secret: true } }), token)).toBe(false);
    expect(showsStored(values({ id: "c1", storedFor: "app_token", auth: "oauth" }), secret)).toBe(false);
    expect(showsStored(values({ id: null, storedFor: "app_token" }), token)).toBe(false);
  });

  it("checks name, URL, required secrets and the port", () => {
    expect(checkConnection(values({ name: " " , base_url: "" }))).toEqual({
      name: "conn.error.name",
      base_url: "conn.error.url_missing",
      secret: "conn.error.required",
    });
    expect(checkConnection(values({ base_url: "http://example.nl", credentials: { ...emptyCredentials(), secret: "t" } })))
      .toEqual({ base_url: "conn.error.url_https" });
    expect(checkConnection(values({ base_url: "http://127.0.0.1:8080/afas", credentials: { ...emptyCredentials(), secret: "t" } })))
      .toEqual({});
    expect(checkConnection(values({ id: "c1", storedFor: "app_token" }))).toEqual({});
    expect(
      checkConnection(
        values({ auth: "oauth", credentials: { ...emptyCredentials(), oauth_client_id: "a", oauth_client_secret: "b", oauth_redirect_port: "99999" } }),
      ),
    ).toEqual({ oauth_redirect_port: "conn.error.port" });
  });
});
