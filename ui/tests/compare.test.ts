// @vitest-environment jsdom
// Compare mode's store: the models chosen within the board's limits, a duration they all offer,
// the total first, one confirmation above the threshold, group_make and where its errors go.
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { AppStore, CompareStore, CreateStore, GroupsStore, JobsStore, UiStore } from "../src/lib/stores";
import { boardCaps, boardDuration, boardTotal, commonDurations } from "../src/lib/stores/compare.svelte";
import { BUNDLED_MODELS } from "../src/lib/ipc/bindings/constants";
import type { AppError, Draft, GroupView } from "../src/lib/ipc/types";
import { appState, image, job, model } from "./fixtures";
import { clearMocks, fakeBackend, tick } from "./backend";

const [KLING25, KLING3, KLING3A, SEEDPRO, SEEDFAST] = BUNDLED_MODELS;
/** A model offering only 5 and 10 seconds, and text only. */
const PICKY = model({ id: "picky", name: "picky", rate_micros: 100_000, durations: [5, 10], default_duration: 5, image_input: false });

function setup() {
  const app = new AppStore();
  const jobs = new JobsStore();
  const ui = new UiStore();
  const create = new CreateStore(app, jobs, ui);
  const groups = new GroupsStore();
  const compare = new CompareStore(app, create, groups, jobs, ui);
  app.load(appState({ models: [...BUNDLED_MODELS, PICKY] }));
  create.syncModels();
  create.duration = 2;
  create.setPrompt("a red kite over the dunes");
  return { app, jobs, ui, create, groups, compare };
}

function view(drafts: Draft[], patch: Partial<GroupView> = {}): GroupView {
  return {
    id: 7,
    kind: "board",
    title: drafts[0]?.prompt ?? "",
    state: "running",
    size: drafts.length,
    hold_micros: 0,
    spent_micros: 0,
    done: 0,
    created_at: "2026-01-01T12:00:00Z",
    cells: drafts.map((d, i) => job(100 + i, { model: d.model, group_id: 7, group_index: i + 1 })),
    notes: [],
    ...patch,
  };
}

let s: ReturnType<typeof setup>;
let backend: ReturnType<typeof fakeBackend>;
let made: Draft[][];
let answer: (drafts: Draft[]) => unknown;

beforeEach(() => {
  made = [];
  answer = (drafts) => view(drafts);
  backend = fakeBackend({
    group_make: (a) => {
      const drafts = (a.group as { drafts: Draft[] }).drafts;
      made.push(drafts);
      return answer(drafts);
    },
  });
  s = setup();
});
afterEach(() => clearMocks());

describe("choosing models", () => {
  test("the single clip's model is the first choice; 2 to 5 may be chosen", () => {
    s.compare.begin();
    expect(s.compare.chosen).toEqual([KLING25.id]);
    expect(s.compare.canCompare).toBe(false);
    expect(s.compare.problem).toBe("Choose 2 to 5 models to compare (1 chosen).");
    for (const m of [KLING3, KLING3A, SEEDPRO, SEEDFAST]) s.compare.toggle(m.id);
    expect(s.compare.count).toBe(5);
    expect(s.compare.canCompare).toBe(true);
    expect(s.compare.canToggle(PICKY.id)).toBe(false);
    s.compare.toggle(PICKY.id);
    expect(s.compare.count).toBe(5);
    expect(s.compare.error).toBe("A board compares at most 5 models: remove one first.");
    s.compare.toggle(KLING3A.id);
    expect(s.compare.count).toBe(4);
    expect(s.compare.error).toBeNull();
    expect(s.compare.canToggle(PICKY.id)).toBe(true);
  });

  test("the chosen models are listed (and sent) in the catalog's order", () => {
    s.compare.toggle(SEEDFAST.id);
    s.compare.toggle(KLING25.id);
    expect(s.compare.models.map((m) => m.id)).toEqual([KLING25.id, SEEDFAST.id]);
    expect(s.compare.drafts().map((d) => d.model)).toEqual([KLING25.id, SEEDFAST.id]);
  });
});

describe("the price", () => {
  test("each cell at the chosen duration, and the total shown first", () => {
    for (const m of [KLING25, KLING3, SEEDFAST]) s.compare.toggle(m.id);
    expect(s.compare.price(KLING3)).toBe(302_400);
    // 2 s × (0.0945 + 0.1512 + 0.326565) = $1.14453
    expect(s.compare.total).toBe(1_144_530);
    expect(s.compare.summary).toBe("Total $1.14 · 3 models");
    s.create.duration = 5;
    expect(s.compare.summary).toBe("Total $2.86 · 3 models");
    expect(boardTotal([KLING25, KLING3], 4)).toBe(4 * (94_500 + 151_200));
  });

  test("nothing chosen: no total", () => {
    expect(s.compare.summary).toBeNull();
  });
});

describe("the duration", () => {
  test("kept when every chosen model offers it; else the nearest they all do, and said so", () => {
    s.create.duration = 3;
    s.compare.toggle(KLING3.id);
    expect(s.create.duration).toBe(3);
    expect(s.compare.durationNote).toBeNull();
    s.compare.toggle(PICKY.id);
    expect(s.create.duration).toBe(5);
    expect(s.compare.durations).toEqual([5, 10]);
    expect(s.compare.durationNote).toBe("picky does not offer 3 s: the duration is now 5 s, which every chosen model offers.");
    // Stepping to another duration drops the note.
    s.create.duration = 10;
    expect(s.compare.durationNote).toBeNull();
  });

  test("the nearest, the shorter on a tie; none shared", () => {
    expect(commonDurations([KLING25, PICKY])).toEqual([5, 10]);
    expect(boardDuration([KLING25, PICKY], 8)).toBe(10);
    expect(boardDuration([KLING25, PICKY], 7)).toBe(5); // 7 is 2 from 5 and 3 from 10
    expect(boardDuration([model({ durations: [4, 8] }), model({ durations: [6] })], 6)).toBeNull();
    expect(commonDurations([])).toEqual([]);
  });

  test("leaving Compare mode brings the duration back within the single clip's model", () => {
    s.create.selectModel(PICKY.id);
    s.create.duration = 3; // set while comparing others
    s.compare.end();
    expect(s.create.duration).toBe(5);
  });

  test("models that share no duration cannot be compared", () => {
    s.app.models = [...s.app.models, model({ id: "six", name: "six", durations: [6] })];
    s.compare.toggle(PICKY.id);
    s.compare.toggle("six");
    expect(s.compare.problem).toBe("picky and six share no duration: choose other models.");
    expect(s.compare.canCompare).toBe(false);
  });
});

describe("the shot options across models", () => {
  test("the union of what the chosen models take; with a start image only the shapes of those that do not follow it", () => {
    const caps = boardCaps([KLING3, SEEDFAST], false);
    expect(caps.aspects).toEqual(["auto", "21:9", "16:9", "4:3", "1:1", "3:4", "9:16"]);
    expect(caps.seed_param).toBe("seed");
    expect(caps.negative_prompt_param).toBe("negative_prompt");
    expect(caps.aspect_follows_image).toBe(false);
    expect(boardCaps([KLING3, KLING25], true).aspect_follows_image).toBe(true);
    expect(boardCaps([KLING3, SEEDFAST], true).aspects).toEqual(SEEDFAST.caps.aspects);
  });

  test("each draft has one take and the options as set; frames only where the model takes them", () => {
    s.create.setImage(image({ id: "img_9" }));
    s.create.setSeed("42");
    s.create.setNegative("blur");
    s.create.setAspect("9:16");
    s.create.setTakes(3);
    s.compare.toggle(KLING3.id);
    s.compare.toggle(PICKY.id);
    const [kling, picky] = s.compare.drafts();
    expect(kling).toMatchObject({ model: KLING3.id, image_id: "img_9", duration: 5, takes: 1 });
    expect(kling.options).toEqual({ aspect: "9:16", negative_prompt: "blur", cfg_scale: null, seed: 42 });
    expect(picky).toMatchObject({ model: "picky", image_id: null, image_url: null, takes: 1 });
    expect(s.compare.leftOut).toEqual([
      // Kling takes the start image's shape: the 9:16 is not lost on it.
      "kling-3-pro: the seed 42",
      'picky: the start image, the 9:16 shape, "Avoid" and the seed 42',
    ]);
    // An end frame goes with the start image: the text-only model gets neither.
    s.create.setEndImage(image({ id: "img_end" }));
    const [k2, p2] = s.compare.drafts();
    expect(k2.end_image_id).toBe("img_end");
    expect(p2.end_image_id).toBeNull();
    expect(s.compare.leftOut[1]).toBe('picky: the start image, the 9:16 shape, the end frame, "Avoid" and the seed 42');
  });
});

describe("Compare", () => {
  test("below the threshold: one group_make, the board opens with its notes, the cells reach the queue", async () => {
    answer = (drafts) => view(drafts, { notes: ["kling-2.5-pro: seed left out"] });
    s.app.settings = { ...s.app.settings, confirm_above_micros: 2_000_000 };
    for (const m of [KLING25, KLING3, SEEDFAST]) s.compare.toggle(m.id);
    await s.compare.request();
    expect(s.compare.confirming).toBeNull();
    expect(made).toHaveLength(1);
    expect(made[0].map((d) => d.model)).toEqual([KLING25.id, KLING3.id, SEEDFAST.id]);
    expect(backend.calls[0].args).toMatchObject({ group: { kind: "board", title: "" } });
    expect(s.groups.get(7)?.cells).toHaveLength(3);
    expect(s.ui.boardId).toBe(7);
    expect(s.groups.get(7)?.notes).toEqual(["kling-2.5-pro: seed left out"]);
    expect(s.jobs.get(101)?.group_id).toBe(7);
  });

  test("above the threshold: one confirmation with the total, then one group_make", async () => {
    s.app.settings = { ...s.app.settings, confirm_above_micros: 1_000_000 };
    for (const m of [KLING25, KLING3, SEEDFAST]) s.compare.toggle(m.id);
    await s.compare.request();
    expect(s.compare.confirming).toBe(1_144_530);
    expect(made).toHaveLength(0);
    await s.compare.request(); // a second press while asking does nothing
    expect(made).toHaveLength(0);
    await s.compare.confirm();
    expect(s.compare.confirming).toBeNull();
    expect(made).toHaveLength(1);
    expect(s.ui.boardId).toBe(7);
  });

  test("a total exactly at the threshold does not ask; cancelling sends nothing", async () => {
    s.compare.toggle(KLING25.id);
    s.compare.toggle(KLING3.id);
    s.app.settings = { ...s.app.settings, confirm_above_micros: s.compare.total };
    await s.compare.request();
    expect(made).toHaveLength(1);
    s.app.settings = { ...s.app.settings, confirm_above_micros: 0 };
    await s.compare.request();
    s.compare.cancelConfirm();
    expect(made).toHaveLength(1);
  });

  test("an empty prompt: the prompt's sentence, nothing sent", async () => {
    s.compare.toggle(KLING25.id);
    s.compare.toggle(KLING3.id);
    s.create.setPrompt("   ");
    await s.compare.request();
    expect(s.create.promptError).toBe("Write a prompt: it cannot be empty.");
    expect(made).toHaveLength(0);
  });

  test("too few models: the sentence under the button", async () => {
    s.compare.toggle(KLING25.id);
    await s.compare.request();
    expect(s.compare.error).toBe("Choose 2 to 5 models to compare (1 chosen).");
    expect(made).toHaveLength(0);
  });

  const refusal = (patch: Partial<AppError>): AppError => ({ kind: "invalid_input", field: null, message: "no", action: null, link: null, ...patch });

  test("a refusal about the account or budget goes to the banner; about the form, under the button", async () => {
    s.compare.toggle(KLING25.id);
    s.compare.toggle(KLING3.id);
    answer = () => {
      throw refusal({ kind: "over_budget", message: "This board would take today's spending to $12.00, past your $10.00 daily cap." });
    };
    await s.compare.request();
    expect(s.ui.banner?.error.kind).toBe("over_budget");
    expect(s.compare.error).toBeNull();
    expect(s.ui.boardId).toBeNull();

    answer = () => {
      throw refusal({ kind: "invalid_input", field: "duration", message: "kling-3-pro cannot make 2-second clips." });
    };
    await s.compare.request();
    expect(s.ui.banner).toBeNull(); // cleared by the new attempt
    expect(s.compare.error).toBe("kling-3-pro cannot make 2-second clips.");

    answer = () => {
      throw refusal({ field: "prompt", message: "The prompt is too long." });
    };
    await s.compare.request();
    expect(s.create.promptError).toBe("The prompt is too long.");
  });

  test("Retry now sends the same board again without asking twice", async () => {
    s.app.settings = { ...s.app.settings, confirm_above_micros: 0 };
    s.compare.toggle(KLING25.id);
    s.compare.toggle(KLING3.id);
    let fail = true;
    answer = (drafts) => {
      if (fail) throw refusal({ kind: "network", action: "retry", message: "Kyma could not be reached." });
      return view(drafts);
    };
    await s.compare.request();
    await s.compare.confirm();
    expect(s.ui.banner?.retry).toBeTypeOf("function");
    fail = false;
    s.ui.banner!.retry!();
    await tick();
    await tick();
    expect(s.compare.confirming).toBeNull();
    expect(made).toHaveLength(2);
    expect(s.ui.boardId).toBe(7);
  });

  test("an unlocked seed rolls after a board, a locked one stays", async () => {
    s.compare.toggle(SEEDPRO.id);
    s.compare.toggle(SEEDFAST.id);
    s.app.settings = { ...s.app.settings, confirm_above_micros: 100_000_000 };
    s.create.setSeed("42");
    s.create.seedLocked = true;
    await s.compare.request();
    expect(s.create.seed).toBe("42");
    s.create.seedLocked = false;
    await s.compare.request();
    expect(made[1][0].options.seed).toBe(42);
    expect(s.create.seed).not.toBe("42");
  });
});
