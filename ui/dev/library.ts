// KYMA_STUDIO_DEV_MOCK — the mock's library: a deterministic synthetic history of generations
// (10,000 by default, ?n= to change) plus the mock's live jobs, answering the gallery, details,
// spend and clip commands the way the Rust core does, in memory. Dev and screenshots only.

import type {
  Bucket,
  GalleryDetails,
  GalleryItem,
  GalleryPage,
  Job,
  ModelInfo,
  ModelSpend,
  Query,
  Spend,
  SpendQuery,
} from "../src/lib/ipc/types";

/** A generation as the library stores it (the mock's stand-in for the SQLite row). */
export interface Row {
  id: number;
  status: GalleryItem["status"];
  model: string;
  prompt: string;
  words: string[];
  duration_s: number;
  audio: boolean;
  image_size: [number, number] | null;
  hold_micros: number;
  charged_micros: number | null;
  refunded_micros: number | null;
  created: number;
  favourite: boolean;
  missing: boolean;
  error_message: string | null;
  /** The core has a poster for it; otherwise the window draws one (thumb_put). */
  poster: "svg" | "none";
  deleted: number | null;
  forgotten: boolean;
}

// mulberry32: small, fast, and the same library on every load.
function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SHOTS = ["Slow dolly shot of", "Aerial drone shot over", "Handheld close-up of", "Timelapse of", "Macro shot of", "Tracking shot following", "Static wide shot of", "Low angle shot of", "Orbiting shot around", "Crane shot rising above"];
const SUBJECTS = ["a lone kayak on a mountain lake", "a red train crossing a snowy pass", "an old lighthouse in a storm", "a paper boat racing down a gutter", "two astronauts arguing about coffee", "a rain-soaked neon alley", "a fox trotting through fresh snow", "a hummingbird at a honeysuckle", "espresso pouring into a glass cup", "a city skyline at dusk", "waves folding over black sand", "a vintage car on a desert highway", "lanterns drifting over a river", "a cat asleep on a sunny windowsill", "a glassblower shaping molten glass", "cherry blossoms falling in a temple courtyard", "a skateboarder in an empty pool", "a whale breaching at sunrise", "a market street in Marrakech", "a robot watering tomato plants"];
const MOODS = ["golden hour light", "heavy rain and reflections", "northern lights overhead", "soft morning mist", "warm tungsten practicals", "blue hour", "harsh midday sun", "flickering candlelight", "thick fog", "a thunderstorm rolling in"];
const STYLES = ["cinematic, 35mm, shallow depth of field", "anamorphic lens flares", "soft pastel palette", "film grain, 16mm", "documentary handheld style", "hyperreal, 8k detail", "stop-motion feel", "moody teal and orange grade", "black and white, high contrast", "dreamy slow motion"];
const FAILURES = [
  "The provider failed to render this clip; the hold was refunded in full.",
  "Kyma's safety filter declined the prompt; nothing was charged.",
  "The clip was not ready within Kyma's time limit and expired; the hold was refunded.",
  "The start image was rejected by the model (faces of real people are not allowed).",
];

export function synthesize(n: number, models: ModelInfo[], newest: number): Row[] {
  const r = rng(0x6b796d61);
  const pick = <T>(list: readonly T[]) => list[Math.floor(r() * list.length)];
  const rows: Row[] = [];
  let t = newest;
  for (let k = 0; k < n; k++) {
    const id = 100 + n - 1 - k;
    t -= Math.floor(r() * r() * 170 * 60_000) + 60_000;
    const model = pick(models);
    const i2v = model.image_input && r() < 0.42;
    const portrait = i2v && r() < 0.28;
    const square = i2v && !portrait && r() < 0.12;
    const duration = pick(model.durations);
    const hold = model.rate_micros * duration;
    const roll = r();
    let status: Row["status"] = "succeeded";
    let failure: string | null = null;
    if (roll < 0.055) {
      status = "refunded";
      failure = FAILURES[0];
    } else if (roll < 0.075) {
      status = "failed";
      failure = FAILURES[1];
    } else if (roll < 0.085) {
      status = "expired";
      failure = FAILURES[2];
    } else if (roll < 0.09) {
      status = i2v ? "rejected" : "failed";
      failure = i2v ? FAILURES[3] : FAILURES[1];
    }
    const ok = status === "succeeded";
    const refunded = status === "refunded" || status === "expired" || status === "failed";
    const prompt = `${pick(SHOTS)} ${pick(SUBJECTS)}, ${pick(MOODS)}, ${pick(STYLES)}`;
    rows.push({
      id,
      status,
      model: model.id,
      prompt,
      words: prompt.toLowerCase().split(/[^a-z0-9]+/).filter(Boolean),
      duration_s: duration,
      audio: model.audio && r() < 0.85,
      image_size: i2v ? (portrait ? [900, 1600] : square ? [1024, 1024] : [1600, 900]) : null,
      hold_micros: hold,
      charged_micros: ok ? hold : null,
      refunded_micros: refunded ? hold : null,
      created: t,
      favourite: ok && r() < 0.07,
      missing: ok && r() < 0.02,
      error_message: failure,
      poster: ok && id % 9 === 4 ? "none" : "svg",
      deleted: null,
      forgotten: false,
    });
  }
  return rows;
}

/** The mock's live jobs (the queue) as library rows, newest first. */
export function jobRow(j: Job, models: ModelInfo[]): Row {
  const model = models.find((m) => m.id === j.model);
  return {
    id: j.id,
    status: j.status,
    model: j.model,
    prompt: j.prompt,
    words: j.prompt.toLowerCase().split(/[^a-z0-9]+/).filter(Boolean),
    duration_s: j.duration_s,
    audio: model?.audio ?? false,
    image_size: j.image_size,
    hold_micros: j.hold_micros,
    charged_micros: j.charged_micros,
    refunded_micros: j.refunded_micros,
    created: Date.parse(j.created_at),
    favourite: false,
    missing: false,
    error_message: j.error_message,
    poster: j.clip_url ? "none" : "svg",
    deleted: null,
    forgotten: false,
  };
}

/** A small gradient poster with a horizon and a sun: enough to read as a frame, a few hundred bytes. */
function poster(row: Row): string {
  const h1 = (row.id * 47) % 360;
  const h2 = (h1 + 40 + (row.id % 90)) % 360;
  const [w, h] = row.image_size && row.image_size[1] > row.image_size[0] ? [90, 160] : row.image_size && row.image_size[0] === row.image_size[1] ? [120, 120] : [160, 90];
  const horizon = Math.round(h * (0.55 + ((row.id % 7) - 3) * 0.04));
  const sx = Math.round(w * (0.2 + ((row.id * 13) % 60) / 100));
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}">` +
    `<defs><linearGradient id="s" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="hsl(${h1},55%,22%)"/><stop offset="1" stop-color="hsl(${h2},70%,62%)"/></linearGradient></defs>` +
    `<rect width="${w}" height="${h}" fill="url(#s)"/>` +
    `<circle cx="${sx}" cy="${horizon - 14}" r="${Math.round(Math.min(w, h) * 0.12)}" fill="hsl(${(h2 + 30) % 360},90%,80%)" opacity=".85"/>` +
    `<path d="M0 ${horizon} L${Math.round(w * 0.3)} ${horizon - 10} L${Math.round(w * 0.55)} ${horizon - 3} L${Math.round(w * 0.8)} ${horizon - 16} L${w} ${horizon - 6} V${h} H0Z" fill="hsl(${h1},40%,12%)"/>` +
    `</svg>`;
  return `data:image/svg+xml,${encodeURIComponent(svg)}`;
}

export class MockLibrary {
  rows: Row[];
  /** Posters the window drew and handed over with thumb_put. */
  thumbs = new Map<number, string>();
  private byId = new Map<number, Row>();

  constructor(
    synthetic: Row[],
    private models: ModelInfo[],
    private clipUrl: string,
    private stills: string[],
  ) {
    this.rows = synthetic;
    for (const r of synthetic) this.byId.set(r.id, r);
  }

  /** Keeps the live jobs' rows in step with the queue. */
  syncJobs(jobs: Job[]) {
    const live = new Set(jobs.map((j) => j.id));
    this.rows = this.rows.filter((r) => !(r.id < 100 && !live.has(r.id)));
    for (const j of jobs) {
      const old = this.byId.get(j.id);
      const row = { ...jobRow(j, this.models), favourite: old?.favourite ?? false, deleted: old?.deleted ?? null, forgotten: old?.forgotten ?? false };
      if (old) this.rows[this.rows.indexOf(old)] = row;
      else this.rows.push(row);
      this.byId.set(j.id, row);
    }
    this.rows.sort((a, b) => b.created - a.created || b.id - a.id);
  }

  get(id: number): Row | undefined {
    const r = this.byId.get(id);
    return r && !r.forgotten ? r : undefined;
  }

  item(r: Row): GalleryItem {
    const hasClip = r.status === "succeeded" && !r.missing;
    const thumb = this.thumbs.get(r.id) ?? (r.poster === "svg" ? poster(r) : `/__mock/thumb/${r.id}.jpg`);
    return {
      thumb_url: thumb,
      clip_url: hasClip ? this.clipUrl : null,
      id: r.id,
      status: r.status,
      model: r.model,
      prompt: r.prompt.slice(0, 280),
      duration_s: r.duration_s,
      audio: r.audio,
      kind: r.image_size ? "i2v" : "t2v",
      image_size: r.image_size,
      hold_micros: r.hold_micros,
      charged_micros: r.charged_micros,
      refunded_micros: r.refunded_micros,
      created_at: new Date(r.created).toISOString(),
      favourite: r.favourite,
      missing: r.missing && r.deleted === null && !r.forgotten,
      error_message: r.error_message,
      removed: r.forgotten ? "forgotten" : r.deleted !== null ? "trashed" : null,
    };
  }

  query(q: Query): GalleryPage {
    const words = q.text.toLowerCase().split(/[^a-z0-9]+/).filter(Boolean);
    const from = q.from ? Date.parse(q.from) : -Infinity;
    const to = q.to ? Date.parse(q.to) : Infinity;
    const models = new Set(q.models);
    const running = new Set(["queued", "pending", "processing", "downloading"]);
    const rows = this.rows.filter((r) => {
      if (!q.include_removed && (r.deleted !== null || r.forgotten)) return false;
      if (r.created < from || r.created >= to) return false;
      if (models.size > 0 && !models.has(r.model)) return false;
      if (q.audio !== null && r.audio !== q.audio) return false;
      if (q.kind !== null && (r.image_size ? "i2v" : "t2v") !== q.kind) return false;
      if (q.favourites && !r.favourite) return false;
      switch (q.status) {
        case "clips":
          if (r.status !== "succeeded") return false;
          break;
        case "failed":
          if (r.status === "succeeded" || running.has(r.status)) return false;
          break;
        case "running":
          if (!running.has(r.status)) return false;
          break;
        case "missing":
          if (!r.missing) return false;
          break;
      }
      // FTS5-like: every typed word is a prefix of some word of the prompt.
      return words.every((w) => r.words.some((x) => x.startsWith(w)));
    });
    const key = (r: Row) => (q.sort === "cost" ? (r.charged_micros ?? 0) : q.sort === "duration" ? r.duration_s : r.created);
    rows.sort((a, b) => {
      const d = key(a) - key(b) || a.created - b.created || a.id - b.id;
      return q.ascending ? d : -d;
    });
    return { total: rows.length, offset: q.offset, items: rows.slice(q.offset, q.offset + Math.min(500, q.limit)).map((r) => this.item(r)) };
  }

  details(id: number, jobs: Job[]): GalleryDetails | null {
    const r = this.get(id);
    if (!r) return null;
    const item = this.item(r);
    const model = this.models.find((m) => m.id === r.model);
    const live = jobs.find((j) => j.id === id);
    const height = model?.resolution === "1080p" ? 1080 : model?.resolution === "720p" ? 720 : model?.resolution === "768p" ? 768 : 480;
    const size: [number, number] | null =
      r.status !== "succeeded"
        ? null
        : r.image_size
          ? r.image_size[1] > r.image_size[0]
            ? [height, Math.round((height * r.image_size[1]) / r.image_size[0])]
            : [Math.round((height * r.image_size[0]) / r.image_size[1]), height]
          : [Math.round((height * 16) / 9), height];
    const job: Job = live ?? {
      id: r.id,
      kyma_id: `vid_${(0x5f3a10 + r.id * 7919).toString(16)}`,
      status: r.status,
      remote_status: null,
      model: r.model,
      prompt: r.prompt,
      duration_s: r.duration_s,
      image_preview: r.image_size ? this.stills[r.id % this.stills.length] : null,
      image_size: r.image_size,
      hold_micros: r.hold_micros,
      charged_micros: r.charged_micros,
      refunded_micros: r.refunded_micros,
      error_kind: r.error_message ? "provider_failed" : null,
      error_message: r.error_message,
      clip_url: item.clip_url,
      clip_path: r.status === "succeeded" ? `/home/ana/Videos/Kyma Studio/${String(r.id).padStart(5, "0")}-${r.model}.mp4` : null,
      bytes_done: null,
      bytes_total: null,
      created_at: item.created_at,
      submitted_at: new Date(r.created + 2000).toISOString(),
      completed_at: new Date(r.created + 60_000 + r.duration_s * 9000).toISOString(),
      overdue: false,
    };
    return {
      job,
      item,
      resolution: model?.resolution ?? null,
      video_size: size,
      clip_bytes: r.status === "succeeded" && !r.missing ? Math.round(r.duration_s * 2.3 * 1024 * 1024 + (r.id % 97) * 4099) : null,
      image_source: r.image_size ? ["lake-at-dawn.jpg", "neon-alley.png", "https://images.example.com/boat.jpg"][r.id % 3] : null,
      downloaded_at: job.completed_at,
    };
  }

  spend(q: SpendQuery): Spend {
    const offset = q.utc_offset_minutes * 60_000;
    const since = q.since === null ? -Infinity : /^\d{4}-\d{2}-\d{2}$/.test(q.since) ? Date.parse(`${q.since}T00:00:00Z`) - offset : Date.parse(q.since);
    const localDay = (ms: number) => new Date(ms + offset).toISOString().slice(0, 10);
    const start = (ms: number): string => {
      const d = new Date(ms + offset);
      if (q.period === "month") return `${d.toISOString().slice(0, 7)}-01`;
      if (q.period === "week") {
        const back = (d.getUTCDay() + 6) % 7; // Monday starts the week
        return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() - back)).toISOString().slice(0, 10);
      }
      return localDay(ms);
    };
    const total = { charged: 0, refunded: 0, held: 0, clips: 0, refunds: 0 };
    const perModel = new Map<string, ModelSpend>();
    const buckets = new Map<string, Map<string, ModelSpend>>();
    const running = new Set(["pending", "processing", "downloading"]);
    for (const r of this.rows) {
      if (running.has(r.status)) total.held += r.hold_micros - (r.charged_micros ?? 0);
      if (r.created < since) continue;
      const charged = r.charged_micros ?? 0;
      const refunded = r.refunded_micros ?? 0;
      if (!charged && !refunded) continue;
      const m = perModel.get(r.model) ?? { model: r.model, charged_micros: 0, refunded_micros: 0, clips: 0, refunds: 0 };
      m.charged_micros += charged;
      m.refunded_micros += refunded;
      if (charged) m.clips++;
      if (refunded) m.refunds++;
      perModel.set(r.model, m);
      total.charged += charged;
      total.refunded += refunded;
      if (charged) total.clips++;
      if (refunded) total.refunds++;
      if (charged) {
        const b = buckets.get(start(r.created)) ?? new Map<string, ModelSpend>();
        const bm = b.get(r.model) ?? { model: r.model, charged_micros: 0, refunded_micros: 0, clips: 0, refunds: 0 };
        bm.charged_micros += charged;
        bm.clips++;
        b.set(r.model, bm);
        buckets.set(start(r.created), b);
      }
    }
    const list: Bucket[] = [...buckets.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([s, models]) => {
        const ms = [...models.values()].sort((a, b) => a.model.localeCompare(b.model));
        return { start: s, charged_micros: ms.reduce((x, m) => x + m.charged_micros, 0), models: ms };
      });
    return {
      since: q.since,
      charged_micros: total.charged,
      refunded_micros: total.refunded,
      held_micros: total.held,
      clips: total.clips,
      refunds: total.refunds,
      per_model: [...perModel.values()].sort((a, b) => a.model.localeCompare(b.model)),
      buckets: list,
    };
  }
}
