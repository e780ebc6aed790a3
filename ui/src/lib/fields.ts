// Fields that depend on other fields, and the header a system declares. The same rules as the
// Rust side (crates/core/src/fields.rs), so the form shows, hides and marks a field as the
// clerk types, before the evaluation comes back; the Rust side decides what is checked and sent.

import type {
  Capabilities,
  Condition,
  Draft,
  DraftLine,
  FieldSpec,
  HeaderField,
  HeaderKey,
  RelationKind,
} from "./types";

/** The header of a system that declares none: invoice date, optional reference, price basis. */
export const DEFAULT_HEADER: HeaderField[] = [
  { key: "issue_date", label: { nl: "Factuurdatum", en: "Invoice date" }, required: true, max_len: null, help: null },
  { key: "reference", label: { nl: "Referentie", en: "Reference" }, required: false, max_len: null, help: null },
  { key: "price_basis", label: { nl: "Prijzen", en: "Prices" }, required: true, max_len: null, help: null },
];

/** The standard header fields the system has: its declaration, or the default one. */
export function declaredHeader(caps: Capabilities): HeaderField[] {
  return caps.header && caps.header.length > 0 ? caps.header : DEFAULT_HEADER;
}

/** One standard header field, or null when the system does not have it. */
export function headerField(caps: Capabilities, key: HeaderKey): HeaderField | null {
  return declaredHeader(caps).find((h) => h.key === key) ?? null;
}

/** A chain of conditions longer than this, or a cycle, counts as not shown (as in Rust). */
const MAX_DEPTH = 8;

/** Whether a condition holds for the other field's value (null: empty or hidden). */
export function conditionHolds(c: Condition, value: string | null): boolean {
  const v = (value ?? "").trim();
  return c.values.length === 0 ? v !== "" : c.values.some((x) => x.trim() === v);
}

function nonEmpty(v: string | null | undefined): string | null {
  const t = (v ?? "").trim();
  return t === "" ? null : t;
}

function headerValue(draft: Draft, caps: Capabilities, key: string, depth: number): string | null {
  switch (key) {
    case "issue_date":
      return nonEmpty(draft.issue_date);
    case "reference":
      return nonEmpty(draft.reference);
    case "price_basis":
      return draft.price_basis;
    case "administration":
      return nonEmpty(draft.administration_id);
    case "relation":
      return nonEmpty(draft.relation?.id);
  }
  const spec = caps.header_fields.find((f) => f.key === key);
  if (spec && !shownAt(spec, draft, caps, null, depth + 1)) return null;
  return nonEmpty(draft.extra[key]);
}

function conditionValue(
  c: Condition,
  draft: Draft,
  caps: Capabilities,
  line: DraftLine | null,
  depth: number,
): string | null {
  if (line) {
    const spec = caps.line_fields.find((f) => f.key === c.field);
    if (spec) {
      if (!shownAt(spec, draft, caps, line, depth + 1)) return null;
      return nonEmpty(line.extra[c.field]);
    }
  }
  return headerValue(draft, caps, c.field, depth);
}

function shownAt(spec: FieldSpec, draft: Draft, caps: Capabilities, line: DraftLine | null, depth: number): boolean {
  const c = spec.shown_when ?? null;
  if (!c) return true;
  if (depth >= MAX_DEPTH) return false;
  return conditionHolds(c, conditionValue(c, draft, caps, line, depth));
}

/** Whether a declared field is shown for this draft (and line, for a line field). */
export function fieldShown(spec: FieldSpec, draft: Draft, caps: Capabilities, line: DraftLine | null = null): boolean {
  return shownAt(spec, draft, caps, line, 0);
}

/** Whether a declared field must be filled in now: shown, and required always or under its condition. */
export function fieldRequired(spec: FieldSpec, draft: Draft, caps: Capabilities, line: DraftLine | null = null): boolean {
  if (!fieldShown(spec, draft, caps, line)) return false;
  if (spec.required) return true;
  const c = spec.required_when ?? null;
  return c !== null && conditionHolds(c, conditionValue(c, draft, caps, line, 0));
}

/** Characters as the Rust side counts them (code points, trimmed). */
export function charCount(text: string): number {
  return [...text.trim()].length;
}

/** What the clerk typed for a recipient of the local address book. */
export interface RecipientTyped {
  kind: RelationKind;
  name: string;
  values: Record<string, string>;
}

/** The value a recipient field's condition looks at: "kind", "name" or another declared field
 * (empty while that field is hidden); as `recipient_value` in crates/core/src/desk.rs. */
function recipientValue(key: string, r: RecipientTyped, fields: FieldSpec[], depth: number): string | null {
  if (key === "kind") return r.kind === "unknown" ? null : r.kind;
  if (key === "name") return nonEmpty(r.name);
  const spec = fields.find((f) => f.key === key);
  if (spec && !recipientShownAt(spec, r, fields, depth + 1)) return null;
  return nonEmpty(r.values[key]);
}

function recipientShownAt(spec: FieldSpec, r: RecipientTyped, fields: FieldSpec[], depth: number): boolean {
  const c = spec.shown_when ?? null;
  if (!c) return true;
  if (depth >= MAX_DEPTH) return false;
  return conditionHolds(c, recipientValue(c.field, r, fields, depth));
}

/** Whether a declared recipient field is shown for what the clerk typed (its kind, name, fields). */
export function recipientFieldShown(spec: FieldSpec, r: RecipientTyped, fields: FieldSpec[]): boolean {
  return recipientShownAt(spec, r, fields, 0);
}

/** Whether a declared recipient field must be filled in now: shown, and required always or under its condition. */
export function recipientFieldRequired(spec: FieldSpec, r: RecipientTyped, fields: FieldSpec[]): boolean {
  if (!recipientFieldShown(spec, r, fields)) return false;
  if (spec.required) return true;
  const c = spec.required_when ?? null;
  return c !== null && conditionHolds(c, recipientValue(c.field, r, fields, 0));
}
