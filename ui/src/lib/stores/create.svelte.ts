// The create form: model, duration, prompt, start and end frames, the shot's options (aspect,
// "Avoid", seed, takes); its inline errors; the price and the "ask once more" step; and sending
// the Draft to `generate`.

import * as ipc from "../ipc";
import type { AppError, Draft, Micros, ModelInfo, Restored, StartImage } from "../ipc";
import {
  appliedOptions,
  clampTakes,
  droppedSentence,
  endFrameApplies,
  negativeProblem,
  randomSeed,
  seedProblem,
  totalHold,
  type Wanted,
} from "../shot";
import {
  MAX_PROMPT_CHARS,
  buildDraft,
  clampDuration,
  holdMicros,
  imageUrlProblem,
  promptLength,
  promptProblem,
  stepDuration,
} from "../draft";
import { placeOf } from "../errors";
import { ConfirmGate } from "./confirm.svelte";
import type { AppStore } from "./app.svelte";
import type { JobsStore } from "./jobs.svelte";
import type { UiStore } from "./ui.svelte";

/** How long a clipboard read may take before the slot shows "Preparing…". */
export const CLIPBOARD_BUSY_AFTER_MS = 150;

export class CreateStore {
  private app: AppStore;
  private jobs: JobsStore;
  private ui: UiStore;

  modelId = $state("");
  duration = $state(0);
  prompt = $state("");
  image = $state<StartImage | null>(null);
  imageUrl = $state("");
  /** An image is being prepared: the slot says so and Generate waits. */
  imageBusy = $state(false);
  /** The latest clipboard read, while it runs (its turn): Generate waits for it. */
  private reading = $state<number | null>(null);
  /** That read has taken a while (a big screenshot being prepared): the slot says so. */
  private slowRead = $state(false);
  /** Counts paste reads and changes of the start image: a read whose turn has passed (a newer
   * paste, a drop, a removal came after it) answers into nothing. Not shown, so not reactive. */
  private imageTurn = 0;
  sending = $state(false);

  /** The end frame (image-to-video from first to last frame): a picture or a link. */
  endImage = $state<StartImage | null>(null);
  endImageUrl = $state("");
  endBusy = $state(false);
  endImageError = $state<string | null>(null);
  /** The shot's options as the user set them; kept across model switches (only what the model
   * takes is sent, and the rest is named in one line). */
  aspect = $state<string | null>(null);
  negative = $state("");
  seed = $state("");
  /** Locked: the seed stays for the next clip; unlocked, a set seed is rolled anew after each. */
  seedLocked = $state(false);
  takes = $state(1);
  optionsError = $state<string | null>(null);

  promptError = $state<string | null>(null);
  imageError = $state<string | null>(null);
  formError = $state<string | null>(null);
  readonly gate = new ConfirmGate();
  /** The total awaiting a second yes, when it is above the user's threshold. */
  get confirming(): Micros | null {
    return this.gate.total;
  }

  // Getters rather than $derived fields: they read the stores passed to the constructor,
  // and each is cheap (a lookup in a handful of models, one pass over ≤ 4000 characters).
  get model(): ModelInfo | undefined {
    return this.app.model(this.modelId) ?? this.app.models[0];
  }
  get promptChars(): number {
    return promptLength(this.prompt);
  }
  get promptOver(): boolean {
    return this.promptChars > MAX_PROMPT_CHARS;
  }
  /** The exact hold of one take for the current model and duration. */
  get hold(): Micros | null {
    return this.model ? holdMicros(this.model, this.duration) : null;
  }
  /** What Generate holds: one hold per take. */
  get totalHold(): Micros | null {
    return this.hold === null ? null : totalHold(this.hold, this.takes);
  }
  get hasStartImage(): boolean {
    return this.image !== null || this.imageUrl.trim() !== "";
  }
  get wanted(): Wanted {
    return {
      aspect: this.aspect,
      negative: this.negative,
      seed: this.seed,
      endFrame: this.endImage !== null || this.endImageUrl.trim() !== "",
    };
  }
  /** The line saying what the chosen model will not get, or null. */
  get droppedNote(): string | null {
    const m = this.model;
    return m ? droppedSentence(m.name, m.caps, this.wanted, this.hasStartImage) : null;
  }
  /** The slot shows "Preparing…": a file or paste being prepared, or a slow clipboard read. */
  get preparing(): boolean {
    return this.imageBusy || this.slowRead;
  }
  get canGenerate(): boolean {
    return (
      !!this.model &&
      !this.sending &&
      !this.imageBusy &&
      this.reading === null &&
      !this.endBusy &&
      promptProblem(this.prompt) === null &&
      imageUrlProblem(this.imageUrl) === null &&
      imageUrlProblem(this.endImageUrl) === null &&
      seedProblem(this.seed) === null &&
      negativeProblem(this.negative) === null
    );
  }

  constructor(app: AppStore, jobs: JobsStore, ui: UiStore) {
    this.app = app;
    this.jobs = jobs;
    this.ui = ui;
  }

  /** After the catalog loads or changes: keep the choice if it still exists. */
  syncModels() {
    const m = this.app.model(this.modelId) ?? this.app.models[0];
    if (!m) return;
    this.modelId = m.id;
    this.duration = clampDuration(m, this.duration || null);
  }

  /** A fresh catalog from Kyma; the choice and duration are kept where still possible. */
  async refreshCatalog(): Promise<string | null> {
    try {
      this.app.models = await ipc.refreshCatalog();
      this.syncModels();
      return null;
    } catch (e) {
      return (e as AppError).message;
    }
  }

  selectModel(id: string) {
    const m = this.app.model(id);
    if (!m) return;
    this.modelId = id;
    this.duration = clampDuration(m, this.duration || null);
    if (!m.image_input && (this.image || this.imageUrl)) {
      this.imageError = `${m.name} makes clips from text only; the start image will not be sent.`;
    } else {
      this.imageError = null;
    }
  }

  step(dir: -1 | 1) {
    if (this.model) this.duration = stepDuration(this.model, this.duration, dir);
  }

  setPrompt(text: string) {
    this.prompt = text;
    this.promptError = null;
    this.formError = null;
  }

  setImageUrl(url: string) {
    this.imageUrl = url;
    this.imageError = null;
  }

  setImage(image: StartImage) {
    this.endClipboardTurn();
    this.image = image;
    this.imageUrl = "";
    this.imageError = null;
  }

  clearImage() {
    this.endClipboardTurn();
    this.image = null;
    this.imageError = null;
  }

  /** Image commands: any failure is about the image, so it shows on the slot. */
  private async loadImage(work: () => Promise<StartImage | null>) {
    this.imageBusy = true;
    this.imageError = null;
    try {
      const image = await work();
      if (image) this.setImage(image);
    } catch (e) {
      this.imageError = (e as AppError).message;
    } finally {
      this.imageBusy = false;
    }
  }

  pickImage() {
    return this.loadImage(() => ipc.imagePick());
  }

  pasteImage(base64: string, name: string) {
    return this.loadImage(() => ipc.imageFromBytes({ bytes: base64, name }));
  }

  /** A paste that brought no image file: the picture on the OS clipboard becomes the start image.
   * Most such pastes are text (or nothing) outside a text field and answer null at once, so the
   * slot shows nothing unless the read takes a while (a big screenshot being prepared). The
   * latest paste, drop or removal wins: an earlier read still running answers into nothing.
   * Answers whether the slot has something to show: the picture, or why it cannot be used. */
  async pasteFromClipboard(): Promise<boolean> {
    const turn = ++this.imageTurn;
    this.reading = turn;
    this.slowRead = false;
    const slow = setTimeout(() => {
      if (this.reading === turn) this.slowRead = true;
    }, CLIPBOARD_BUSY_AFTER_MS);
    try {
      const image = await ipc.imageFromClipboard();
      if (this.reading !== turn) return false;
      if (image) this.setImage(image);
      return image !== null;
    } catch (e) {
      if (this.reading !== turn) return false;
      this.imageError = (e as AppError).message;
      return true;
    } finally {
      clearTimeout(slow);
      if (this.reading === turn) this.endClipboardTurn();
    }
  }

  /** The clipboard read in flight, if any, is no longer wanted (or has answered). */
  private endClipboardTurn() {
    this.imageTurn++;
    this.reading = null;
    this.slowRead = false;
  }

  /** A dropped picture: into the end-frame slot when it landed there, else the start image. */
  dropped(result: ipc.ImageDropped, onEndSlot = false) {
    if (onEndSlot) {
      if (result.image) this.setEndImage(result.image);
      else if (result.error) this.endImageError = result.error.message;
      return;
    }
    if (result.image) this.setImage(result.image);
    else if (result.error) this.imageError = result.error.message;
  }

  setEndImage(image: StartImage) {
    this.endImage = image;
    this.endImageUrl = "";
    this.endImageError = null;
  }

  setEndImageUrl(url: string) {
    this.endImageUrl = url;
    this.endImageError = null;
  }

  clearEndImage() {
    this.endImage = null;
    this.endImageError = null;
  }

  /** The end slot's own commands (choose, paste there): failures show on the end slot. */
  private async loadEndImage(work: () => Promise<StartImage | null>) {
    this.endBusy = true;
    this.endImageError = null;
    try {
      const image = await work();
      if (image) this.setEndImage(image);
    } catch (e) {
      this.endImageError = (e as AppError).message;
    } finally {
      this.endBusy = false;
    }
  }

  pickEndImage() {
    return this.loadEndImage(() => ipc.imagePick());
  }

  pasteEndImage(base64: string, name: string) {
    return this.loadEndImage(() => ipc.imageFromBytes({ bytes: base64, name }));
  }

  pasteEndFromClipboard() {
    return this.loadEndImage(() => ipc.imageFromClipboard());
  }

  setAspect(aspect: string | null) {
    this.aspect = aspect;
    this.optionsError = null;
  }

  setNegative(text: string) {
    this.negative = text;
    this.optionsError = null;
  }

  setSeed(text: string) {
    this.seed = text;
    this.optionsError = null;
  }

  rollSeed() {
    this.seed = String(randomSeed());
    this.optionsError = null;
  }

  setTakes(n: number) {
    this.takes = clampTakes(n);
  }

  /** "Use these settings": every option of a finished generation back on the panel. */
  restore(r: Restored) {
    const d = r.draft;
    if (this.app.model(d.model)) this.modelId = d.model;
    this.duration = this.model ? clampDuration(this.model, d.duration) : d.duration;
    this.setPrompt(d.prompt);
    this.endClipboardTurn();
    this.image = r.image;
    this.imageUrl = d.image_url ?? "";
    this.imageError = null;
    this.endImage = r.end_image;
    this.endImageUrl = d.end_image_url ?? "";
    this.endImageError = null;
    this.aspect = d.options.aspect;
    this.negative = d.options.negative_prompt ?? "";
    this.seed = d.options.seed === null ? "" : String(d.options.seed);
    this.seedLocked = d.options.seed !== null;
    this.takes = 1;
    this.optionsError = null;
    this.ui.tab = "create";
  }

  draft(): Draft | null {
    const m = this.model;
    if (!m) return null;
    const image = m.image_input ? this.image : null;
    const imageUrl = m.image_input ? this.imageUrl : "";
    const hasStart = image !== null || imageUrl.trim() !== "";
    const end = endFrameApplies(m.caps, hasStart);
    return buildDraft({
      model: m.id,
      prompt: this.prompt,
      duration: this.duration,
      image,
      imageUrl,
      endImage: end ? this.endImage : null,
      endImageUrl: end ? this.endImageUrl : "",
      options: appliedOptions(m.caps, this.wanted, hasStart),
      takes: this.takes,
    });
  }

  /** Generate (button or ⌘/Ctrl+Enter): check, then send or ask once more above the threshold. */
  async requestGenerate() {
    // ⌘/Ctrl+Enter right after a paste or a drop: not before the image is in (the button waits too).
    if (this.sending || this.confirming !== null || this.imageBusy || this.reading !== null) return;
    this.promptError = promptProblem(this.prompt);
    const urlProblem = imageUrlProblem(this.imageUrl);
    if (urlProblem) this.imageError = urlProblem;
    const endProblem = imageUrlProblem(this.endImageUrl);
    if (endProblem) this.endImageError = endProblem.replace("The image link", "The end frame link");
    const optionProblem = seedProblem(this.seed) ?? negativeProblem(this.negative);
    if (optionProblem) this.optionsError = optionProblem;
    const total = this.totalHold;
    if (this.promptError || urlProblem || endProblem || optionProblem || total === null) return;
    await this.gate.ask(total, this.app.settings.confirm_above_micros, () => this.send());
  }

  async confirm() {
    await this.gate.confirm();
  }

  cancelConfirm() {
    this.gate.cancel();
  }

  private async send(draft: Draft | null = this.draft()) {
    if (!draft) return;
    this.sending = true;
    this.formError = null;
    // Cleared before the call: a refusal may arrive as a job-problem event before generate answers.
    if (this.ui.banner) this.ui.banner = null;
    try {
      const made = await ipc.generate({ draft });
      for (const job of made) this.jobs.apply(job);
      // An unlocked seed that was sent is rolled anew, so the next clip differs; a locked one stays.
      if (!this.seedLocked && draft.options.seed !== null) this.rollSeed();
    } catch (e) {
      this.showError(e as AppError, draft);
    } finally {
      this.sending = false;
    }
  }

  private showError(err: AppError, draft: Draft) {
    switch (placeOf(err)) {
      case "prompt":
        this.promptError = err.message;
        break;
      case "image":
        this.imageError = err.message;
        break;
      case "end_image":
        this.endImageError = err.message;
        break;
      case "options":
        this.optionsError = err.message;
        break;
      case "banner":
        // The same draft again, already confirmed: "Retry now" does not ask twice.
        this.ui.showBanner(err, err.action === "retry" ? () => void this.send(draft) : null);
        break;
      default:
        this.formError = err.message;
    }
  }
}
