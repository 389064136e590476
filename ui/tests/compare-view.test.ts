// @vitest-environment jsdom
// Compare mode in the create panel, rendered: the model rows in place of the menu, the total and
// Compare in place of Price and Generate, the shared duration, one confirmation, the board opened.
import { afterEach, beforeAll, beforeEach, expect, test } from "vitest";
import { cleanup, fireEvent, render, screen } from "@testing-library/svelte";
import Create from "../src/views/Create.svelte";
import { stores, compare } from "../src/lib/stores";
import { connect } from "../src/lib/stores/session";
import type { Draft, GroupView } from "../src/lib/ipc/types";
import { appState, job, model } from "./fixtures";
import { clearMocks, fakeBackend, tick } from "./backend";

beforeAll(() => {
  HTMLDialogElement.prototype.showModal ??= function (this: HTMLDialogElement) {
    this.setAttribute("open", "");
  };
  HTMLDialogElement.prototype.close ??= function (this: HTMLDialogElement) {
    this.removeAttribute("open");
  };
});

const MODELS = [
  model({ id: "kling-3-pro", name: "kling-3-pro", rate_micros: 151_200, durations: [5, 10] }),
  model({ id: "seedance-2-fast", name: "seedance-2-fast", rate_micros: 326_565, durations: [2, 5, 10], default_duration: 5 }),
  model({ id: "kling-2.5-pro", name: "kling-2.5-pro", rate_micros: 94_500, durations: [2, 5, 10], default_duration: 5 }),
];

let backend: ReturnType<typeof fakeBackend>;
let stop: () => void;
beforeEach(async () => {
  backend = fakeBackend({
    app_state: () => appState({ models: MODELS }),
    group_list: () => [],
    prompts_parse: () => [
      { line: 1, prompt: "one", model: null, duration: null, aspect: null },
      { line: 2, prompt: "two", model: null, duration: null, aspect: null },
    ],
    group_make: (a) => {
      const drafts = (a.group as { drafts: Draft[] }).drafts;
      const view: GroupView = {
        id: 9,
        kind: "board",
        title: drafts[0].prompt,
        state: "running",
        size: drafts.length,
        hold_micros: 0,
        spent_micros: 0,
        done: 0,
        created_at: "2026-01-01T12:00:00Z",
        cells: drafts.map((d, i) => job(200 + i, { model: d.model, group_id: 9, group_index: i + 1 })),
        notes: [],
      };
      return view;
    },
  });
  stop = await connect(stores);
  stores.create.setPrompt("");
  stores.ui.createMode = "single";
  stores.ui.boardId = null;
  compare.chosen = [];
});
afterEach(() => {
  cleanup();
  stop();
  clearMocks();
});

const text = (css: string) => document.querySelector(css)?.textContent?.replace(/\s+/g, " ").trim();

test("Compare mode: rows with each model's price, the total first, one confirmation, the board opens", async () => {
  render(Create);
  await fireEvent.click(screen.getByRole("radio", { name: "Compare" }));
  // The model menu gives way to the rows; the single clip's model is ticked.
  expect(document.querySelector(".picker button.current")).toBeNull();
  const row = (name: string) => screen.getByRole("checkbox", { name: new RegExp(name) });
  expect(row("kling-3-pro").getAttribute("aria-checked")).toBe("true");
  expect(screen.getByRole("button", { name: /Compare/ })).toHaveProperty("disabled", true);
  expect(text("#compare-why")).toBe("Choose 2 to 5 models to compare (1 chosen).");
  // The takes are one clip per model: not offered.
  expect(screen.queryByRole("radio", { name: "×3" })).toBeNull();

  await fireEvent.click(row("seedance-2-fast"));
  await fireEvent.click(row("kling-2.5-pro"));
  // Every chosen model offers 5 and 10 s: the stepper offers those only.
  const stepper = screen.getByRole("spinbutton");
  expect(stepper.getAttribute("aria-valuenow")).toBe("5");
  expect(stepper.getAttribute("aria-valuemax")).toBe("10");
  expect(text("[data-testid=compare-total]")).toBe("Total $2.86 · 3 models");
  expect(row("seedance-2-fast").textContent).toContain("$1.63");

  await fireEvent.input(screen.getByLabelText("Prompt"), { target: { value: "a kite" } });
  const go = screen.getByRole("button", { name: /Compare/ }) as HTMLButtonElement;
  expect(go.disabled).toBe(false);
  await fireEvent.click(go);
  await tick();
  // $2.86 is above the fixture's $1.00: asked once, with the total.
  expect(backend.commands()).not.toContain("group_make");
  expect(screen.getByRole("dialog").textContent).toContain("$2.861325");
  await fireEvent.click(screen.getByRole("button", { name: "Compare · $2.86" }));
  await tick();
  const made = backend.calls.filter((c) => c.cmd === "group_make");
  expect(made).toHaveLength(1);
  const drafts = (made[0].args.group as { drafts: Draft[] }).drafts;
  expect(drafts.map((d) => [d.model, d.duration, d.takes])).toEqual([
    ["kling-3-pro", 5, 1],
    ["seedance-2-fast", 5, 1],
    ["kling-2.5-pro", 5, 1],
  ]);
  expect(stores.ui.boardId).toBe(9);
  expect(stores.groups.get(9)?.cells).toHaveLength(3);
});

test("a sixth model is refused with a sentence; back in One clip the duration fits its model", async () => {
  stores.app.models = [...MODELS, ...["a", "b", "c"].map((id) => model({ id, name: id, durations: [2, 5, 10] }))];
  render(Create);
  await fireEvent.click(screen.getByRole("radio", { name: "Compare" }));
  for (const id of ["seedance-2-fast", "kling-2.5-pro", "a", "b"]) await fireEvent.click(screen.getByRole("checkbox", { name: new RegExp(`^${id}`) }));
  const sixth = screen.getByRole("checkbox", { name: /^c/ });
  expect(sixth.getAttribute("aria-disabled")).toBe("true");
  await fireEvent.click(sixth);
  expect(screen.getByRole("alert").textContent).toBe("A board compares at most 5 models: remove one first.");
  // Untick Kling 3 (5 or 10 s only): 2 s is offered again; choose it, then back to One clip.
  await fireEvent.click(screen.getByRole("checkbox", { name: /^kling-3-pro/ }));
  await fireEvent.keyDown(screen.getByRole("spinbutton"), { key: "Home" });
  expect(stores.create.duration).toBe(2);
  await fireEvent.click(screen.getByRole("radio", { name: "One clip" }));
  expect(stores.create.model?.id).toBe("kling-3-pro");
  expect(stores.create.duration).toBe(5);
});

test("Ctrl+Enter sends what the panel shows: a board in Compare (asked above the threshold), a batch in Batch, nothing while a board is open", async () => {
  render(Create);
  await fireEvent.click(screen.getByRole("radio", { name: "Compare" }));
  await fireEvent.click(screen.getByRole("checkbox", { name: /seedance-2-fast/ }));
  await fireEvent.input(screen.getByLabelText("Prompt"), { target: { value: "a kite" } });
  stores.ui.boardId = 3;
  await fireEvent.keyDown(window, { key: "Enter", ctrlKey: true });
  await tick();
  expect(screen.queryByRole("dialog")).toBeNull();
  stores.ui.boardId = null;
  await fireEvent.keyDown(window, { key: "Enter", ctrlKey: true });
  await tick();
  expect(screen.getByRole("dialog").textContent).toContain("Kyma will hold");
  await fireEvent.click(screen.getByRole("button", { name: /^Compare · / }));
  await tick();
  expect(backend.calls.filter((c) => c.cmd === "group_make")).toHaveLength(1);

  stores.ui.boardId = null;
  await fireEvent.click(screen.getByRole("radio", { name: "Batch" }));
  await stores.batch.setPromptsText("one\ntwo");
  await tick();
  stores.app.settings = { ...stores.app.settings, confirm_above_micros: 100_000_000 };
  await fireEvent.keyDown(window, { key: "Enter", ctrlKey: true });
  await tick();
  const made = backend.calls.filter((c) => c.cmd === "group_make");
  expect(made).toHaveLength(2);
  expect((made[1].args.group as { kind: string; drafts: Draft[] }).drafts.map((d) => [d.prompt, d.model])).toEqual([
    ["one", "kling-3-pro"],
    ["two", "kling-3-pro"],
  ]);
});
