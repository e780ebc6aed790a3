import { describe, expect, it } from "vitest";
import { messages, translate, translatePlural, type MessageKey } from "../i18n";
import { KINDS } from "../connectionKinds";

const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

// Every source file that may use a text key.
const sources = import.meta.glob(["../../**/*.svelte", "../../**/*.ts", "!../../**/*.test.ts", "!../../dev/**"], {
  query: "?raw",
  import: "default",
  eager: true,
}) as Record<string, string>;

describe("i18n", () => {
  it("has every key in both languages", () => {
    const en = Object.keys(messages.en).sort();
    const nl = Object.keys(messages.nl).sort();
    expect(nl.filter((k) => !en.includes(k))).toEqual([]);
    expect(en.filter((k) => !nl.includes(k))).toEqual([]);
  });

  it("has no empty texts and the same placeholders in both languages", () => {
    for (const key of Object.keys(messages.en) as MessageKey[]) {
      expect(messages.en[key].trim(), key).not.toBe("");
      expect(messages.nl[key].trim(), key).not.toBe("");
      expect(placeholders(messages.nl[key]), key).toEqual(placeholders(messages.en[key]));
    }
  });

  it("knows every key the components ask for", () => {
    const used = new Set<string>();
    for (const src of Object.values(sources)) {
      for (const m of src.matchAll(/\bt\(\s*"([a-z0-9_.]+)"/g)) used.add(m[1]);
      for (const m of src.matchAll(/\btn\(\s*"([a-z0-9_.]+)"/g)) {
        used.add(`${m[1]}.one`);
        used.add(`${m[1]}.other`);
      }
      for (const m of src.matchAll(/"((?:state|conn)\.[a-z0-9_.]+)"/g)) used.add(m[1]);
    }
    for (const k of KINDS) {
      used.add(k.url.hint);
      used.add(k.url.label);
      for (const a of k.auth) used.add(a.label);
      for (const f of k.credentials) {
        used.add(f.label);
        if (f.hint) used.add(f.hint);
      }
      for (const f of k.settings) {
        used.add(f.label);
        if (f.hint) used.add(f.hint);
        for (const o of f.options ?? []) {
          used.add(o.label);
          if (o.hint) used.add(o.hint);
        }
      }
    }
    expect(used.size).toBeGreaterThan(100);
    const missing = [...used].filter((k) => !(k in messages.en) || !(k in messages.nl));
    expect(missing).toEqual([]);
  });

  it("fills placeholders and picks plural forms", () => {
    expect(translate("nl", "relation.none", { query: "xyz" })).toBe("Geen relatie gevonden voor 'xyz'");
    expect(translate("en", "relation.none", { query: "xyz" })).toBe("No relation matches 'xyz'");
    expect(translatePlural("en", "sync.relations", 1, { n: "1" })).toBe("1 relation");
    expect(translatePlural("nl", "sync.relations", 2, { n: "2" })).toBe("2 relaties");
  });

  it("has the demo badge texts the clerk is told about", () => {
    expect(messages.en["demo.badge"]).toBe("Demo");
    expect(messages.nl["demo.badge"]).toBe("Demo – voorbeeldgegevens");
    expect(messages.en["demo.tooltip"]).toContain("nothing is sent to a real bookkeeping system");
  });
});
