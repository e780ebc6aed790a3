import { beforeAll } from "vitest";

/**
 * History and Settings are loaded by the app when first opened. A test file that opens them
 * through the app loads them once beforehand, so its waits time the app, not the test runner
 * compiling those views on first use.
 */
export function preloadViews(): void {
  beforeAll(async () => {
    await Promise.all([import("../components/HistoryView.svelte"), import("../components/SettingsView.svelte")]);
  }, 60_000);
}
