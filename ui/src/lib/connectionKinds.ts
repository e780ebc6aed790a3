// The connection form's logic over a connector's own description (`ConnectorDescription`, from
// the Rust side): starting values, switching system, which settings apply, what is stored in
// the keyring, the IPC input and the checks before saving. Nothing here knows a system.

import type { MessageKey } from "./i18n";
import type {
  ConnectionInput,
  ConnectionView,
  ConnectorDescription,
  CredentialSpec,
  SettingSpec,
  SignInMethod,
} from "./types";

/** The values the connection form holds while editing. */
export interface ConnectionFormValues {
  id: string | null;
  kind: string;
  name: string;
  base_url: string;
  /** The sign-in method's id. */
  auth: string;
  /** Credential values by key, of every sign-in method of the system. */
  credentials: Record<string, string>;
  /** The system's own settings, by key. */
  settings: Record<string, string>;
  /** Password fields (by key) whose stored value the clerk chose to replace. */
  replacing: Record<string, boolean>;
  /** The sign-in method whose secrets are stored in the keyring for this connection, if any. */
  storedFor: string | null;
}

/** The test id (and element id) of a credential or setting field. */
export function fieldId(key: string): string {
  return `conn-${key.replace(/_/g, "-")}`;
}

/** The sign-in method of the values, or the system's first. */
export function signInMethod(d: ConnectorDescription | undefined, auth: string): SignInMethod | undefined {
  return d?.sign_in.find((m) => m.id === auth);
}

/** The credential fields of the chosen sign-in method. */
export function credentialFields(d: ConnectorDescription | undefined, values: ConnectionFormValues): CredentialSpec[] {
  return signInMethod(d, values.auth)?.fields ?? [];
}

/** The settings a new connection of this system starts with. */
export function defaultSettings(d: ConnectorDescription | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of d?.settings ?? []) out[f.key] = f.default;
  return out;
}

/** Whether a setting applies to a connection signing in with `auth` that has these settings:
 * it belongs to that sign-in method (or to every one), and its condition is met. */
export function applies(f: SettingSpec, settings: Record<string, string>, auth: string): boolean {
  if (f.sign_in.length > 0 && !f.sign_in.includes(auth)) return false;
  return !f.when || f.when.values.includes(settings[f.when.key] ?? "");
}

/** The sign-in method whose secrets the keyring holds for a saved connection, if any. */
export function storedFor(d: ConnectorDescription | undefined, view: ConnectionView): string | null {
  const method = signInMethod(d, view.auth);
  if (!method) return null;
  // A connection that signs in through a browser was saved with its secrets (they are
  // required); has_secret then tells whether the sign-in is done. For the other methods
  // has_secret tells whether the secrets are stored.
  if (method.oauth) return method.id;
  return view.has_secret ? method.id : null;
}

/** The form's starting values: a saved connection as it is, or a new one of system `d`. */
export function initialValues(editing: ConnectionView | null, d: ConnectorDescription | undefined): ConnectionFormValues {
  const kind = editing?.kind ?? d?.id ?? "";
  const known = editing !== null && signInMethod(d, editing.auth) !== undefined;
  return {
    id: editing?.id ?? null,
    kind,
    name: editing?.name ?? "",
    base_url: editing ? editing.base_url : (d?.url.default ?? ""),
    auth: editing && known ? editing.auth : (d?.sign_in[0]?.id ?? ""),
    // Only plain values come back from the Rust side; secrets are never echoed.
    credentials: { ...(editing?.credentials ?? {}) },
    settings: { ...defaultSettings(d), ...(editing?.settings ?? {}) },
    replacing: {},
    storedFor: editing ? storedFor(d, editing) : null,
  };
}

/**
 * Another system was chosen for a new connection: its sign-in method and settings start from
 * their defaults; a URL that was left at the previous system's default follows the new one.
 */
export function switchKind(
  values: ConnectionFormValues,
  before: ConnectorDescription | undefined,
  next: ConnectorDescription | undefined,
): ConnectionFormValues {
  if (!next || values.kind === next.id) return values;
  const url = values.base_url.trim();
  return {
    ...values,
    kind: next.id,
    base_url: url === "" || url === before?.url.default ? next.url.default : values.base_url,
    auth: next.sign_in[0]?.id ?? "",
    credentials: {},
    settings: defaultSettings(next),
    replacing: {},
    storedFor: null,
  };
}

/** The settings fields that apply to the values as they are (the sign-in method chosen,
 * conditions met). */
export function visibleSettings(d: ConnectorDescription | undefined, values: ConnectionFormValues): SettingSpec[] {
  return (d?.settings ?? []).filter((f) => applies(f, values.settings, values.auth));
}

/** Whether a credential field shows the "stored in the keyring" state instead of an input. */
export function showsStored(values: ConnectionFormValues, field: CredentialSpec): boolean {
  return field.secret && values.id !== null && values.storedFor === values.auth && !values.replacing[field.key];
}

/**
 * Builds the IPC input. Credentials: only the chosen method's. A secret is sent only when typed
 * now (left out, the stored one is kept); a plain value is sent as it stands, so emptying it
 * clears it.
 */
export function toConnectionInput(d: ConnectorDescription | undefined, values: ConnectionFormValues): ConnectionInput {
  const credentials: Record<string, string> = {};
  for (const f of credentialFields(d, values)) {
    const v = (values.credentials[f.key] ?? "").trim();
    if (v !== "" || !f.secret) credentials[f.key] = v;
  }
  // Settings this version does not know are passed back as they came; known ones are sent
  // only while they apply, and only when filled in.
  const known = new Set((d?.settings ?? []).map((f) => f.key));
  const settings: Record<string, string> = {};
  for (const [k, v] of Object.entries(values.settings)) if (!known.has(k)) settings[k] = v;
  for (const f of visibleSettings(d, values)) {
    const v = (values.settings[f.key] ?? "").trim();
    if (v !== "") settings[f.key] = v;
  }
  return {
    id: values.id,
    kind: values.kind,
    name: values.name.trim(),
    base_url: values.base_url.trim(),
    auth: values.auth,
    credentials,
    settings,
  };
}

/** The form's error targets: the name, the address, a credential or a setting by key. */
export type CredentialTarget = `credentials.${string}`;
export type SettingTarget = `settings.${string}`;
export type FormTarget = "name" | "base_url" | CredentialTarget | SettingTarget;

/** Client-side checks before saving: target → message key. */
export function checkConnection(
  d: ConnectorDescription | undefined,
  values: ConnectionFormValues,
): Partial<Record<FormTarget, MessageKey>> {
  const out: Partial<Record<FormTarget, MessageKey>> = {};
  if (values.name.trim() === "") out.name = "conn.error.name";
  const url = values.base_url.trim();
  if (d?.url.required && url === "") out.base_url = "conn.error.url_missing";
  else if (url !== "" && !/^https:\/\/[^\s/]+/i.test(url) && !/^http:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?(\/|$)/i.test(url)) {
    out.base_url = "conn.error.url_https";
  }
  for (const f of credentialFields(d, values)) {
    const v = (values.credentials[f.key] ?? "").trim();
    const target: CredentialTarget = `credentials.${f.key}`;
    if (f.input === "port") {
      if (v !== "" && (!/^\d{1,5}$/.test(v) || Number(v) < 1 || Number(v) > 65535)) out[target] = "conn.error.port";
      if (v !== "" || !f.required) continue;
    }
    if (!f.required || v !== "") continue;
    if (f.secret && values.id !== null && values.storedFor === values.auth) continue;
    out[target] = "conn.error.required";
  }
  for (const f of visibleSettings(d, values)) {
    const v = (values.settings[f.key] ?? "").trim();
    const target: SettingTarget = `settings.${f.key}`;
    if (v === "") {
      if (f.required) out[target] = "conn.error.required";
    } else if (f.input === "digits" && !/^[1-9]\d{0,17}$/.test(v)) {
      out[target] = "conn.error.digits";
    } else if (f.input === "email" && !/^[^\s@]+@[^\s@]+$/.test(v)) {
      out[target] = "conn.error.email";
    } else if (f.input === "choice" && !f.options.some((o) => o.value === v)) {
      out[target] = "conn.error.required";
    }
  }
  return out;
}

/** The summary of a connection in the list: the settings the description marks, in words. */
export function summaryOf(
  d: ConnectorDescription | undefined,
  settings: Record<string, string>,
  auth: string,
): { field: SettingSpec; value: string; option: SettingSpec["options"][number] | null }[] {
  const out: { field: SettingSpec; value: string; option: SettingSpec["options"][number] | null }[] = [];
  for (const f of d?.settings ?? []) {
    if (!f.summary || !applies(f, settings, auth)) continue;
    const v = settings[f.key] ?? "";
    if (v === "") continue;
    out.push({ field: f, value: v, option: f.options.find((x) => x.value === v) ?? null });
  }
  return out;
}
