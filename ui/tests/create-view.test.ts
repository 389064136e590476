// @vitest-environment jsdom
import { afterEach, beforeAll, beforeEach, expect, test } from "vitest";
import { cleanup, fireEvent, render, screen } from "@testing-library/svelte";
import Create from "../src/views/Create.svelte";
import { stores } from "../src/lib/stores";
import { connect } from "../src/lib/stores/session";
import { appState, job } from "./fixtures";
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
