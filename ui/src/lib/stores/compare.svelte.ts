// Compare mode of the create panel: one idea (the form's prompt, frames, duration and shot options)
// through 2–5 models at once, as a board. Which models, a duration every one of them offers, the
// total price first, one confirmation above the user's threshold, and `group_make`; on success the
// board opens with what each model left out.

import * as ipc from "../ipc";
import type { AppError, Capabilities, Draft, GroupView, Micros, ModelInfo, ShotOptions } from "../ipc";
import { BOARD_MODELS } from "../ipc/bindings/constants";
import { allowedDurations, buildDraft, holdMicros, imageUrlProblem, promptProblem } from "../draft";
import { ASPECTS, dropped, endFrameApplies, negativeProblem, seedProblem } from "../shot";
import { formatCents } from "../money";
import { placeOf } from "../errors";
import { ConfirmGate } from "./confirm.svelte";
import type { AppStore } from "./app.svelte";
import type { CreateStore } from "./create.svelte";
import type { GroupsStore } from "./groups.svelte";
import type { JobsStore } from "./jobs.svelte";
import type { UiStore } from "./ui.svelte";

export { BOARD_MODELS };

/** The durations every one of `models` offers, shortest first. */
export function commonDurations(models: readonly ModelInfo[]): number[] {
  if (models.length === 0) return [];
  return allowedDurations(models[0]).filter((d) => models.every((m) => allowedDurations(m).includes(d)));
}

/** The duration to use: `current` when every model offers it, else the nearest they all do (the
 * shorter on a tie, so the price never grows by surprise); null when they share none. */
export function boardDuration(models: readonly ModelInfo[], current: number): number | null {
  const common = commonDurations(models);
  if (common.length === 0) return null;
  if (common.includes(current)) return current;
  let best = common[0];
  for (const d of common) if (Math.abs(d - current) < Math.abs(best - current)) best = d;
  return best;
}

/** What the chosen models take between them: the shot options drawn for a board are the union
 * (an option one model lacks is left out for it, and said so). With a start image, the aspect
 * picker offers only the shapes of the models that do not take the image's shape. */
export function boardCaps(models: readonly ModelInfo[], hasStartImage: boolean): Capabilities {
  const pickers = models.filter((m) => m.caps.aspect_param !== null && !(hasStartImage && m.caps.aspect_follows_image));
  const aspects = ASPECTS.filter((a) => pickers.some((m) => m.caps.aspects.includes(a)));
  const any = (k: "aspect_param" | "end_image_param" | "negative_prompt_param" | "cfg_scale_param" | "seed_param") =>
    models.find((m) => m.caps[k] !== null)?.caps[k] ?? null;
  return {
    aspects: aspects.length > 0 ? aspects : [...new Set(models.flatMap((m) => m.caps.aspects))],
    aspect_follows_image: models.length > 0 && pickers.length === 0,
    aspect_param: any("aspect_param"),
    end_image_param: any("end_image_param"),
    negative_prompt_param: any("negative_prompt_param"),
    cfg_scale_param: any("cfg_scale_param"),
    seed_param: any("seed_param"),
    source: "the chosen models together",
  };
}

/** The board's price: one clip per model at `duration`, exact. */
export function boardTotal(models: readonly ModelInfo[], duration: number): Micros {
  return models.reduce((sum, m) => sum + holdMicros(m, duration), 0);
}

/** "a, b and c". */
function list(names: string[]): string {
  return names.length < 2 ? (names[0] ?? "") : `${names.slice(0, -1).join(", ")} and ${names[names.length - 1]}`;
}

export class CompareStore {
  private app: AppStore;
  private create: CreateStore;
  private groups: GroupsStore;
  private jobs: JobsStore;
  private ui: UiStore;

  /** The chosen models' ids (shown and sent in the catalog's order). */
  chosen = $state<string[]>([]);
  sending = $state(false);
  /** The sentence under the Compare button. */
  error = $state<string | null>(null);
  /** The total awaiting a second yes, when it is above the user's threshold. */
  readonly gate = new ConfirmGate();
  get confirming(): Micros | null {
    return this.gate.total;
  }
  /** Why the duration changed, while it is still that duration. */
  private durationChange = $state<{ text: string; duration: number } | null>(null);

  constructor(app: AppStore, create: CreateStore, groups: GroupsStore, jobs: JobsStore, ui: UiStore) {
    this.app = app;
    this.create = create;
    this.groups = groups;
    this.jobs = jobs;
    this.ui = ui;
  }

  get models(): ModelInfo[] {
    return this.app.models.filter((m) => this.chosen.includes(m.id));
  }
  get count(): number {
    return this.models.length;
  }
  get durations(): number[] {
    return commonDurations(this.models);
  }
  get caps(): Capabilities {
    return boardCaps(this.models, this.create.hasStartImage);
  }
  isChosen(id: string): boolean {
    return this.chosen.includes(id);
  }
  /** A model can be added while fewer than the most are chosen (and removed any time). */
  canToggle(id: string): boolean {
    return this.isChosen(id) || this.count < BOARD_MODELS.max;
  }
  /** One clip of `m` at the board's duration. */
  price(m: ModelInfo): Micros {
    return holdMicros(m, this.create.duration);
  }
  get total(): Micros {
    return boardTotal(this.models, this.create.duration);
  }
  /** "Total $1.23 · 3 models", or null with no model chosen. */
  get summary(): string | null {
    if (this.count === 0) return null;
    return `Total ${formatCents(this.total)} · ${this.count} ${this.count === 1 ? "model" : "models"}`;
  }
  get durationNote(): string | null {
    const c = this.durationChange;
    return c && c.duration === this.create.duration ? c.text : null;
  }
  /** What stops a board before anything is checked: the number of models, or no shared duration. */
  get problem(): string | null {
    if (this.count < BOARD_MODELS.min) {
      return `Choose ${BOARD_MODELS.min} to ${BOARD_MODELS.max} models to compare (${this.count} chosen).`;
    }
    if (this.durations.length === 0) return `${list(this.models.map((m) => m.name))} share no duration: choose other models.`;
    return null;
  }
  get canCompare(): boolean {
    return this.problem === null && !this.sending && this.create.canGenerate;
  }
  /** What the user set that a model will not get, one line per model ("kling-3-pro: the seed 42"). */
  get leftOut(): string[] {
    const c = this.create;
    const out: string[] = [];
    for (const m of this.models) {
      const hasStart = m.image_input && c.hasStartImage;
      const lost = dropped(m.caps, c.wanted, hasStart);
      if (!m.image_input && c.hasStartImage) lost.unshift("the start image");
      if (c.wanted.endFrame && m.caps.end_image_param !== null && !hasStart) lost.push("the end frame");
      if (lost.length > 0) out.push(`${m.name}: ${list(lost)}`);
    }
    return out;
  }

  /** Entering Compare mode: the single clip's model is the first choice. */
  begin() {
    if (this.chosen.length === 0 && this.create.model) this.chosen = [this.create.model.id];
    this.fitDuration();
  }

  /** Leaving Compare mode: the duration back within what the single clip's model offers. */
  end() {
    const m = this.create.model;
    if (m && !allowedDurations(m).includes(this.create.duration)) {
      this.create.duration = boardDuration([m], this.create.duration) ?? this.create.duration;
    }
  }

  toggle(id: string) {
    this.error = null;
    if (this.isChosen(id)) {
      this.chosen = this.chosen.filter((x) => x !== id);
    } else {
      if (!this.app.model(id)) return;
      if (this.count >= BOARD_MODELS.max) {
        this.error = `A board compares at most ${BOARD_MODELS.max} models: remove one first.`;
        return;
      }
      this.chosen = [...this.chosen, id];
    }
    this.fitDuration();
  }

  /** Keeps the duration one every chosen model offers; says so when it had to change it. */
  private fitDuration() {
    const current = this.create.duration;
    const d = boardDuration(this.models, current);
    if (d === null || d === current) return;
    const lacking = this.models.filter((m) => !allowedDurations(m).includes(current)).map((m) => m.name);
    this.create.duration = d;
    this.durationChange = {
      duration: d,
      text: `${list(lacking)} ${lacking.length === 1 ? "does" : "do"} not offer ${current} s: the duration is now ${d} s, which every chosen model offers.`,
    };
  }

  /** The options as the user set them: the core leaves out, per model, what it does not take. */
  private options(): ShotOptions {
    const c = this.create;
    const seed = c.seed.trim();
    return {
      aspect: c.aspect,
      negative_prompt: c.negative.trim() !== "" ? c.negative : null,
      cfg_scale: null,
      seed: seed !== "" && /^\d+$/.test(seed) ? Number(seed) : null,
    };
  }

  /** One draft per chosen model, one take each; frames only where the model takes them. */
  drafts(): Draft[] {
    const c = this.create;
    const options = this.options();
    return this.models.map((m) => {
      const image = m.image_input ? c.image : null;
      const imageUrl = m.image_input ? c.imageUrl : "";
      const hasStart = image !== null || imageUrl.trim() !== "";
      const end = endFrameApplies(m.caps, hasStart);
      return buildDraft({
        model: m.id,
        prompt: c.prompt,
        duration: c.duration,
        image,
        imageUrl,
        endImage: end ? c.endImage : null,
        endImageUrl: end ? c.endImageUrl : "",
        options,
        takes: 1,
      });
    });
  }

  /** The Compare button (or ⌘/Ctrl+Enter): check, then make the board or ask once more. */
  async request() {
    if (this.sending || this.confirming !== null) return;
    this.error = this.problem;
    if (this.error) return;
    // The form's own checks, their sentences where the single clip shows them.
    const c = this.create;
    c.promptError = promptProblem(c.prompt);
    const urlProblem = imageUrlProblem(c.imageUrl);
    if (urlProblem) c.imageError = urlProblem;
    const endProblem = imageUrlProblem(c.endImageUrl);
    if (endProblem) c.endImageError = endProblem.replace("The image link", "The end frame link");
    const optionProblem = seedProblem(c.seed) ?? negativeProblem(c.negative);
    if (optionProblem) c.optionsError = optionProblem;
    if (c.promptError || urlProblem || endProblem || optionProblem) return;
    if (!c.canGenerate) return; // a picture still being prepared: the button waits too
    const total = this.total;
    await this.gate.ask(total, this.app.settings.confirm_above_micros, () => this.send(this.drafts()));
  }

  async confirm() {
    await this.gate.confirm();
  }

  cancelConfirm() {
    this.gate.cancel();
  }

  private async send(drafts: Draft[]) {
    const c = this.create;
    this.sending = true;
    this.error = null;
    if (this.ui.banner) this.ui.banner = null;
    try {
      const view: GroupView = await ipc.groupMake({ group: { kind: "board", title: "", drafts } });
      for (const cell of view.cells) this.jobs.apply(cell);
      this.groups.put(view);
      this.ui.openBoard(view.id);
      // As for a single clip: an unlocked seed that was sent is rolled anew.
      if (!c.seedLocked && drafts.some((d) => d.options.seed !== null)) c.rollSeed();
    } catch (e) {
      this.showError(e as AppError, drafts);
    } finally {
      this.sending = false;
    }
  }

  private showError(err: AppError, drafts: Draft[]) {
    const c = this.create;
    switch (placeOf(err)) {
      case "prompt":
        c.promptError = err.message;
        break;
      case "image":
        c.imageError = err.message;
        break;
      case "end_image":
        c.endImageError = err.message;
        break;
      case "options":
        c.optionsError = err.message;
        break;
      case "banner":
        // The same board again, already confirmed: "Retry now" does not ask twice.
        this.ui.showBanner(err, err.action === "retry" ? () => void this.send(drafts) : null);
        break;
      default:
        this.error = err.message;
    }
  }
}
