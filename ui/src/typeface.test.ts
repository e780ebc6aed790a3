import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

// The app draws in a typeface of its own (app.css): its files and its licence ship with it, and
// the page's font list names it first.
const here = dirname(fileURLToPath(import.meta.url));
const css = readFileSync(join(here, "app.css"), "utf8");

describe("the app's typeface", () => {
  it("is declared with files that are in the app, and its licence beside them", () => {
    const files = [...css.matchAll(/url\(\.\/(fonts\/[^)]+\.woff2)\)/g)].map((m) => m[1]);
    expect(files.length).toBeGreaterThanOrEqual(2);
    for (const f of files) expect(existsSync(join(here, f)), f).toBe(true);
    expect(readFileSync(join(here, "fonts", "LICENSE-Inter.txt"), "utf8")).toContain("SIL Open Font License");
  });

  it("is the first of the page's fonts, the system's font after it", () => {
    expect(css).toMatch(/--font:\s*"Inter",\s*system-ui,\s*sans-serif;/);
    // Text waits for it rather than being laid out twice, once in a system font.
    const faces = css.match(/@font-face\s*{[^}]*}/g) ?? [];
    expect(faces.length).toBeGreaterThanOrEqual(2);
    for (const face of faces) expect(face).toContain("font-display: block");
  });
});
