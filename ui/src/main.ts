import { mount } from "svelte";
import App from "./App.svelte";
import * as commands from "./lib/ipc/bindings/commands";
import "./app.css";

async function start() {
  // Dev-only stand-in for the Rust core, so the window can be viewed in a browser.
  // The condition is static: production builds drop this import and the mock with it.
  if (import.meta.env.MODE === "mock") {
    const mock = await import("../dev/mock");
    mock.install();
  }
  // Before anything is drawn: the font list for this platform (app.css).
  if (/Linux|X11/.test(navigator.userAgent) && !/Android/.test(navigator.userAgent)) {
    document.documentElement.dataset.platform = "linux";
  }
  // The window test drives the core through these very wrappers (tests/e2e). They add no power:
  // the page can already call every command its capability grants.
  window.__kymaCommands = commands;
  mount(App, { target: document.getElementById("app")! });
  // When the first frame with the app in it reached the screen (ms since navigation start):
  // WebKitGTK has no paint timing entries, so `make bench` reads this instead. (The core hears
  // of the window later, once the whole interface is drawn: App.svelte calls `interfaceDrawn`, lib/ready.ts.)
  requestAnimationFrame(() => requestAnimationFrame(() => (window.__kymaFirstFrameMs = performance.now())));
}

declare global {
  interface Window {
    __kymaFirstFrameMs?: number;
    __kymaInterfaceMs?: number;
    __kymaCommands?: typeof commands;
  }
}

void start();
