import { mount } from "svelte";
import App from "./App.svelte";
import "./app.css";

async function start() {
  // Dev-only stand-in for the Rust core, so the window can be viewed in a browser.
  // The condition is static: production builds drop this import and the mock with it.
  if (import.meta.env.MODE === "mock") {
    const mock = await import("../dev/mock");
    mock.install();
  }
  mount(App, { target: document.getElementById("app")! });
}

void start();
