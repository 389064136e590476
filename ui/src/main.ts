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
  // When the first frame with the app in it reached the screen (ms since navigation start):
  // WebKitGTK has no paint timing entries, so `make bench` reads this instead.
  requestAnimationFrame(() => requestAnimationFrame(() => (window.__kymaFirstFrameMs = performance.now())));
}

declare global {
  interface Window {
    __kymaFirstFrameMs?: number;
  }
}

void start();
