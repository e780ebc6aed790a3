import { setConnectors } from "../lib/connectors.svelte";
import { connectors } from "./fixtures";

// The connectors as the real ones describe themselves; the app loads them at start.
setConnectors(connectors);

// jsdom lacks a few things the components use.
if (!Element.prototype.scrollIntoView) {
  Element.prototype.scrollIntoView = function scrollIntoView(): void {};
}
if (!("ResizeObserver" in globalThis)) {
  // Sizes are not laid out in jsdom; an observer that never reports is enough.
  class ResizeObserverStub {
    observe(): void {}
    unobserve(): void {}
    disconnect(): void {}
  }
  (globalThis as unknown as { ResizeObserver: unknown }).ResizeObserver = ResizeObserverStub;
}
