// Screenshots of the window in mock mode (dev/mock.ts: the create, queue, key and settings
// screens), with headless Chromium over the DevTools protocol: no test framework, no downloads.
// Dev only. The library's screens are shot by the window test against the real core
// (target/e2e-shots/), and measured by `make bench`.
//
//   node dev/shoot.mjs                       every shot (dark, and create in light) into dev/screenshots/
//   node dev/shoot.mjs create settings:light just these (":light" = light theme)
//
// Starts `vite --mode mock` on :1420 unless something already answers there. CHROMIUM=… picks
// the browser binary (default: chromium); SHOTS_DIR=… writes the PNGs elsewhere.

import { spawn } from "node:child_process";
import { mkdirSync, writeFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

// Node 22 has a global WebSocket; on Node 20 the one from undici (already installed with jsdom).
const WebSocket = globalThis.WebSocket ?? (await import("undici")).WebSocket;

const here = dirname(fileURLToPath(import.meta.url));
const BASE = process.env.BASE_URL ?? "http://localhost:1420";
const OUT = process.env.SHOTS_DIR ?? join(here, "screenshots");
const PORT = 9333;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** name → [scenario, CSS selector that says the screen is ready, optional action]. */
const SHOTS = {
  create: ["create", "video"],
  settings: ["settings", "dialog.sheet[open]"],
  models: ["models", ".picker .menu"],
  key: ["key", "#welcome"],
  "key-nokeychain": ["key-nokeychain", ".no-keychain"],
  confirm: ["confirm", "dialog.confirm[open]"],
  banner: ["banner", ".banner"],
  // The library's screens are not mocked (dev/mock.ts): the empty gallery is all there is here.
  "gallery-empty": ["empty", "[data-testid=gallery-empty]", "gallery"],
};
const DEFAULT = [...Object.keys(SHOTS), "create:light"];

async function up(url) {
  try {
    return (await fetch(url)).ok;
  } catch {
    return false;
  }
}

async function startVite() {
  if (await up(BASE)) return null;
  const vite = spawn(join(here, "..", "node_modules", ".bin", "vite"), ["--mode", "mock"], { cwd: join(here, ".."), stdio: "ignore" });
  for (let i = 0; i < 100 && !(await up(BASE)); i++) await sleep(150);
  return vite;
}

class Cdp {
  constructor(ws) {
    this.ws = ws;
    this.id = 0;
    this.pending = new Map();
    ws.addEventListener("message", (e) => {
      const msg = JSON.parse(typeof e.data === "string" ? e.data : Buffer.from(e.data).toString());
      const p = this.pending.get(msg.id);
      if (!p) return;
      this.pending.delete(msg.id);
      if (msg.error) p.reject(new Error(`${msg.error.message}`));
      else p.resolve(msg.result);
    });
  }
  static async connect(url) {
    const ws = new WebSocket(url);
    await new Promise((res, rej) => {
      ws.addEventListener("open", res, { once: true });
      ws.addEventListener("error", rej, { once: true });
    });
    return new Cdp(ws);
  }
  send(method, params = {}) {
    const id = ++this.id;
    this.ws.send(JSON.stringify({ id, method, params }));
    return new Promise((resolve, reject) => this.pending.set(id, { resolve, reject }));
  }
  async eval(expression) {
    const r = await this.send("Runtime.evaluate", { expression, awaitPromise: true, returnByValue: true });
    if (r.exceptionDetails) throw new Error(r.exceptionDetails.exception?.description ?? r.exceptionDetails.text);
    return r.result.value;
  }
  async waitFor(selector, ms = 8000) {
    const t0 = Date.now();
    while (Date.now() - t0 < ms) {
      if (await this.eval(`!!document.querySelector(${JSON.stringify(selector)})`)) return true;
      await sleep(60);
    }
    return false;
  }
  close() {
    this.ws.close();
  }
}

async function launch() {
  const profile = mkdtempSync(join(tmpdir(), "kyma-shoot-"));
  const chrome = spawn(
    process.env.CHROMIUM ?? "chromium",
    ["--headless=new", `--remote-debugging-port=${PORT}`, `--user-data-dir=${profile}`, "--no-sandbox", "--no-first-run", "--disable-gpu", "--autoplay-policy=no-user-gesture-required", "--window-size=1280,800", "about:blank"],
    { stdio: "ignore" },
  );
  let version;
  for (let i = 0; i < 100; i++) {
    try {
      version = await (await fetch(`http://127.0.0.1:${PORT}/json/version`)).json();
      break;
    } catch {
      await sleep(100);
    }
  }
  if (!version) throw new Error("Chromium did not start");
  const page = await (await fetch(`http://127.0.0.1:${PORT}/json/new?about:blank`, { method: "PUT" })).json();
  const cdp = await Cdp.connect(page.webSocketDebuggerUrl);
  await cdp.send("Page.enable");
  await cdp.send("Runtime.enable");
  return {
    cdp,
    async stop() {
      cdp.close();
      const exited = new Promise((r) => chrome.once("exit", r));
      chrome.kill();
      await exited;
      for (let i = 0; i < 10; i++) {
        try {
          rmSync(profile, { recursive: true, force: true });
          break;
        } catch {
          await sleep(200); // Chromium's helpers may still be writing the profile
        }
      }
    },
  };
}

async function open(cdp, scenario, { theme = "dark", width = 1280, height = 800 } = {}) {
  await cdp.send("Emulation.setDeviceMetricsOverride", { width, height, deviceScaleFactor: 1, mobile: false });
  await cdp.send("Emulation.setEmulatedMedia", { features: [{ name: "prefers-color-scheme", value: theme }] });
  await cdp.send("Page.navigate", { url: `${BASE}/?scenario=${scenario}` });
  await sleep(300);
}

async function shoot(cdp, name, spec) {
  const [base, theme] = name.split(":");
  const [scenario, ready, action] = SHOTS[base];
  await open(cdp, scenario, { theme: theme ?? "dark" });
  if (action === "gallery") {
    await cdp.waitFor("#tab-gallery");
    await cdp.eval(`document.querySelector("#tab-gallery").click()`);
  }
  if (!(await cdp.waitFor(ready))) console.warn(`  ${name}: "${ready}" never appeared`);
  await sleep(900);
  const { data } = await cdp.send("Page.captureScreenshot", { format: "png" });
  const file = join(OUT, `${base}${theme ? `-${theme}` : ""}.png`);
  writeFileSync(file, Buffer.from(data, "base64"));
  console.log(`  ${file}`);
  void spec;
}

async function main() {
  const args = process.argv.slice(2);
  const vite = await startVite();
  const browser = await launch();
  try {
    mkdirSync(OUT, { recursive: true });
    for (const name of args.length ? args : DEFAULT) {
      if (!SHOTS[name.split(":")[0]]) {
        console.warn(`unknown shot ${name}`);
        continue;
      }
      await shoot(browser.cdp, name);
    }
  } finally {
    await browser.stop();
    vite?.kill();
  }
}

await main();
