import { describe, expect, it } from "vitest";
import { connectors } from "../../test/fixtures";

// Every source file of the UI, tests and the dev fake included; the texts and the generated
// descriptions are where a system's own words belong.
const sources = import.meta.glob(["../../**/*.svelte", "../../**/*.ts", "!../../lib/generated/**", "!../i18n.ts"], {
  query: "?raw",
  import: "default",
  eager: true,
}) as Record<string, string>;

describe("the UI names no system", () => {
  it("no source file outside the texts and the generated descriptions names a described system", () => {
    expect(Object.keys(sources).length).toBeGreaterThan(40);
    const names = connectors.flatMap((d) => [d.id, d.name]).map((n) => n.toLowerCase());
    const found: string[] = [];
    for (const [path, src] of Object.entries(sources)) {
      const lower = src.toLowerCase();
      for (const n of names) if (lower.includes(n)) found.push(`${path}: ${n}`);
    }
    expect(found).toEqual([]);
  });
});
