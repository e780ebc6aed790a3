// What the connection form asks for, per bookkeeping system. The settings form is built from
// these descriptors; adding a system means adding a descriptor here, not a new form.

import type { MessageKey } from "./i18n";
import type { AuthMethod, BackendKind, ConnectionInput, ConnectionView } from "./types";

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

export interface SettingOption {
  value: string;
  label: MessageKey;
  /** Explains the option; shown under the field while it is chosen. */
  hint?: MessageKey;
}

/** A non-secret setting of the system; it fills `ConnectionInput.settings[key]`. */
export interface SettingField {
  key: string;
  testid: string;
  label: MessageKey;
  hint?: MessageKey;
  /** "digits": a whole number typed as text, e.g. a first invoice number. */
  input: "text" | "email" | "digits" | "choice";
  options?: SettingOption[];
  /** The value of a new connection. */
  default: string;
  required: boolean;
  /** Where the field goes: with the sign-in details, or after them. */
  group: "sign_in" | "options";
  /** Shown, checked and sent only while another setting has one of these values. */
  when?: { key: string; values: string[] };
  /** Shown in the list of connections. */
  summary?: boolean;
}

export interface AuthOption {
  method: AuthMethod;
  label: MessageKey;
}

export interface KindDescriptor {
  kind: BackendKind;
  /** Whether connections of this kind can be created in this version. */
  available: boolean;
  /** `default` pre-fills the URL of a new connection (the vendor's production host). */
  url: { label: MessageKey; placeholder: string; hint: MessageKey; required: boolean; default: string };
  auth: AuthOption[];
  credentials: CredentialField[];
  settings: SettingField[];
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
      label: "conn.url",
      placeholder: "https://<subdomain>.afasfocus.nl/<environment>",
      hint: "conn.url.hint.afas",
      required: true,
      default: "",
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
    settings: [],
    oauthProvider: "AFAS",
  },
  {
    kind: "silvasoft",
    available: true,
    url: {
      label: "conn.url.api",
      placeholder: "https://rest-api.silvasoft.nl",
      hint: "conn.url.hint.silvasoft",
      required: false,
      default: "https://rest-api.silvasoft.nl",
    },
    auth: [{ method: "api_key", label: "conn.auth.api_key" }],
    credentials: [
      {
        target: "secret",
        testid: "conn-api-key",
        label: "conn.api_key",
        hint: "conn.api_key.hint.silvasoft",
        input: "password",
        auth: ["api_key"],
        required: true,
      },
    ],
    settings: [
      {
        key: "username",
        testid: "conn-username",
        label: "conn.username.silvasoft",
        hint: "conn.username.hint.silvasoft",
        input: "email",
        default: "",
        required: true,
        group: "sign_in",
        summary: true,
      },
      {
        key: "module",
        testid: "conn-module",
        label: "conn.module.silvasoft",
        input: "choice",
        options: [
          {
            value: "bookkeeping",
            label: "conn.module.silvasoft.bookkeeping",
            hint: "conn.module.silvasoft.bookkeeping.hint",
          },
          {
            value: "invoicing",
            label: "conn.module.silvasoft.invoicing",
            hint: "conn.module.silvasoft.invoicing.hint",
          },
        ],
        default: "bookkeeping",
        required: true,
        group: "options",
        summary: true,
      },
      {
        key: "numbering",
        testid: "conn-numbering",
        label: "conn.numbering",
        hint: "conn.numbering.hint.silvasoft",
        input: "choice",
        options: [
          { value: "silvasoft", label: "conn.numbering.silvasoft" },
          { value: "app", label: "conn.numbering.app" },
        ],
        default: "app",
        required: true,
        group: "options",
      },
      {
        key: "first_invoice_number",
        testid: "conn-first-number",
        label: "conn.first_number",
        hint: "conn.first_number.hint",
        input: "digits",
        default: "",
        required: true,
        group: "options",
        when: { key: "numbering", values: ["app"] },
        summary: true,
      },
    ],
    oauthProvider: null,
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
  /** The system's own settings, by key. */
  settings: Record<string, string>;
  /** Password fields whose stored value the user chose to replace. */
  replacing: Partial<Record<CredentialTarget, boolean>>;
  /** The auth method whose secrets are stored in the keyring for this connection, if any. */
  storedFor: AuthMethod | null;
}

export function emptyCredentials(): Record<CredentialTarget, string> {
  return { secret: "", oauth_client_id: "", oauth_client_secret: "", oauth_redirect_port: "" };
}

/** The settings a new connection of this kind starts with. */
export function defaultSettings(kind: BackendKind): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of descriptorFor(kind)?.settings ?? []) out[f.key] = f.default;
  return out;
}

/** The auth method whose secret the keyring holds for a saved connection, if any. */
export function storedFor(view: ConnectionView): AuthMethod | null {
  // An OAuth connection was saved with its client secret; has_secret then tells whether the
  // sign-in is done. For the other methods has_secret tells whether the secret is stored.
  if (view.auth === "oauth") return "oauth";
  if (view.auth === "none" || !view.has_secret) return null;
  return view.auth;
}

/** The form's starting values: a saved connection as it is, or a new one of `kind`. */
export function initialValues(editing: ConnectionView | null, kind: BackendKind): ConnectionFormValues {
  const k = editing?.kind ?? kind;
  const d = descriptorFor(k);
  const credentials = emptyCredentials();
  if (editing) {
    credentials.oauth_client_id = editing.oauth_client_id ?? "";
    credentials.oauth_redirect_port =
      editing.oauth_redirect_port !== null && editing.oauth_redirect_port !== undefined
        ? String(editing.oauth_redirect_port)
        : "";
  }
  return {
    id: editing?.id ?? null,
    kind: k,
    name: editing?.name ?? "",
    base_url: editing ? editing.base_url : (d?.url.default ?? ""),
    auth: editing && editing.auth !== "none" ? editing.auth : (d?.auth[0]?.method ?? "app_token"),
    credentials,
    settings: { ...defaultSettings(k), ...(editing?.settings ?? {}) },
    replacing: {},
    storedFor: editing ? storedFor(editing) : null,
  };
}

/**
 * Another system was chosen for a new connection: its sign-in method and settings start from
 * their defaults; a URL that was left at the previous system's default follows the new one.
 */
export function switchKind(values: ConnectionFormValues, kind: BackendKind): ConnectionFormValues {
  if (values.kind === kind) return values;
  const before = descriptorFor(values.kind);
  const d = descriptorFor(kind);
  const url = values.base_url.trim();
  return {
    ...values,
    kind,
    base_url: url === "" || url === before?.url.default ? (d?.url.default ?? "") : values.base_url,
    auth: d?.auth[0]?.method ?? "app_token",
    credentials: emptyCredentials(),
    settings: defaultSettings(kind),
    replacing: {},
    storedFor: null,
  };
}

/** The settings fields that apply to the values as they are (conditions met). */
export function visibleSettings(values: ConnectionFormValues): SettingField[] {
  const fields = descriptorFor(values.kind)?.settings ?? [];
  return fields.filter((f) => !f.when || f.when.values.includes(values.settings[f.when.key] ?? ""));
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
  // Settings this version does not know are passed back as they came; known ones are sent
  // only while they apply, and only when filled in.
  const known = new Set((d?.settings ?? []).map((f) => f.key));
  const settings: Record<string, string> = {};
  for (const [k, v] of Object.entries(values.settings)) if (!known.has(k)) settings[k] = v;
  for (const f of visibleSettings(values)) {
    const v = (values.settings[f.key] ?? "").trim();
    if (v !== "") settings[f.key] = v;
  }
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
    settings,
  };
}

/** The key of a settings field among the form's error targets. */
export type SettingTarget = `settings.${string}`;
export type FormTarget = "name" | "base_url" | CredentialTarget | SettingTarget;

/** Client-side checks before saving: target → message key. */
export function checkConnection(values: ConnectionFormValues): Partial<Record<FormTarget, MessageKey>> {
  const out: Partial<Record<FormTarget, MessageKey>> = {};
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
  for (const f of visibleSettings(values)) {
    const v = (values.settings[f.key] ?? "").trim();
    const target: SettingTarget = `settings.${f.key}`;
    if (v === "") {
      if (f.required) out[target] = "conn.error.required";
    } else if (f.input === "digits" && !/^[1-9]\d{0,17}$/.test(v)) {
      out[target] = "conn.error.digits";
    } else if (f.input === "email" && !/^[^\s@]+@[^\s@]+$/.test(v)) {
      out[target] = "conn.error.email";
    } else if (f.input === "choice" && !(f.options ?? []).some((o) => o.value === v)) {
      out[target] = "conn.error.required";
    }
  }
  return out;
}
