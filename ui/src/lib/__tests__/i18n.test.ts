import { describe, expect, it } from "vitest";
import { messages, translate, translatePlural, type MessageKey } from "../i18n";
import { connectors } from "../../test/fixtures";
import type { Text } from "../types";

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
    expect(used.size).toBeGreaterThan(100);
    const missing = [...used].filter((k) => !(k in messages.en) || !(k in messages.nl));
    expect(missing).toEqual([]);
  });

  it("asks for no key it does not have, and has no key nothing asks for", () => {
    const used = new Set<string>();
    const all = Object.entries(sources)
      .filter(([path]) => !path.endsWith("/i18n.ts"))
      .map(([, src]) => src)
      .join("\n");
    for (const m of all.matchAll(/"([a-z0-9_]+(?:\.[a-z0-9_]+)+)"/g)) used.add(m[1]);
    for (const m of all.matchAll(/\btn\(\s*"([a-z0-9_.]+)"/g)) {
      used.add(`${m[1]}.one`);
      used.add(`${m[1]}.other`);
    }
    // Keys built from a value: the submission states.
    const dynamic = (k: string) => k.startsWith("state.");
    const unused = Object.keys(messages.en).filter((k) => !used.has(k) && !dynamic(k));
    expect(unused).toEqual([]);
  });

  it("every connector's own texts exist in both languages", () => {
    const texts: [string, Text | null][] = [];
    for (const d of connectors) {
      texts.push([`${d.id}.url.label`, d.url.label], [`${d.id}.url.help`, d.url.help]);
      for (const m of d.sign_in) {
        texts.push([`${d.id}.${m.id}`, m.label]);
        for (const f of m.fields) texts.push([`${d.id}.${f.key}`, f.label], [`${d.id}.${f.key}.help`, f.help]);
      }
      for (const f of d.settings) {
        texts.push([`${d.id}.${f.key}`, f.label], [`${d.id}.${f.key}.help`, f.help]);
        for (const o of f.options) texts.push([`${d.id}.${f.key}.${o.value}`, o.label], [`${d.id}.${f.key}.${o.value}.help`, o.help]);
      }
    }
    expect(texts.length).toBeGreaterThan(20);
    for (const [where, t] of texts) {
      if (t === null) continue;
      expect(t.nl.trim(), where).not.toBe("");
      expect(t.en.trim(), where).not.toBe("");
    }
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
