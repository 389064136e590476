// @vitest-environment jsdom
import { afterEach, beforeAll, beforeEach, expect, test } from "vitest";
import { cleanup, fireEvent, render, screen } from "@testing-library/svelte";
import Create from "../src/views/Create.svelte";
import { stores } from "../src/lib/stores";
import { connect } from "../src/lib/stores/session";
import { appState, job, model } from "./fixtures";
import { clearMocks, fakeBackend, tick } from "./backend";

beforeAll(() => {
  // jsdom has <dialog> but not its modal methods.
  HTMLDialogElement.prototype.showModal ??= function (this: HTMLDialogElement) {
    this.setAttribute("open", "");
  };
  HTMLDialogElement.prototype.close ??= function (this: HTMLDialogElement) {
    this.removeAttribute("open");
  };
});

let backend: ReturnType<typeof fakeBackend>;
let stop: () => void;
beforeEach(async () => {
  backend = fakeBackend({ app_state: () => appState(), generate: () => [job(42)] });
  stop = await connect(stores);
  stores.create.setPrompt("");
});
afterEach(() => {
  cleanup();
  stop();
  clearMocks();
});

test("shows the model's exact rate and the price to the cent", () => {
  render(Create);
  expect(screen.getByText("$0.1512/s · 1080p · sound")).toBeTruthy();
  const price = screen.getByText("$0.76");
  expect(price.getAttribute("title")).toMatch(/\$0\.756/);
});

test("the prompt counter turns red and Generate is disabled above 4000", async () => {
  render(Create);
  const generate = screen.getByRole("button", { name: /Generate/ }) as HTMLButtonElement;
  expect(generate.disabled).toBe(true);
  const prompt = screen.getByLabelText("Prompt");
  await fireEvent.input(prompt, { target: { value: "hello" } });
  expect(screen.getByText("5/4000", { exact: false })).toBeTruthy();
  expect(generate.disabled).toBe(false);
  await fireEvent.input(prompt, { target: { value: "a".repeat(4001) } });
  const count = document.getElementById("prompt-count")!;
  expect(count.textContent).toContain("4001/4000");
  expect(count.classList.contains("over")).toBe(true);
  expect(generate.disabled).toBe(true);
});

test("Ctrl+Enter generates; above the threshold a dialog asks with the amount", async () => {
  render(Create);
  await fireEvent.input(screen.getByLabelText("Prompt"), { target: { value: "train" } });
  await fireEvent.keyDown(screen.getByRole("spinbutton"), { key: "ArrowRight" });
  expect(screen.getByRole("spinbutton").getAttribute("aria-valuenow")).toBe("10");
  await fireEvent.keyDown(window, { key: "Enter", ctrlKey: true });
  await tick();
  expect(backend.commands()).not.toContain("generate");
  const dialog = screen.getByRole("dialog");
  expect(dialog.textContent).toContain("$1.512");
  await fireEvent.click(screen.getByRole("button", { name: "Generate · $1.51" }));
  await tick();
  expect(backend.calls.filter((c) => c.cmd === "generate")).toHaveLength(1);
  expect(stores.jobs.get(42)).toBeDefined();
});

test("the panel offers only what the model takes: Kling's three shapes and Avoid, Seedance's seven and a seed", async () => {
  stores.app.models = [...stores.app.models, model({ id: "seedance-2-fast", name: "seedance-2-fast", rate_micros: 326_565 })];
  render(Create);
  await tick();
  const shapes = () => [...document.querySelectorAll<HTMLElement>("[data-aspect]")].map((b) => b.dataset.aspect);
  // The fixture's catalog starts on kling-3-pro.
  expect(shapes()).toEqual(["16:9", "9:16", "1:1"]);
  expect(screen.getByRole("button", { name: /Avoid/ })).toBeTruthy();
  expect(document.querySelector("#seed")).toBeNull();
  expect(document.querySelector("[data-drop='end-frame']")).toBeTruthy();
  stores.create.selectModel("seedance-2-fast");
  await tick();
  expect(shapes()).toEqual(["auto", "21:9", "16:9", "4:3", "1:1", "3:4", "9:16"]);
  expect(screen.queryByRole("button", { name: /Avoid/ })).toBeNull();
  expect(document.querySelector("#seed")).toBeTruthy();
});

test("Kling image-to-video says the image decides the shape; takes multiply the price shown", async () => {
  render(Create);
  stores.create.duration = 5;
  stores.create.setImage({ id: "i", width: 1080, height: 1920, source_width: 1080, source_height: 1920, source_name: "phone.jpg", preview: "data:," });
  await tick();
  expect(document.querySelector(".decides")?.textContent).toMatch(/The start image decides: 9:16 \(1080 × 1920\)/);
  expect(document.querySelector("[data-aspect]")).toBeNull();
  await fireEvent.click(screen.getByRole("radio", { name: "×3" }));
  expect(document.querySelector("[data-testid=price]")?.textContent?.replace(/\s+/g, " ")).toContain("$2.27 (3 × $0.76 hold)");
});
