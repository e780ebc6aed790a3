import { mount } from "svelte";
import "./app.css";
import App from "./App.svelte";
import { begin } from "./lib/app.svelte";
import { mark } from "./lib/marks";

async function start(): Promise<void> {
  mark("script");
  if (import.meta.env.DEV && !("__TAURI_INTERNALS__" in window)) {
    const { installFakeBackend } = await import("./dev/fakeBackend");
    installFakeBackend();
  }
  // The first answers are on their way while the page draws itself.
  begin();
  const target = document.getElementById("app");
  if (target) mount(App, { target });
  mark("mounted");
}

void start();
