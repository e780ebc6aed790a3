// What the connection form asks for, per bookkeeping system. The settings form is built from
// these descriptors; adding a system means adding a descriptor here, not a new form.

import type { MessageKey } from "./i18n";
import type { AuthMethod, BackendKind, ConnectionInput } from "./types";

/** The ConnectionInput property a credential field fills. */
export type CredentialTarget =
  | "secret"
  | "oauth_client_id"
  | "oauth_client_secret"
  | "oauth_redirect_port";

export interface CredentialField {
  target: CredentialTarget;
  testid: string;
  label: MessageKey;
  hint?: MessageKey;
  /** "password" fields are never pre-filled; a stored value shows as such. */
  input: "text" | "password" | "port";
  /** Shown only for these auth methods. */
  auth: AuthMethod[];
  required: boolean;
}

export interface AuthOption {
  method: AuthMethod;
  label: MessageKey;
}

export interface KindDescriptor {
  kind: BackendKind;
  /** Whether connections of this kind can be created in this version. */
  available: boolean;
  url: { placeholder: string; hint: MessageKey; required: boolean };
  auth: AuthOption[];
  credentials: CredentialField[];
  /** The name on the "Sign in with …" button when the kind supports OAuth. */
  oauthProvider: string | null;
}

/** The systems' own names; the same in every language. */
export const SYSTEM_NAMES: Record<BackendKind, string> = {
  afas: "AFAS SB",
  silvasoft: "Silvasoft",
  bloxs: "Bloxs",
  mollie: "Mollie",
  bouwsoft: "Visma Bouwsoft",
};

export const KINDS: KindDescriptor[] = [
  {
    kind: "afas",
    available: true,
    url: {
      placeholder: "https://<subdomain>.afasfocus.nl/<environment>",
      hint: "conn.url.hint.afas",
      required: true,
    },
    auth: [
      { method: "app_token", label: "conn.auth.app_token" },
      { method: "oauth", label: "conn.auth.oauth" },
    ],
    credentials: [
      {
        target: "secret",
        testid: "conn-app-token",
        label: "conn.app_token",
        hint: "conn.app_token.hint.afas",
        input: "password",
        auth: ["app_token"],
        required: true,
      },
      {
        target: "oauth_client_id",
        testid: "conn-client-id",
        label: "conn.client_id",
        input: "text",
        auth: ["oauth"],
        required: true,
      },
      {
        target: "oauth_client_secret",
        testid: "conn-client-secret",
        label: "conn.client_secret",
        input: "password",
        auth: ["oauth"],
        required: true,
      },
      {
        target: "oauth_redirect_port",
        testid: "conn-redirect-port",
        label: "conn.redirect_port",
        hint: "conn.redirect_port.hint",
        input: "port",
        auth: ["oauth"],
        required: false,
      },
    ],
    oauthProvider: "AFAS",
  },
];

export function descriptorFor(kind: BackendKind): KindDescriptor | undefined {
  return KINDS.find((k) => k.kind === kind);
}

export function availableKinds(): KindDescriptor[] {
  return KINDS.filter((k) => k.available);
}

/** The values the connection form holds while editing. */
export interface ConnectionFormValues {
  id: string | null;
  kind: BackendKind;
  name: string;
  base_url: string;
  auth: AuthMethod;
  credentials: Record<CredentialTarget, string>;
  /** Password fields whose stored value the user chose to replace. */
  replacing: Partial<Record<CredentialTarget, boolean>>;
  /** The auth method whose secrets are stored in the keyring for this connection, if any. */
  storedFor: AuthMethod | null;
}

export function emptyCredentials(): Record<CredentialTarget, string> {
  return { secret: "", oauth_client_id: "", oauth_client_secret: "", oauth_redirect_port: "" };
}

/** Whether a credential field shows the "stored in the keyring" state instead of an input. */
export function showsStored(values: ConnectionFormValues, field: CredentialField): boolean {
  return (
    field.input === "password" &&
    values.id !== null &&
    values.storedFor === values.auth &&
    !values.replacing[field.target]
  );
}

/** Builds the IPC input. A password left empty (or not replaced) is sent as null: keep it. */
export function toConnectionInput(values: ConnectionFormValues): ConnectionInput {
  const d = descriptorFor(values.kind);
  const visible = new Set(
    (d?.credentials ?? []).filter((f) => f.auth.includes(values.auth)).map((f) => f.target),
  );
  const text = (t: CredentialTarget): string | null => {
    if (!visible.has(t)) return null;
    const v = values.credentials[t].trim();
    return v === "" ? null : v;
  };
  const port = text("oauth_redirect_port");
  return {
    id: values.id,
    kind: values.kind,
    name: values.name.trim(),
    base_url: values.base_url.trim(),
    auth: values.auth,
    secret: text("secret"),
    oauth_client_id: text("oauth_client_id"),
    oauth_client_secret: text("oauth_client_secret"),
    oauth_redirect_port: port === null ? null : Number.parseInt(port, 10),
  };
}

/** Client-side checks before saving: target → message key. */
export function checkConnection(
  values: ConnectionFormValues,
): Partial<Record<"name" | "base_url" | CredentialTarget, MessageKey>> {
  const out: Partial<Record<"name" | "base_url" | CredentialTarget, MessageKey>> = {};
  const d = descriptorFor(values.kind);
  if (values.name.trim() === "") out.name = "conn.error.name";
  const url = values.base_url.trim();
  if (d?.url.required && url === "") out.base_url = "conn.error.url_missing";
  else if (url !== "" && !/^https:\/\/[^\s/]+/i.test(url) && !/^http:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?(\/|$)/i.test(url)) {
    out.base_url = "conn.error.url_https";
  }
  for (const f of d?.credentials ?? []) {
    if (!f.auth.includes(values.auth)) continue;
    const v = values.credentials[f.target].trim();
    if (f.input === "port") {
      if (v !== "" && (!/^\d{1,5}$/.test(v) || Number(v) < 1 || Number(v) > 65535)) {
        out[f.target] = "conn.error.port";
      }
      continue;
    }
    if (!f.required || v !== "") continue;
    if (f.input === "password" && values.id !== null && values.storedFor === values.auth) continue;
    out[f.target] = "conn.error.required";
  }
  return out;
}
