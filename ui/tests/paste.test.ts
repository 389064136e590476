// @vitest-environment jsdom
// Pasting a picture: when the page sends the webview's image file, when it asks Rust to read the
// OS clipboard (WebKitGTK hands the page no file for a clipboard picture), and when it leaves the
// event to the browser (text into a text field). Then the window itself, with a fake core.
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { cleanup, render, screen } from "@testing-library/svelte";
import App from "../src/App.svelte";
import { isTextField, pasteFrame, routePaste } from "../src/lib/paste";
import { landedOnEndSlot } from "../src/lib/stores/session";
import { stores } from "../src/lib/stores";
import { CLIPBOARD_BUSY_AFTER_MS } from "../src/lib/stores/create.svelte";
import { appState, image } from "./fixtures";
import { clearMocks, fakeBackend, tick } from "./backend";

/** What a paste event carries, as WebKitGTK fills it: text only through getData, files if any. */
function clipboard(text: string, files: File[] = []) {
  return { getData: (t: string) => (t === "text/plain" ? text : ""), files, types: [] } as unknown as DataTransfer;
}

function field(html: string): HTMLElement {
  const host = document.createElement("div");
  host.innerHTML = html;
  return host.firstElementChild as HTMLElement;
}

const png = () => new File([new Uint8Array([0x89, 0x50, 0x4e, 0x47])], "shot.png", { type: "image/png" });

describe("what a paste means", () => {
  const prompt = () => field("<textarea id='prompt'></textarea>");
  const page = () => document.body;

  test("an image file from the webview is sent as it is, on the page or into a field", () => {
    const file = png();
    expect(routePaste({ clipboardData: clipboard("", [file]), target: page() })).toEqual({ kind: "file", file });
    expect(routePaste({ clipboardData: clipboard("a caption", [file]), target: page() })).toEqual({ kind: "file", file });
    expect(routePaste({ clipboardData: clipboard("", [file]), target: prompt() })).toEqual({ kind: "file", file });
  });

  test("text beside an image file, into a field: the text (a spreadsheet copy in WebView2)", () => {
    expect(routePaste({ clipboardData: clipboard("Q3 totals\t1200", [png()]), target: prompt() })).toEqual({ kind: "text" });
  });

  test("text pasted into a text field is left to the browser: Rust is not asked", () => {
    for (const target of [
      prompt(),
      field("<input type='url'>"),
      field("<input type='search'>"),
      field("<input type='password'>"),
      field("<input>"),
    ]) {
      expect(routePaste({ clipboardData: clipboard("a lighthouse at dusk"), target })).toEqual({ kind: "text" });
    }
    // A file that is not an image does not make it an image paste.
    const notes = new File(["hi"], "notes.txt", { type: "text/plain" });
    expect(routePaste({ clipboardData: clipboard("hi", [notes]), target: prompt() })).toEqual({ kind: "text" });
  });

  test("text with a picture beside it (an office app's copy): text in a field, the picture on the page", () => {
    // The page cannot see the picture (WebKitGTK names no image type); only where it lands decides.
    expect(routePaste({ clipboardData: clipboard("Q3 totals\t1200"), target: prompt() })).toEqual({ kind: "text" });
    expect(routePaste({ clipboardData: clipboard("Q3 totals\t1200"), target: page() })).toEqual({ kind: "clipboard" });
  });

  test("no text in sight in a field: the browser pastes first (WebKitGTK hides text beside a picture)", () => {
    const target = prompt();
    expect(routePaste({ clipboardData: clipboard(""), target })).toEqual({ kind: "field", field: target });
    expect(routePaste({ clipboardData: null, target })).toEqual({ kind: "field", field: target });
  });

  test("outside a text field, without an image file: Rust reads the clipboard, text or not", () => {
    expect(routePaste({ clipboardData: clipboard(""), target: page() })).toEqual({ kind: "clipboard" });
    expect(routePaste({ clipboardData: clipboard("words"), target: field("<button>Generate</button>") })).toEqual({ kind: "clipboard" });
    expect(routePaste({ clipboardData: null, target: page() })).toEqual({ kind: "clipboard" });
  });

  test("only fields that take typed text count as text fields", () => {
    expect(isTextField(field("<div contenteditable>notes</div>"))).toBe(false);
    expect(isTextField(field("<textarea></textarea>"))).toBe(true);
    expect(isTextField(field("<input type='text'>"))).toBe(true);
    expect(isTextField(field("<textarea readonly></textarea>"))).toBe(false);
    expect(isTextField(field("<input type='text' disabled>"))).toBe(false);
    expect(isTextField(field("<input type='checkbox'>"))).toBe(false);
    expect(isTextField(field("<button>Generate</button>"))).toBe(false);
    expect(isTextField(null)).toBe(false);
  });
});

// ---- the window, with a fake core ------------------------------------------------------------

let backend: ReturnType<typeof fakeBackend>;
let clipboardAnswer: () => unknown;

beforeEach(async () => {
  clipboardAnswer = () => null;
  backend = fakeBackend({
    app_state: () => appState(),
    image_from_clipboard: () => clipboardAnswer(),
    image_from_bytes: (a) => image({ id: "from-bytes", source_name: String(a.name) }),
    generate: () => {
      throw { kind: "internal", field: null, message: "not in this test", action: null, link: null };
    },
  });
  render(App);
  for (let i = 0; i < 20 && !stores.app.loaded; i++) await tick();
  expect(stores.app.loaded).toBe(true);
  stores.create.clearImage();
  stores.create.setPrompt("");
  stores.ui.tab = "create";
  await tick();
});
afterEach(() => {
  cleanup();
  clearMocks();
  vi.useRealTimers();
});

/** Dispatches a paste on `target` as WebKitGTK does: the event shows `text` (none when the
 * clipboard also holds a picture); then, unless the page prevented it, the browser's own paste
 * puts `inserts` into a text field. Answers whether the page took the event over. */
function paste(target: EventTarget, text: string, files: File[] = [], inserts = text): { prevented: boolean } {
  const e = new Event("paste", { bubbles: true, cancelable: true });
  Object.defineProperty(e, "clipboardData", { value: clipboard(text, files) });
  target.dispatchEvent(e);
  if (!e.defaultPrevented && target instanceof HTMLTextAreaElement) target.value += inserts;
  return { prevented: e.defaultPrevented };
}

const promptField = () => screen.getByLabelText("Prompt") as HTMLTextAreaElement;
const clipboardReads = () => backend.commands().filter((c) => c === "image_from_clipboard").length;

describe("pasting in the window", () => {
  test("text into the prompt: the browser pastes it, the core is not asked, nothing is staged", async () => {
    const e = paste(promptField(), "a paper boat on a rainy street");
    await tick();
    expect(e.prevented).toBe(false);
    expect(promptField().value).toBe("a paper boat on a rainy street");
    expect(clipboardReads()).toBe(0);
    expect(stores.create.image).toBeNull();
    expect(stores.create.imageError).toBeNull();
  });

  test("text with a picture beside it into the prompt: the text arrives, the picture is not read", async () => {
    clipboardAnswer = () => image({ id: "cells" });
    // WebKitGTK's event shows no text when a picture is on the clipboard; its paste inserts it.
    const e = paste(promptField(), "", [], "Q3 totals 1200");
    await tick();
    await tick();
    expect(e.prevented).toBe(false);
    expect(promptField().value).toBe("Q3 totals 1200");
    expect(clipboardReads()).toBe(0);
    expect(stores.create.image).toBeNull();
  });

  test("a picture pasted into the prompt (no text on the clipboard) is read by Rust and staged", async () => {
    clipboardAnswer = () => image({ id: "clip", source_name: "Pasted image" });
    const e = paste(promptField(), "");
    expect(e.prevented).toBe(false); // the browser's paste ran first, and brought nothing
    await tick();
    await tick();
    expect(promptField().value).toBe("");
    expect(clipboardReads()).toBe(1);
    expect(stores.create.image?.id).toBe("clip");
    expect(screen.getByAltText("Start image Pasted image")).toBeTruthy();
  });

  test("on the page, from another tab: the picture is staged and the create tab shows it", async () => {
    stores.ui.tab = "spend";
    clipboardAnswer = () => image({ id: "clip" });
    paste(document.body, "https://example.com/cat.png");
    await tick();
    await tick();
    expect(clipboardReads()).toBe(1);
    expect(stores.create.image?.id).toBe("clip");
    expect(stores.ui.tab).toBe("create");
  });

  test("nothing on the clipboard, or only text, on the page: a quiet nothing", async () => {
    stores.ui.tab = "spend";
    stores.create.imageError = "an earlier problem";
    paste(document.body, "");
    paste(document.body, "just words");
    await tick();
    await tick();
    expect(clipboardReads()).toBe(2);
    expect(stores.create.image).toBeNull();
    expect(stores.create.imageError).toBe("an earlier problem"); // not even an old message cleared
    expect(stores.ui.tab).toBe("spend");
  });

  test("a picture the OS cannot decode: the core's sentence on the image slot", async () => {
    clipboardAnswer = () => {
      throw {
        kind: "clipboard_unreadable",
        field: "image",
        message: "The picture on the clipboard could not be decoded; copy it again, or save it as a file and drop it here.",
        action: null,
        link: null,
      };
    };
    paste(document.body, "");
    await tick();
    await tick();
    expect(screen.getByRole("alert").textContent).toContain("could not be decoded");
    expect(stores.create.image).toBeNull();
  });

  test("an image file from the webview goes to image_from_bytes, never to the clipboard", async () => {
    paste(document.body, "", [png()]);
    for (let i = 0; i < 5; i++) await tick();
    expect(clipboardReads()).toBe(0);
    expect(backend.calls.find((c) => c.cmd === "image_from_bytes")?.args).toEqual({ bytes: "iVBORw==", name: "shot.png" });
    expect(stores.create.image?.id).toBe("from-bytes");
  });

  test("the latest paste wins: a slow read that answers after a newer one answers into nothing", async () => {
    stores.create.setPrompt("a kite");
    let answerFirst!: (v: unknown) => void;
    clipboardAnswer = () => new Promise((r) => (answerFirst = r));
    paste(document.body, "");
    await tick();
    clipboardAnswer = () => image({ id: "second" });
    paste(document.body, "");
    await tick();
    await tick();
    expect(stores.create.image?.id).toBe("second");
    answerFirst(image({ id: "first" }));
    await tick();
    await tick();
    expect(stores.create.image?.id).toBe("second");
    expect(stores.create.canGenerate).toBe(true);
  });

  test("a drop while a paste is read wins over the paste", async () => {
    let answer!: (v: unknown) => void;
    clipboardAnswer = () => new Promise((r) => (answer = r));
    paste(document.body, "");
    await tick();
    stores.create.dropped({ image: image({ id: "dropped" }), error: null, position: null });
    answer(image({ id: "pasted" }));
    await tick();
    await tick();
    expect(stores.create.image?.id).toBe("dropped");
  });

  test("a slow read shows Preparing… on the card when a picture is already there", async () => {
    stores.create.setImage(image({ id: "old", source_name: "lake.jpg" }));
    let answer!: (v: unknown) => void;
    clipboardAnswer = () => new Promise((r) => (answer = r));
    vi.useFakeTimers();
    paste(document.body, "");
    await vi.advanceTimersByTimeAsync(CLIPBOARD_BUSY_AFTER_MS + 10);
    const preparing = () => document.querySelector(".slot .card .preparing")?.textContent ?? null;
    expect(preparing()).toBe("Preparing…");
    expect(screen.getByAltText("Start image lake.jpg")).toBeTruthy(); // until the new one is in
    answer(image({ id: "new", source_name: "Pasted image" }));
    await vi.advanceTimersByTimeAsync(10);
    expect(preparing()).toBeNull();
    expect(stores.create.image?.id).toBe("new");
  });

  test("a slow read shows Preparing… only after a moment, and Ctrl+Enter waits for the picture", async () => {
    let answer!: (v: unknown) => void;
    clipboardAnswer = () => new Promise((r) => (answer = r));
    vi.useFakeTimers();
    stores.create.setPrompt("the screenshot comes alive");
    paste(document.body, "");
    await vi.advanceTimersByTimeAsync(CLIPBOARD_BUSY_AFTER_MS - 50);
    expect(screen.queryByText("Preparing…")).toBeNull();
    expect(stores.create.canGenerate).toBe(false);
    await stores.create.requestGenerate();
    expect(backend.commands()).not.toContain("generate");
    await vi.advanceTimersByTimeAsync(100);
    expect(screen.getByText("Preparing…")).toBeTruthy();
    answer(image({ id: "big" }));
    await vi.advanceTimersByTimeAsync(10);
    expect(screen.queryByText("Preparing…")).toBeNull();
    expect(stores.create.image?.id).toBe("big");
    expect(stores.create.canGenerate).toBe(true);
  });
});

describe("which frame a picture fills", () => {
  test("a paste with focus inside the end-frame slot fills the end frame; anywhere else the start image", () => {
    document.body.innerHTML = `
      <div data-drop="start-image"><input id="start-link"></div>
      <div data-drop="end-frame"><button id="end-pick"></button><input id="end-link"></div>
      <textarea id="prompt"></textarea>`;
    expect(pasteFrame(document.getElementById("end-pick"))).toBe("end");
    expect(pasteFrame(document.getElementById("end-link"))).toBe("end");
    expect(pasteFrame(document.getElementById("start-link"))).toBe("start");
    expect(pasteFrame(document.getElementById("prompt"))).toBe("start");
    expect(pasteFrame(null)).toBe("start");
    expect(pasteFrame(window)).toBe("start");
  });

  test("a drop fills the end frame only when it lands on the end-frame slot", () => {
    document.body.innerHTML = `<div data-drop="end-frame"></div>`;
    const slot = document.querySelector<HTMLElement>("[data-drop='end-frame']")!;
    slot.getBoundingClientRect = () => ({ left: 16, top: 560, right: 300, bottom: 660, width: 284, height: 100, x: 16, y: 560, toJSON: () => ({}) });
    expect(landedOnEndSlot([150, 600])).toBe(true);
    expect(landedOnEndSlot([150, 400])).toBe(false);
    expect(landedOnEndSlot([640, 600])).toBe(false);
    expect(landedOnEndSlot(null)).toBe(false);
    document.body.innerHTML = "";
    expect(landedOnEndSlot([150, 600])).toBe(false);
  });
});
