// A batch before it is sent: its rows (pictures staged one by one, each with its own error, or
// prompts parsed from pasted lines or a .txt/.csv file by the core), the total, one
// confirmation, and the one call that records the whole batch or nothing.

import * as ipc from "../ipc";
import type { AppError, Draft, Micros, StartImage } from "../ipc";
import { buildDraft, promptProblem } from "../draft";
import { ConfirmGate } from "./confirm.svelte";
import { appliedOptions } from "../shot";
import { placeOf } from "../errors";
import { MAX_GROUP } from "../ipc/bindings/constants";
import type { AppStore } from "./app.svelte";
import type { CreateStore } from "./create.svelte";
import type { GroupsStore } from "./groups.svelte";
import type { UiStore } from "./ui.svelte";

export type BatchSource = "images" | "prompts";

/** One picture of an images batch. */
export interface PictureRow {
  key: string;
  name: string;
  path: string | null;
  image: StartImage | null;
  staging: boolean;
  error: string | null;
}

/** One prompt of a prompts batch, as the core parsed it (model, duration, aspect optional). */
export interface PromptRow {
  line: number;
  prompt: string;
  model: string | null;
  duration: number | null;
  aspect: string | null;
}

/** How many pictures are prepared at once (each decodes and resizes on a core thread). */
const STAGING_AT_ONCE = 2;

function baseName(path: string): string {
  return path.split(/[\\/]/).pop() ?? path;
}

let keys = 0;

export class BatchStore {
  source = $state<BatchSource>("images");
  pictures = $state<PictureRow[]>([]);
  promptsText = $state("");
  prompts = $state<PromptRow[]>([]);
  parseError = $state<string | null>(null);
  /** Files that were dropped with the pictures but are not pictures. */
  skipped = $state(0);
  sending = $state(false);
  error = $state<string | null>(null);
  readonly gate = new ConfirmGate();
  /** The total awaiting a second yes, when it is above the user's threshold. */
  get confirming(): Micros | null {
    return this.gate.total;
  }

  private queue: PictureRow[] = [];
  private inFlight = 0;
  private parseSeq = 0;

  constructor(
    private app: AppStore,
    private create: CreateStore,
    private groups: GroupsStore,
    private ui: UiStore,
  ) {}

  /** The pictures ready to go (staged, without error). */
  get readyPictures(): PictureRow[] {
    return this.pictures.filter((p) => p.image !== null && p.error === null);
  }

  get staging(): boolean {
    return this.pictures.some((p) => p.staging);
  }

  /** Pictures by path (a drop, the picker): each gets a row now and is prepared in turn. */
  addPaths(paths: string[], skipped = 0) {
    this.source = "images";
    this.error = null;
    this.skipped += skipped;
    for (const path of paths) {
      const row: PictureRow = { key: `p${keys++}`, name: baseName(path), path, image: null, staging: true, error: null };
      this.pictures.push(row);
      this.queue.push(row);
    }
    this.pump();
  }

  /** A picture already staged (a single drop or paste while the batch is open). */
  addStaged(image: StartImage) {
    this.source = "images";
    this.pictures.push({ key: `p${keys++}`, name: image.source_name, path: null, image, staging: false, error: null });
  }

  async pick() {
    try {
      const paths = await ipc.imagesPickMany();
      if (paths.length > 0) this.addPaths(paths);
    } catch (e) {
      this.error = (e as AppError).message;
    }
  }

  private pump() {
    while (this.inFlight < STAGING_AT_ONCE && this.queue.length > 0) {
      const next = this.queue.shift()!;
      this.inFlight++;
      void this.stage(next).finally(() => {
        this.inFlight--;
        this.pump();
      });
    }
  }

  private async stage(row: PictureRow) {
    const live = () => this.pictures.find((p) => p.key === row.key);
    try {
      const image = await ipc.imageFromPath({ path: row.path ?? "" });
      const r = live();
      if (r) Object.assign(r, { image, staging: false });
    } catch (e) {
      const r = live();
      if (r) Object.assign(r, { error: (e as AppError).message, staging: false });
    }
  }

  remove(key: string) {
    this.pictures = this.pictures.filter((p) => p.key !== key);
    this.queue = this.queue.filter((p) => p.key !== key);
  }

  clear() {
    this.pictures = [];
    this.queue = [];
    this.skipped = 0;
    this.promptsText = "";
    this.prompts = [];
    this.parseError = null;
    this.error = null;
  }

  /** Pasted or typed prompts: parsed by the core (one per line; a CSV with a header). */
  async setPromptsText(text: string, fileName: string | null = null) {
    this.source = "prompts";
    this.promptsText = text;
    this.error = null;
    const mine = ++this.parseSeq;
    if (text.trim() === "") {
      this.prompts = [];
      this.parseError = null;
      return;
    }
    try {
      const rows = await ipc.promptsParse({ text, file_name: fileName });
      if (mine !== this.parseSeq) return;
      this.prompts = rows;
      this.parseError = null;
    } catch (e) {
      if (mine !== this.parseSeq) return;
      this.prompts = [];
      this.parseError = (e as AppError).message;
    }
  }

  /** A .txt or .csv chosen with the file picker. */
  async openPromptsFile() {
    try {
      const picked = await ipc.promptsPick();
      if (picked) await this.setPromptsText(picked.text, picked.name);
    } catch (e) {
      this.parseError = (e as AppError).message;
    }
  }

  /** The drafts this batch sends, one per row (each one take), or the sentence saying why not. */
  drafts(): { drafts: Draft[] } | { problem: string } {
    const m = this.create.model;
    if (!m) return { problem: "Choose a model first." };
    const options = (hasStart: boolean) => appliedOptions(m.caps, this.create.wanted, hasStart);
    let drafts: Draft[];
    if (this.source === "images") {
      const prompt = this.create.prompt;
      const problem = promptProblem(prompt);
      if (problem) return { problem: `${problem} It goes with every picture.` };
      if (this.staging) return { problem: "Wait until every picture is prepared." };
      drafts = this.readyPictures.map((p) =>
        buildDraft({ model: m.id, prompt, duration: this.create.duration, image: p.image, imageUrl: "", options: options(true) }),
      );
      if (drafts.length === 0) return { problem: "Add pictures: drop them (or a folder) on the window, or choose them." };
    } else {
      if (this.parseError) return { problem: this.parseError };
      drafts = this.prompts.map((r) => {
        const model = r.model ?? m.id;
        const caps = this.app.models.find((x) => x.id === model)?.caps ?? m.caps;
        const o = r.model ? appliedOptions(caps, { ...this.create.wanted, aspect: null }, false) : options(false);
        return buildDraft({
          model,
          prompt: r.prompt,
          duration: r.duration ?? this.create.duration,
          image: null,
          imageUrl: "",
          options: { ...o, aspect: r.aspect ?? o.aspect },
        });
      });
      if (drafts.length === 0) return { problem: "Paste prompts, one per line, or open a .txt or .csv file." };
    }
    if (drafts.length > MAX_GROUP) return { problem: `A batch makes at most ${MAX_GROUP} clips at once; this one has ${drafts.length}. Split it.` };
    return { drafts };
  }

  /** What the batch holds in all (null while it cannot be sent). */
  get total(): number | null {
    const d = this.drafts();
    if ("problem" in d) return null;
    let sum = 0;
    for (const x of d.drafts) {
      const rate = this.app.models.find((m) => m.id === x.model)?.rate_micros;
      if (rate === undefined) return null;
      sum += rate * x.duration;
    }
    return sum;
  }

  get count(): number {
    const d = this.drafts();
    return "drafts" in d ? d.drafts.length : 0;
  }

  async requestMake() {
    if (this.sending || this.confirming !== null) return;
    const d = this.drafts();
    if ("problem" in d) {
      this.error = d.problem;
      return;
    }
    const total = this.total;
    if (total === null) return;
    this.error = null;
    await this.gate.ask(total, this.app.settings.confirm_above_micros, async () => {
      // The rows as they are at the second yes.
      const now = this.drafts();
      if ("drafts" in now) await this.make(now.drafts);
    });
  }

  async confirm() {
    await this.gate.confirm();
  }

  cancelConfirm() {
    this.gate.cancel();
  }

  private async make(drafts: Draft[]) {
    this.sending = true;
    if (this.ui.banner) this.ui.banner = null;
    try {
      const title = this.source === "images" ? `${drafts.length} pictures · ${this.create.prompt.trim()}` : `${drafts.length} prompts`;
      const view = await ipc.groupMake({ group: { kind: "batch", title, drafts } });
      this.groups.put(view);
      this.clear();
      return view;
    } catch (e) {
      const err = e as AppError;
      if (placeOf(err) === "banner") this.ui.showBanner(err);
      else this.error = err.message;
    } finally {
      this.sending = false;
    }
  }
}
