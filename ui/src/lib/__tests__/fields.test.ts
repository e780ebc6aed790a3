import { describe, expect, it } from "vitest";
import { conditionHolds, declaredHeader, DEFAULT_HEADER, fieldRequired, fieldShown, headerField } from "../fields";
import type { Capabilities, FieldSpec } from "../types";
import { caps as base, draft } from "../../test/fixtures";

function spec(key: string, over: Partial<FieldSpec> = {}): FieldSpec {
  return {
    key,
    label: { nl: key, en: key },
    kind: { type: "text", max_len: null },
    required: false,
    default: null,
    help: null,
    shown_when: null,
    required_when: null,
    ...over,
  };
}

describe("fields", () => {
  it("a condition without values holds when the other field is filled in", () => {
    expect(conditionHolds({ field: "a", values: [] }, " x ")).toBe(true);
    expect(conditionHolds({ field: "a", values: [] }, "  ")).toBe(false);
    expect(conditionHolds({ field: "a", values: ["issued"] }, " issued")).toBe(true);
    expect(conditionHolds({ field: "a", values: ["issued"] }, null)).toBe(false);
  });

  it("a field whose condition names a hidden field is hidden too, and a cycle ends", () => {
    const a = spec("a", { shown_when: { field: "status", values: ["issued"] } });
    const b = spec("b", { shown_when: { field: "a", values: [] }, required: true });
    const caps: Capabilities = { ...base, header_fields: [a, b] };
    const d = draft({ extra: { status: "draft", a: "kept" } });
    expect(fieldShown(b, d, caps)).toBe(false);
    expect(fieldRequired(b, d, caps)).toBe(false);
    d.extra.status = "issued";
    expect(fieldShown(b, d, caps)).toBe(true);
    expect(fieldRequired(b, d, caps)).toBe(true);
    a.shown_when = { field: "b", values: [] };
    d.extra.b = "x";
    expect(fieldShown(a, d, caps)).toBe(false);
    expect(fieldShown(b, d, caps)).toBe(false);
  });

  it("a system that declares no header has today's", () => {
    const caps: Capabilities = { ...base, header: [] };
    expect(declaredHeader(caps)).toEqual(DEFAULT_HEADER);
    expect(headerField(caps, "reference")?.label.en).toBe("Reference");
  });
});
