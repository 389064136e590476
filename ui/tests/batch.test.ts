import { beforeEach, describe, expect, test, vi } from "vitest";

const ipcMock = vi.hoisted(() => ({
  imageFromPath: vi.fn(),
  imagesPickMany: vi.fn(),
  promptsParse: vi.fn(),
  promptsPick: vi.fn(),
  groupMake: vi.fn(),
}));
vi.mock("../src/lib/ipc", () => ipcMock);

import { AppStore } from "../src/lib/stores/app.svelte";
import { BatchStore } from "../src/lib/stores/batch.svelte";
import { CreateStore } from "../src/lib/stores/create.svelte";
import { GroupsStore } from "../src/lib/stores/groups.svelte";
import { JobsStore } from "../src/lib/stores/jobs.svelte";
import { UiStore } from "../src/lib/stores/ui.svelte";
import { appState } from "./fixtures";
import { BUNDLED_MODELS } from "../src/lib/ipc/bindings/constants";

const flush = () => new Promise((r) => setTimeout(r, 0));

function setup() {
  const app = new AppStore();
  app.load(appState({ models: BUNDLED_MODELS }));
  const ui = new UiStore();
  const jobs = new JobsStore();
  const create = new CreateStore(app, jobs, ui);
  create.syncModels();
  create.selectModel("kling-2.5-pro");
  create.duration = 5;
  const groups = new GroupsStore();
  return { app, ui, create, groups, batch: new BatchStore(app, create, groups, ui) };
}

const staged = (id: string, name: string) => ({
  id,
  width: 1280,
  height: 720,
  source_width: 1280,
  source_height: 720,
  source_name: name,
  preview: "data:image/jpeg;base64,AA==",
});

describe("a batch of pictures", () => {
  beforeEach(() => Object.values(ipcMock).forEach((f) => f.mockReset()));

  test("each picture is prepared on its own row; a bad one is said and left out of the total", async () => {
    const { batch, create } = setup();
    ipcMock.imageFromPath.mockImplementation(async ({ path }: { path: string }) => {
      if (path.endsWith("broken.jpg")) throw { kind: "corrupt", message: "broken.jpg is damaged: it cannot be read as a JPEG." };
      return staged(path, path.split("/").pop()!);
    });
    batch.addPaths(["/shots/a.jpg", "/shots/broken.jpg", "/shots/商品.png"], 1);
    expect(batch.pictures.map((p) => p.name)).toEqual(["a.jpg", "broken.jpg", "商品.png"]);
    expect(batch.staging).toBe(true);
    expect(batch.drafts()).toEqual({ problem: "Write a prompt: it cannot be empty. It goes with every picture." });
    for (let i = 0; i < 5; i++) await flush();
    expect(batch.staging).toBe(false);
    expect(batch.pictures[1].error).toContain("damaged");
    expect(batch.skipped).toBe(1);
    create.setPrompt("the product turns slowly");
    const d = batch.drafts();
    expect("drafts" in d && d.drafts.map((x) => [x.image_id, x.prompt, x.takes])).toEqual([
      ["/shots/a.jpg", "the product turns slowly", 1],
      ["/shots/商品.png", "the product turns slowly", 1],
    ]);
    expect(batch.total).toBe(2 * 5 * 94_500);
  });

  test("one confirmation above the threshold, then one call for the whole batch", async () => {
    const { batch, create, app, groups } = setup();
    app.settings.confirm_above_micros = 500_000;
    ipcMock.imageFromPath.mockImplementation(async ({ path }: { path: string }) => staged(path, path));
    batch.addPaths(["/a.jpg", "/b.jpg"]);
    for (let i = 0; i < 4; i++) await flush();
    create.setPrompt("x");
    ipcMock.groupMake.mockResolvedValue({ id: 4, kind: "batch", title: "t", state: "running", size: 2, hold_micros: 945_000, spent_micros: 0, done: 0, created_at: "", cells: [], notes: [] });
    await batch.requestMake();
    expect(batch.confirming).toBe(945_000);
    expect(ipcMock.groupMake).not.toHaveBeenCalled();
    await batch.confirm();
    expect(ipcMock.groupMake).toHaveBeenCalledTimes(1);
    const sent = ipcMock.groupMake.mock.calls[0][0].group;
    expect([sent.kind, sent.drafts.length]).toEqual(["batch", 2]);
    expect(groups.get(4)?.size).toBe(2);
    expect(batch.pictures).toEqual([]);
  });

  test("a refusal is shown under the button and keeps the rows", async () => {
    const { batch, create, ui } = setup();
    ipcMock.imageFromPath.mockImplementation(async ({ path }: { path: string }) => staged(path, path));
    batch.addPaths(["/a.jpg"]);
    for (let i = 0; i < 4; i++) await flush();
    create.setPrompt("x");
    ipcMock.groupMake.mockRejectedValue({ kind: "over_budget", field: null, message: "This costs $0.47 and would take today's spending past your daily cap.", action: "fix_settings", link: null });
    await batch.requestMake();
    expect(ui.banner?.error.kind).toBe("over_budget");
    expect(batch.pictures.length).toBe(1);
  });
});

describe("a batch of prompts", () => {
  beforeEach(() => Object.values(ipcMock).forEach((f) => f.mockReset()));

  test("rows come from the core's parser; a row's own model and duration win", async () => {
    const { batch } = setup();
    ipcMock.promptsParse.mockResolvedValue([
      { line: 2, prompt: "a fox, running", model: "kling-3-pro", duration: 2, aspect: null },
      { line: 3, prompt: "夜の東京", model: null, duration: null, aspect: "9:16" },
    ]);
    await batch.setPromptsText("prompt,model,duration\n…", "shots.csv");
    expect(ipcMock.promptsParse).toHaveBeenCalledWith({ text: "prompt,model,duration\n…", file_name: "shots.csv" });
    const d = batch.drafts();
    expect("drafts" in d && d.drafts.map((x) => [x.model, x.duration, x.options.aspect])).toEqual([
      ["kling-3-pro", 2, null],
      ["kling-2.5-pro", 5, "9:16"],
    ]);
    expect(batch.total).toBe(2 * 151_200 + 5 * 94_500);
    ipcMock.promptsParse.mockRejectedValue({ kind: "invalid_input", message: 'Line 7: duration "ten" is not a whole number of seconds.' });
    await batch.setPromptsText("bad");
    expect(batch.parseError).toBe('Line 7: duration "ten" is not a whole number of seconds.');
    expect(batch.drafts()).toEqual({ problem: 'Line 7: duration "ten" is not a whole number of seconds.' });
  });
});
