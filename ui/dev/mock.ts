// KYMA_STUDIO_DEV_MOCK — a stand-in for the Rust core, for `vite --mode mock` only, so the
// create, queue, key and settings screens can be developed and screenshot in a plain browser.
// Never part of a production build (main.ts imports it behind a static MODE check; the build
// script's check greps dist for the marker).
//
// It answers with canned values typed by the generated command table and shows the product's
// five models as Rust bundles them; it implements none of the core. The library's screens
// (gallery, details, spend, moving the library) are not mocked: they show an empty library here.
// See them with the real core: `make demo` (for 10,000 clips, first run
// `target/debug/kyma --data-dir target/demo/library dev seed-library 10000`).
//
// Scenarios (?scenario=… or #…): create (default), settings, models, key, key-nokeychain,
// confirm, banner, empty, damaged, away. Add ?live to keep the simulated downloads moving, ?latency=… ms to
// slow every command.

import { mockIPC, mockWindows } from "@tauri-apps/api/mocks";
import { COMMANDS, type CommandName, type Commands } from "../src/lib/ipc/bindings/commands";
import { BUNDLED_MODELS, DEFAULT_SETTINGS } from "../src/lib/ipc/bindings/constants";
import type { AppError, Draft, GroupView, Job, KeyArgs, KeyStatus, ModelInfo, Settings, StartImage } from "../src/lib/ipc/types";
import clipUrl from "./fixtures/clip.webm?url";
import still1 from "./fixtures/still1.jpg?inline";
import still2 from "./fixtures/still2.jpg?inline";
import still3 from "./fixtures/still3.jpg?inline";

export const MOCK_MARKER = "KYMA_STUDIO_DEV_MOCK";

/** The product's five models, exactly as Rust bundles them (generated): never a list of the mock's own. */
const MODELS: ModelInfo[] = BUNDLED_MODELS;

const params = new URLSearchParams(location.search);
const scenario = params.get("scenario") ?? (location.hash.slice(1) || "create");
const live = params.has("live");
const latency = Number(params.get("latency") ?? 0);
const emptyLibrary = scenario === "empty";
let recovered = false;

const ago = (s: number) => new Date(Date.now() - s * 1000).toISOString();

function image(id: string, preview: string, name: string, w = 1600, h = 900, sw = 4032, sh = 2268): StartImage {
  return { id, width: w, height: h, source_width: sw, source_height: sh, source_name: name, preview };
}

function job(id: number, patch: Partial<Job>): Job {
  return {
    id,
    kyma_id: `vid_${(0x5f3a10 + id * 7919).toString(16)}`,
    status: "queued",
    remote_status: null,
    model: "kling-3-pro",
    prompt: "",
    duration_s: 5,
    image_preview: null,
    image_size: null,
    hold_micros: 756_000, // kling-3-pro, 5 s
    charged_micros: null,
    refunded_micros: null,
    error_kind: null,
    error_message: null,
    clip_url: null,
    clip_path: null,
    bytes_done: null,
    bytes_total: null,
    created_at: ago(60),
    submitted_at: ago(58),
    completed_at: null,
    overdue: false,
    shot: {
      aspect: null,
      negative_prompt: null,
      seed: null,
      end_image_preview: null,
      end_image_url: null,
      end_image_size: null,
      end_image_source: null,
      take_index: null,
    },
    frame: null,
    group_id: null,
    group_index: null,
    mark: null,
    ...patch,
  };
}

const MB = 1024 * 1024;
let jobs: Job[] =
  emptyLibrary
    ? []
    : [
        job(6, { status: "processing", model: "kling-3-pro", prompt: "A slow dolly shot through a rain-soaked neon alley at night, reflections rippling in puddles", created_at: ago(44), submitted_at: ago(42), image_preview: still1, image_size: [1600, 900] }),
        job(5, { status: "downloading", model: "seedance-2-fast", duration_s: 10, hold_micros: 3_265_650, prompt: "Macro shot of espresso pouring into a glass cup, steam curling in warm morning light", created_at: ago(131), submitted_at: ago(129), bytes_done: Math.round(12.5 * MB), bytes_total: Math.round(19.7 * MB) }),
        job(4, { status: "downloading", model: "kling-3-pro", prompt: "Golden hour over a mountain lake, a lone kayak drifting, mist lifting off the water", created_at: ago(170), submitted_at: ago(168), image_preview: still2, image_size: [1600, 900], bytes_done: 18 * MB, bytes_total: 18 * MB, charged_micros: 756_000 }),
        job(3, { status: "refunded", model: "seedance-2-pro", duration_s: 8, hold_micros: 3_276_720, refunded_micros: 3_276_720, prompt: "Two astronauts arguing about coffee on the moon, handheld documentary style", created_at: ago(900), submitted_at: ago(898), completed_at: ago(610), error_kind: "provider_failed", error_message: "The provider failed to render this clip; the hold was refunded in full." }),
        job(2, { status: "processing", model: "kling-2.5-pro", duration_s: 6, hold_micros: 567_000, prompt: "A paper boat racing down a gutter stream after rain, low angle", created_at: ago(1300), submitted_at: ago(1296), overdue: true, image_preview: still3, image_size: [900, 1600] }),
        job(1, { status: "succeeded", model: "kling-3-pro-audio", hold_micros: 1_134_000, charged_micros: 1_134_000, prompt: "Timelapse of clouds rolling over a city skyline at dusk", created_at: ago(26 * 3600), submitted_at: ago(26 * 3600 - 2), completed_at: ago(26 * 3600 - 95), clip_url: clipUrl, clip_path: "/home/ana/Videos/Kyma Studio/0001-timelapse-clouds.webm" }),
      ];

let key: KeyStatus =
  scenario === "key" || scenario === "key-nokeychain"
    ? {
        state: "none",
        masked: null,
        keychain_available: scenario !== "key-nokeychain",
        keychain_message:
          scenario === "key-nokeychain"
            ? "No system keychain is running (Secret Service not found), so the key cannot be stored between sessions."
            : null,
      }
    : { state: "keychain", masked: "ky-…7f3a", keychain_available: true, keychain_message: null };

let settings: Settings = { ...DEFAULT_SETTINGS, library_dir: "/home/ana/Videos/Kyma Studio", confirm_above_micros: 1_000_000 };

function emit(event: string, payload: unknown) {
  const internals = (window as unknown as { __TAURI_INTERNALS__: { invoke: (c: string, a: unknown) => Promise<unknown> } }).__TAURI_INTERNALS__;
  void internals.invoke("plugin:event|emit", { event, payload });
}

function put(j: Job) {
  jobs = [j, ...jobs.filter((x) => x.id !== j.id)];
  emit("job-changed", structuredClone(j));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A job's life at mock speed: queued → pending → processing → downloading → succeeded. */
async function lifecycle(j: Job) {
  await sleep(400);
  put((j = { ...j, status: "pending", submitted_at: new Date().toISOString() }));
  await sleep(900);
  put((j = { ...j, status: "processing", remote_status: "in_progress" }));
  await sleep(2500);
  const total = Math.round(14.2 * MB);
  put((j = { ...j, status: "downloading", bytes_done: 0, bytes_total: total, charged_micros: j.hold_micros }));
  for (let done = 0; done < total; done += Math.round(1.3 * MB)) {
    emit("job-progress", { id: j.id, bytes_done: done, bytes_total: total });
    await sleep(180);
  }
  put({ ...j, status: "succeeded", bytes_done: total, completed_at: new Date().toISOString(), clip_url: clipUrl, clip_path: `/home/ana/Videos/Kyma Studio/${String(j.id).padStart(4, "0")}.webm` });
}

let nextId = 7;
let nextGroup = 1;
let groupList: GroupView[] = [];
const findGroup = (id: number): GroupView => {
  const g = groupList.find((x) => x.id === id);
  if (!g) reject({ kind: "not_found", message: `There is no board or batch #${id} in the library.` });
  return g;
};
const withCells = (g: GroupView): GroupView => ({ ...g, cells: jobs.filter((j) => j.group_id === g.id).sort((a, b) => (a.group_index ?? 0) - (b.group_index ?? 0)) });
function newJob(draft: Pick<Draft, "model" | "prompt" | "duration">, preview: string | null): Job {
  const model = MODELS.find((m) => m.id === draft.model) ?? MODELS[0];
  return job(nextId++, {
    status: "queued",
    model: model.id,
    prompt: draft.prompt,
    duration_s: draft.duration,
    hold_micros: model.rate_micros * draft.duration,
    created_at: new Date().toISOString(),
    submitted_at: null,
    image_preview: preview,
    image_size: preview ? [1600, 900] : null,
  });
}

function reject(e: Partial<AppError> & Pick<AppError, "kind" | "message">): never {
  throw { ...e, field: e.field ?? null, action: e.action ?? null, link: e.link ?? null } satisfies AppError;
}

const images = new Map<string, StartImage>();
function remember(img: StartImage): StartImage {
  images.set(img.id, img);
  return img;
}

/** The core's commands as the mock answers them: typed by the generated table (`Commands`), so a
 * renamed argument or a changed answer in Rust breaks this file's type check, as it does the UI's. */
type Handlers = { [C in CommandName]: (args: Commands[C]["args"]) => Commands[C]["answer"] | Promise<Commands[C]["answer"]> };

const setKey = (state: KeyStatus["state"]) => (args: KeyArgs) => {
  if (!args.key.startsWith("ky-")) reject({ kind: "invalid_input", message: 'The API key does not look like a Kyma key: Kyma keys start with "ky-".' });
  key = { ...key, state, masked: `ky-…${args.key.slice(-4)}` };
  return key;
};

/** The library is not mocked: an empty gallery, nothing spent, and a sentence for the rest. */
const noLibrary = (): never =>
  reject({ kind: "not_found", message: "The dev mock has no library: run `make demo` to see the gallery with the real core." });

const handlers: Handlers = {
  gallery_query: ({ query }) => ({ total: 0, offset: query.offset, items: [] }),
  gallery_details: noLibrary,
  job_settings: noLibrary,
  favourite_set: noLibrary,
  clip_delete: noLibrary,
  clip_undo_delete: noLibrary,
  clip_save_copy: noLibrary,
  clip_locate: noLibrary,
  clip_forget: noLibrary,
  thumb_put: () => null,
  spend_summary: ({ query }) => ({
    since: query.since,
    period: query.period,
    charged_micros: 0,
    refunded_micros: 0,
    held_micros: 0,
    clips: 0,
    refunds: 0,
    per_model: [],
    buckets: [],
  }),
  library_pick_folder: () => null,
  library_move: noLibrary,
  app_state: () => ({ key, settings, models: MODELS, jobs: structuredClone(jobs), demo: scenario === "key", version: "0.1.0" }),
  key_set: setKey("keychain"),
  key_use_session: setKey("session"),
  key_delete: () => {
    key = { ...key, state: "none", masked: null };
    return key;
  },
  settings_save: (args) => {
    const s = structuredClone(args.settings);
    if (s.image_hosting.kind === "s3") s.image_hosting.secret_set ||= args.bucket_secret !== null;
    settings = s;
    return settings;
  },
  image_pick: () => remember(image("img_pick", still2, "lake-at-dawn.jpg")),
  image_from_path: ({ path }) => remember(image("img_path", still1, path.split("/").pop() ?? "image.jpg")),
  image_from_bytes: ({ name }) => remember(image(`img_${Date.now()}`, still3, name, 1280, 720, 1280, 720)),
  // A browser has no OS clipboard to read: its paste events carry the image file themselves.
  image_from_clipboard: () => null,
  generate: ({ draft }) => {
    if (scenario === "banner") {
      reject({
        kind: "insufficient_credit",
        message: "Your Kyma balance is too low for this clip (it needs a hold of $1.51). Add credit at https://kymaapi.com/billing, then try again.",
        action: "add_credit",
        link: "https://kymaapi.com/billing",
      });
    }
    const j = newJob(draft, draft.image_id ? (images.get(draft.image_id)?.preview ?? null) : null);
    jobs = [j, ...jobs];
    void lifecycle(j);
    return [j];
  },
  job_again: ({ id }) => {
    const old = jobs.find((j) => j.id === id);
    if (!old) reject({ kind: "not_found", message: `There is no generation #${id} in the queue.` });
    const j = newJob({ model: old.model, prompt: old.prompt, duration: old.duration_s }, old.image_preview);
    jobs = [j, ...jobs];
    void lifecycle(j);
    return j;
  },
  job_remove: ({ id }) => {
    jobs = jobs.filter((j) => j.id !== id);
    return null;
  },
  reveal_clip: () => null,
  refresh_catalog: () => MODELS,
  group_make: ({ group }) => {
    const cells = group.drafts.map((d, i) => {
      const j = { ...newJob(d, d.image_id ? (images.get(d.image_id)?.preview ?? null) : null), group_id: nextGroup, group_index: i + 1 };
      jobs = [j, ...jobs];
      void lifecycle(j);
      return j;
    });
    const view: GroupView = {
      id: nextGroup++,
      kind: group.kind,
      title: group.title || (group.drafts[0]?.prompt ?? ""),
      state: "running",
      size: cells.length,
      hold_micros: cells.reduce((s, c) => s + c.hold_micros, 0),
      spent_micros: 0,
      done: 0,
      created_at: new Date().toISOString(),
      cells,
      notes: [],
    };
    groupList = [view, ...groupList];
    return view;
  },
  group_list: () => groupList.map(withCells),
  group_get: ({ id }) => withCells(findGroup(id)),
  group_pause: ({ id }) => withCells(Object.assign(findGroup(id), { state: "paused" as const })),
  group_resume: ({ id }) => withCells(Object.assign(findGroup(id), { state: "running" as const })),
  group_cancel: ({ id }) => {
    Object.assign(findGroup(id), { state: "cancelled" as const });
    return { dropped: 0, at_kyma: 0, message: "Nothing was left to cancel: every clip had finished." };
  },
  mark_set: ({ id, mark }) => {
    const j = jobs.find((x) => x.id === id);
    if (!j) reject({ kind: "not_found", message: `There is no generation #${id} in the library.` });
    put({ ...j, mark });
    return { ...j, mark };
  },
  budget_get: () => ({ balance_micros: 18_420_000, spent_today_micros: 2_268_000, daily_cap_micros: settings.daily_cap_micros }),
  images_pick_many: () => [],
  // The real parser is Rust's (jobs::batch_rows); the mock reads plain lines.
  prompts_parse: ({ text }) =>
    text
      .split(/\r?\n/)
      .map((prompt, i) => ({ line: i + 1, prompt: prompt.trim(), model: null, duration: null, aspect: null }))
      .filter((r) => r.prompt !== "" && !r.prompt.startsWith("#")),
  prompts_pick: () => null,
  ui_ready: () => null,
  // The "damaged" scenario opens on the recovery offer; recovery then opens the library.
  library_trouble: () =>
    scenario === "damaged" && !recovered
      ? {
          sentence:
            "The library database at /home/you/.local/share/kyma-studio/library.sqlite3 is damaged (database disk image is malformed).",
          backup: "library-20261206-091500-000-daily.sqlite3",
          clips_on_disk: 37,
          damaged_folder: "/home/you/.local/share/kyma-studio/damaged",
          repairable: true,
        }
      : null,
  library_recover: () => {
    recovered = true;
    return {
      sentence:
        "The library is recovered: 212 record(s) came back from the backup library-20261206-091500-000-daily.sqlite3, and 5 clip(s) got their records back from the files beside them.",
      from_backup: 212,
      rebuilt: 5,
    };
  },
  // The "away" scenario: the library lives on a drive that is unplugged.
  library_health: () => ({
    away: scenario === "away" ? { folder: "/media/you/T7/Kyma Library", clips: 212, waiting: 2 } : null,
    damage: null,
  }),
  app_restart: () => {
    location.reload();
    return null;
  },
  library_relink: ({ from, to }) => ({ from, to, records: 214, clips: 212, found: 212 }),
};

function handle(cmd: string, raw: Record<string, unknown>): unknown {
  if (!(COMMANDS as readonly string[]).includes(cmd)) reject({ kind: "internal", message: `The core has no command ${cmd}.` });
  const run = handlers[cmd as CommandName] as (args: unknown) => unknown;
  return run(raw.args ?? {});
}

/** Waits for an element the scenario drives (the app mounts asynchronously). */
async function element<T extends Element>(selector: string): Promise<T> {
  for (;;) {
    const el = document.querySelector<T>(selector);
    if (el) return el;
    await sleep(30);
  }
}

async function type(selector: string, text: string) {
  const el = await element<HTMLTextAreaElement | HTMLInputElement>(selector);
  el.value = text;
  el.dispatchEvent(new Event("input", { bubbles: true }));
}

async function drive() {
  const click = async (sel: string) => (await element<HTMLElement>(sel)).click();
  switch (scenario) {
    case "create":
      await type("#prompt", "A slow dolly shot through a rain-soaked neon alley at night, reflections rippling in puddles, a lone figure with a red umbrella walking away from camera, cinematic, 35mm, shallow depth of field");
      await click(".empty .btn");
      await sleep(200);
      // Job 4 finishes downloading: nothing is playing, so it is selected.
      put({ ...jobs.find((j) => j.id === 4)!, status: "succeeded", completed_at: new Date().toISOString(), clip_url: clipUrl, clip_path: "/home/ana/Videos/Kyma Studio/0004-golden-hour-lake.webm" });
      break;
    case "settings":
      await click("[data-testid=key-indicator]");
      break;
    case "models":
      await click(".picker .current");
      break;
    case "confirm":
    case "banner":
      await type("#prompt", "Aerial shot following a red train across a snowy mountain pass");
      await click('button[aria-label="Longer"]');
      await sleep(50);
      await click("button.generate");
      if (scenario === "banner") await click("dialog.confirm .btn.primary");
      break;
  }
}

export function install() {
  mockWindows("main");
  mockIPC(
    async (cmd, args) => {
      if (latency > 0) await sleep(latency);
      return handle(cmd, (args ?? {}) as Record<string, unknown>);
    },
    { shouldMockEvents: true },
  );
  if (live) {
    setInterval(() => {
      const j = jobs.find((x) => x.id === 5);
      if (!j || j.bytes_done === null || j.bytes_total === null) return;
      j.bytes_done = Math.min(j.bytes_total, j.bytes_done + 256 * 1024);
      emit("job-progress", { id: 5, bytes_done: j.bytes_done, bytes_total: j.bytes_total });
    }, 250);
  }
  void drive();
  console.info(`${MOCK_MARKER}: scenario "${scenario}"`);
}
