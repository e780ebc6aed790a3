// Look-up fields: a form field whose value is the id of an item of a list the system declares,
// filtered by the values of other fields. The form provides a LookupContext; ExtraField renders
// a LookupField with it for every field of kind "lookup".

import { getContext, setContext } from "svelte";
import * as api from "./api";
import { pick, t } from "./locale.svelte";
import type { Capabilities, Draft, FieldSpec, ListSearch, ListSynced, LookupItem, Relation } from "./types";

export interface LookupContext {
  search(list: string, parents: Record<string, string>, query: string): Promise<ListSearch>;
  /** The filter values of a look-up field at `path` (`extra.x` or `lines[2].x`), and the
   * labels of the fields still empty. */
  parents(spec: FieldSpec, path: string): { values: Record<string, string>; missing: string[] };
  onSynced(handler: (e: ListSynced) => void): Promise<api.UnlistenFn>;
  /** An item was picked in the look-up field at `path`: the fields its filters may fill
   * (`fills`) and that are still empty take the item's parent values. */
  picked(spec: FieldSpec, path: string, item: LookupItem): Promise<void>;
}

const KEY = Symbol("lookup");

export function provideLookup(ctx: LookupContext): void {
  setContext(KEY, ctx);
}

export function lookupContext(): LookupContext | undefined {
  return getContext<LookupContext | undefined>(KEY);
}

/** The line index in a path such as `lines[2].object`, or null for a header field. */
export function lineIndex(path: string): number | null {
  const m = /^lines\[(\d+)\]\./.exec(path);
  return m ? Number(m[1]) : null;
}

/** The label a clerk knows a field by, for "Choose … first". */
function fieldLabel(caps: Capabilities, key: string): string {
  if (key === "relation") return t("relation.label");
  if (key === "administration") return t("top.administration");
  const spec = [...caps.header_fields, ...caps.line_fields].find((f) => f.key === key);
  return spec ? pick(spec.label) : key;
}

/** The value of the field `from` as a filter: the relation's id, the administration, a line
 * field of the same line, or a header field. */
export function fieldValue(draft: Draft, from: string, line: number | null): string {
  if (from === "relation") return draft.relation?.id ?? "";
  if (from === "administration") return draft.administration_id ?? "";
  if (line !== null) {
    const v = draft.lines[line]?.extra[from];
    if (v !== undefined && v !== "") return v;
  }
  return draft.extra[from] ?? "";
}

/** A LookupContext for a form over `connectionId`. */
export function formLookup(form: {
  connection: { id: string; capabilities: Capabilities };
  administrationId: string | null;
  draft: Draft | null;
  setRelation(relation: Relation | null): void;
  edited(path: string): void;
}): LookupContext {
  return {
    search: (list, parents, query) =>
      api.searchList(form.connection.id, list, form.administrationId, parents, query),
    parents(spec, path) {
      const values: Record<string, string> = {};
      const missing: string[] = [];
      if (spec.kind.type !== "lookup" || !form.draft) return { values, missing };
      const line = lineIndex(path);
      for (const f of spec.kind.filter) {
        const v = fieldValue(form.draft, f.from_field, line).trim();
        // An optional filter whose field is empty is not applied.
        if (v === "" && !f.optional) missing.push(fieldLabel(form.connection.capabilities, f.from_field));
        else if (v !== "") values[f.key] = v;
      }
      return { values, missing };
    },
    onSynced: (handler) =>
      api.onListSynced((e) => {
        if (e.connection_id === form.connection.id) handler(e);
      }),
    async picked(spec, path, item) {
      if (spec.kind.type !== "lookup" || !form.draft) return;
      const line = lineIndex(path);
      for (const f of spec.kind.filter) {
        const value = (item.parents[f.key] ?? "").trim();
        if (!f.fills || value === "" || f.from_field === "administration") continue;
        if (fieldValue(form.draft, f.from_field, line).trim() !== "") continue;
        if (f.from_field === "relation") {
          const connection = form.connection.id;
          const relation = await api.relationById(connection, form.administrationId, value);
          // Only when the clerk did not choose a relation meanwhile.
          if (relation && form.draft && !form.draft.relation && form.connection.id === connection) {
            form.setRelation(relation);
          }
        } else if (line !== null && form.connection.capabilities.line_fields.some((l) => l.key === f.from_field)) {
          const l = form.draft.lines[line];
          if (l) {
            l.extra[f.from_field] = value;
            form.edited(`lines[${line}].${f.from_field}`);
          }
        } else {
          form.draft.extra[f.from_field] = value;
          form.edited(`extra.${f.from_field}`);
        }
      }
    },
  };
}
