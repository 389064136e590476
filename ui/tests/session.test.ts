// @vitest-environment jsdom
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { AppStore, CreateStore, JobsStore, UiStore } from "../src/lib/stores";
import { connect } from "../src/lib/stores/session";
import { appState, image, item, job, model } from "./fixtures";
import { clearMocks, fakeBackend, tick } from "./backend";

function stores() {
  const app = new AppStore();
  const jobs = new JobsStore();
  const ui = new UiStore();
  return { app, jobs, ui, create: new CreateStore(app, jobs, ui) };
}

let stop: (() => void) | undefined;
afterEach(() => {
  stop?.();
  stop = undefined;
  clearMocks();
});

describe("connecting to the core", () => {
  let s: ReturnType<typeof stores>;
  let backend: ReturnType<typeof fakeBackend>;

  beforeEach(async () => {
    s = stores();
    backend = fakeBackend({
      app_state: () => appState({ jobs: [job(1, { status: "succeeded" }), job(2, { status: "processing" })] }),
    });
    stop = await connect(s);
  });

  test("loads app_state into the stores", () => {
    expect(s.app.loaded).toBe(true);
    expect(s.app.key.masked).toBe("ky-…abcd");
    expect(s.jobs.list.map((j) => j.id)).toEqual([2, 1]);
    expect(s.create.model?.id).toBe("kling-3-pro");
    expect(s.create.duration).toBe(5);
  });

  test("job-changed inserts and replaces; job-progress moves the bar", async () => {
    await backend.emit("job-changed", job(3, { status: "queued" }));
    expect(s.jobs.list.map((j) => j.id)).toEqual([3, 2, 1]);
    await backend.emit("job-changed", job(2, { status: "downloading" }));
    await backend.emit("job-progress", { id: 2, bytes_done: 63, bytes_total: 100 });
    expect(s.jobs.list).toHaveLength(3);
    expect(s.jobs.get(2)).toMatchObject({ status: "downloading", bytes_done: 63, bytes_total: 100 });
  });

  test("a newly succeeded job is selected when nothing plays", async () => {
    await backend.emit("job-changed", job(2, { status: "succeeded", clip_url: "http://127.0.0.1:1/s/clips/2.mp4" }));
    expect(s.ui.selectedId).toBe(2);
  });

  test("a newly succeeded job does not interrupt a playing clip", async () => {
    s.ui.selectedId = 1;
    s.ui.playing = true;
    await backend.emit("job-changed", job(2, { status: "succeeded" }));
    expect(s.ui.selectedId).toBe(1);
  });

  test("job-problem with an account action raises the banner", async () => {
    const error = { kind: "insufficient_credit", field: null, message: "Add credit.", action: "add_credit", link: "https://kymaapi.com/billing" };
    await backend.emit("job-problem", { id: 2, error });
    expect(s.jobs.problems[2]).toEqual(error);
    expect(s.ui.banner?.error).toEqual(error);
  });

  test("drop-hover and image-dropped fill the start image slot", async () => {
    await backend.emit("drop-hover", { over: true });
    expect(s.ui.dropHover).toBe(true);
    await backend.emit("image-dropped", { image: image({ id: "dropped" }), error: null });
    expect(s.ui.dropHover).toBe(false);
    expect(s.create.image?.id).toBe("dropped");
    await backend.emit("image-dropped", {
      image: null,
      error: { kind: "not_an_image", field: "image", message: "That file is not an image.", action: null, link: null },
    });
    expect(s.create.imageError).toBe("That file is not an image.");
  });

  test("the window asks only for app_state and emits nothing", () => {
    expect(backend.commands().filter((c) => !c.startsWith("plugin:event|listen"))).toEqual(["app_state"]);
  });
});

test("a failing app_state becomes the load error, as a sentence", async () => {
  const s = stores();
  fakeBackend({
    app_state: () => {
      throw { kind: "newer_library", field: null, message: "Update Kyma Studio.", action: null, link: null };
    },
  });
  stop = await connect(s);
  expect(s.app.loaded).toBe(false);
  expect(s.app.loadError?.message).toBe("Update Kyma Studio.");
});

describe("generating", () => {
  async function setup(handlers: Record<string, (a: Record<string, unknown>) => unknown> = {}) {
    const s = stores();
    const backend = fakeBackend({
      app_state: () => appState(),
      generate: (a) => [job(10, { prompt: (a.draft as { prompt: string }).prompt })],
      ...handlers,
    });
    stop = await connect(s);
    return { s, backend };
  }

  test("sends exactly the Draft and adds the job", async () => {
    const { s, backend } = await setup();
    s.create.setPrompt("a red train");
    s.create.setImage(image({ id: "img_9" }));
    await s.create.requestGenerate();
    const call = backend.calls.find((c) => c.cmd === "generate");
    expect(call?.args).toEqual({
      draft: {
        model: "kling-3-pro",
        prompt: "a red train",
        duration: 5,
        image_id: "img_9",
        image_url: null,
        end_image_id: null,
        end_image_url: null,
        options: { aspect: null, negative_prompt: null, cfg_scale: null, seed: null },
        takes: 1,
      },
    });
    expect(s.jobs.get(10)?.prompt).toBe("a red train");
  });

  test("above the threshold it asks once more, with the amount", async () => {
    const { s, backend } = await setup();
    s.create.setPrompt("a red train");
    s.create.step(1); // 10 s of $0.1512/s = $1.512 > $1.00
    await s.create.requestGenerate();
    expect(s.create.confirming).toBe(1_512_000);
    expect(backend.commands()).not.toContain("generate");
    await s.create.confirm();
    expect(s.create.confirming).toBeNull();
    expect(backend.commands().filter((c) => c === "generate")).toHaveLength(1);
  });

  test("cancelling the confirmation sends nothing", async () => {
    const { s, backend } = await setup();
    s.create.setPrompt("x");
    s.create.selectModel("veo-3-fast");
    await s.create.requestGenerate();
    expect(s.create.confirming).toBe(400_000 * 4); // 5 s is not allowed: the shorter neighbour, 4 s
    s.create.cancelConfirm();
    expect(backend.commands()).not.toContain("generate");
  });

  test("changing the model clamps the duration to what it allows", async () => {
    const { s } = await setup();
    s.create.step(1);
    expect(s.create.duration).toBe(10);
    s.create.selectModel("veo-3-fast");
    expect(s.create.duration).toBe(8);
    expect(s.create.hold).toBe(3_200_000);
    s.create.selectModel("kling-3-pro");
    expect(s.create.duration).toBe(10);
  });

  test("an empty or too long prompt is refused before anything is sent", async () => {
    const { s, backend } = await setup();
    expect(s.create.canGenerate).toBe(false);
    await s.create.requestGenerate();
    expect(s.create.promptError).toMatch(/cannot be empty/);
    s.create.setPrompt("a".repeat(4001));
    expect(s.create.promptChars).toBe(4001);
    expect(s.create.promptOver).toBe(true);
    expect(s.create.canGenerate).toBe(false);
    await s.create.requestGenerate();
    expect(backend.commands()).not.toContain("generate");
  });

  test("errors land where their cause is", async () => {
    let reply: unknown;
    const { s } = await setup({
      generate: () => {
        throw reply;
      },
    });
    s.create.setPrompt("ok");

    reply = { kind: "invalid_input", field: "prompt", message: "The prompt is 4100 characters long; Kyma accepts at most 4000.", action: null, link: null };
    await s.create.requestGenerate();
    expect(s.create.promptError).toMatch(/4100/);

    reply = { kind: "too_many_pixels", field: "image", message: "The image is too large.", action: null, link: null };
    await s.create.requestGenerate();
    expect(s.create.imageError).toBe("The image is too large.");

    reply = { kind: "unauthorized", field: null, message: "Kyma did not accept the API key.", action: "replace_key", link: null };
    await s.create.requestGenerate();
    expect(s.ui.banner?.error.action).toBe("replace_key");
  });

  test("shot errors land on the end frame or the options", async () => {
    let reply: unknown;
    const { s } = await setup({
      generate: () => {
        throw reply;
      },
    });
    s.create.setPrompt("ok");
    reply = { kind: "invalid_input", field: "end_image", message: "An end frame needs a start image too.", action: null, link: null };
    await s.create.requestGenerate();
    expect(s.create.endImageError).toBe("An end frame needs a start image too.");
    reply = { kind: "invalid_input", field: "seed", message: "The seed must be a whole number from 0 to 2147483647.", action: null, link: null };
    await s.create.requestGenerate();
    expect(s.create.optionsError).toMatch(/seed/);
  });

  test("takes multiply the price asked about, and an unlocked seed rolls after each generate", async () => {
    const { s, backend } = await setup({
      app_state: () => appState({ models: [model({ id: "seedance-2-fast", name: "seedance-2-fast", rate_micros: 326_565 })] }),
      generate: () => [job(21), job(22), job(23)],
    });
    s.create.syncModels();
    s.create.setPrompt("three kites");
    s.create.setTakes(3);
    s.create.setSeed("41");
    s.create.setAspect("9:16");
    expect(s.create.totalHold).toBe(3 * 5 * 326_565);
    await s.create.requestGenerate();
    expect(s.create.confirming).toBe(4_898_475); // above the $2 threshold: asked with the whole amount
    await s.create.confirm();
    const sent = backend.calls.find((c) => c.cmd === "generate")!.args.draft as Record<string, unknown>;
    expect(sent.takes).toBe(3);
    expect(sent.options).toEqual({ aspect: "9:16", negative_prompt: null, cfg_scale: null, seed: 41 });
    expect([21, 22, 23].every((id) => s.jobs.get(id))).toBe(true);
    expect(s.create.seed).not.toBe("41");
    s.create.seedLocked = true;
    const locked = s.create.seed;
    await s.create.requestGenerate();
    await s.create.confirm();
    expect(s.create.seed).toBe(locked);
  });

  test("a seed typed for Seedance is kept but not sent to Kling, with one line saying so", async () => {
    const { s, backend } = await setup({
      app_state: () =>
        appState({ models: [model({ id: "seedance-2-fast", name: "seedance-2-fast" }), model({ id: "kling-3-pro", name: "kling-3-pro" })] }),
    });
    s.create.syncModels();
    s.create.setPrompt("a kite");
    s.create.setSeed("42");
    s.create.selectModel("kling-3-pro");
    expect(s.create.droppedNote).toBe("kling-3-pro does not take the seed 42: it is kept, not sent, and applies again when you switch back.");
    await s.create.requestGenerate();
    const sent = backend.calls.find((c) => c.cmd === "generate")!.args.draft as { options: { seed: number | null } };
    expect(sent.options.seed).toBeNull();
    s.create.selectModel("seedance-2-fast");
    expect(s.create.droppedNote).toBeNull();
    expect(s.create.draft()?.options.seed).toBe(42);
  });

  test("Retry now sends the same draft again without asking twice", async () => {
    let fail = true;
    const { s, backend } = await setup({
      generate: () => {
        if (fail) throw { kind: "unreachable", field: null, message: "Could not reach Kyma.", action: "retry", link: null };
        return [job(11)];
      },
    });
    s.create.setPrompt("train");
    s.create.step(1);
    await s.create.requestGenerate();
    await s.create.confirm();
    expect(s.ui.banner?.retry).toBeTypeOf("function");
    fail = false;
    s.ui.banner!.retry!();
    await tick();
    const sent = backend.calls.filter((c) => c.cmd === "generate");
    expect(sent).toHaveLength(2);
    expect(sent[1].args).toEqual(sent[0].args);
    expect(s.create.confirming).toBeNull();
    expect(s.jobs.get(11)).toBeDefined();
  });

  test("a pasted image goes to image_from_bytes; a bad one shows on the slot", async () => {
    const { s, backend } = await setup({
      image_from_bytes: (a) => {
        if (a.name === "bad.png") throw { kind: "corrupt", field: "image", message: "The image is damaged.", action: null, link: null };
        return image({ id: "pasted", source_name: String(a.name) });
      },
    });
    await s.create.pasteImage("iVBORw0KGgo=", "shot.png");
    expect(backend.calls.at(-1)).toEqual({ cmd: "image_from_bytes", args: { bytes: "iVBORw0KGgo=", name: "shot.png" } });
    expect(s.create.image?.id).toBe("pasted");
    await s.create.pasteImage("AAAA", "bad.png");
    expect(s.create.imageError).toBe("The image is damaged.");
  });
});

test("refreshing the catalog keeps the choice and clamps the duration", async () => {
  const s = stores();
  const fresh = appState().models.map((m) => (m.id === "veo-3-fast" ? { ...m, durations: [4, 6] } : m));
  fakeBackend({ app_state: () => appState(), refresh_catalog: () => fresh });
  stop = await connect(s);
  s.create.step(1);
  s.create.selectModel("veo-3-fast");
  expect(s.create.duration).toBe(8);
  expect(await s.create.refreshCatalog()).toBeNull();
  expect(s.create.model?.id).toBe("veo-3-fast");
  expect(s.create.duration).toBe(6);
});

describe("the queue follows the library", () => {
  const now = new Date().toISOString();
  const details = (id: number, removed: "trashed" | "forgotten" | null, created_at = now) => ({
    job: job(id, { status: "succeeded", created_at }),
    item: item(id, { removed, created_at }),
    resolution: null,
    video_size: null,
    clip_bytes: null,
    image_source: null,
    downloaded_at: null,
  });

  test("a deleted or forgotten clip leaves the queue; an undone delete comes back", async () => {
    const s = stores();
    const removed = new Map<number, "trashed" | "forgotten" | null>([[1, null], [2, null]]);
    const backend = fakeBackend({
      app_state: () => appState({ jobs: [job(1, { status: "succeeded", created_at: now }), job(2, { status: "succeeded", created_at: now })] }),
      gallery_details: (a) =>
        details(a.id as number, removed.get(a.id as number) ?? null, a.id === 9 ? "2026-01-01T00:00:00Z" : now),
    });
    stop = await connect(s);
    s.ui.selectedId = 2;
    removed.set(2, "trashed");
    await backend.emit("library-changed", { ids: [2], all: false });
    for (let i = 0; i < 4; i++) await tick();
    expect(s.jobs.list.map((j) => j.id)).toEqual([1]);
    expect(s.ui.selectedId).toBeNull();
    removed.set(2, null);
    await backend.emit("library-changed", { ids: [2], all: false });
    for (let i = 0; i < 4; i++) await tick();
    expect(s.jobs.list.map((j) => j.id).sort()).toEqual([1, 2]);
    // A favourite on an old clip (not in the queue's last day) does not pull it into the queue.
    await backend.emit("library-changed", { ids: [9], all: false });
    for (let i = 0; i < 4; i++) await tick();
    expect(s.jobs.get(9)).toBeUndefined();
  });

  test("a whole-library change (a folder move) reloads the queue", async () => {
    const s = stores();
    let jobs = [job(1, { status: "succeeded" })];
    const backend = fakeBackend({ app_state: () => appState({ jobs }) });
    stop = await connect(s);
    jobs = [job(1, { status: "succeeded", clip_path: "/new/place/1.mp4" })];
    await backend.emit("library-changed", { ids: [], all: true });
    for (let i = 0; i < 4; i++) await tick();
    expect(s.jobs.get(1)?.clip_path).toBe("/new/place/1.mp4");
  });
});
