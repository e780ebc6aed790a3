import { mount } from "svelte";
import "./app.css";
import App from "./App.svelte";
import { mark } from "./lib/marks";

async function start(): Promise<void> {
  mark("script");
  if (import.meta.env.DEV && !("__TAURI_INTERNALS__" in window)) {
    const { installFakeBackend } = await import("./dev/fakeBackend");
    installFakeBackend();
  }
  const target = document.getElementById("app");
  if (target) mount(App, { target });
  mark("mounted");
}

void start();
