// Small builders for contract values; each test states only the fields it cares about.

import type { AppState, GalleryItem, Job, ModelInfo, Query, StartImage } from "../src/lib/ipc/types";
import { BUNDLED_MODELS } from "../src/lib/ipc/bindings/constants";

const NO_OPTIONS: ModelInfo["caps"] = {
  aspects: [],
  aspect_follows_image: false,
  aspect_param: null,
  end_image_param: null,
  negative_prompt_param: null,
  cfg_scale_param: null,
  seed_param: null,
  source: "unknown model: no options",
};

export function model(patch: Partial<ModelInfo> = {}): ModelInfo {
  return {
    id: "kling-3-pro",
    name: "Kling 3 Pro",
    best_for: "Premium cinematic motion",
    rate_micros: 151_200,
    audio: true,
    resolution: "1080p",
    image_input: true,
    durations: [5, 10],
    default_duration: 5,
    // The options table as Rust bundles it for the model (generated into constants.ts); a model
    // the table does not know takes no options.
    caps: BUNDLED_MODELS.find((m) => m.id === (patch.id ?? "kling-3-pro"))?.caps ?? NO_OPTIONS,
    ...patch,
  };
}

export function image(patch: Partial<StartImage> = {}): StartImage {
  return {
    id: "img_1",
    width: 1600,
    height: 900,
    source_width: 4032,
    source_height: 2268,
    source_name: "lake.jpg",
    preview: "data:image/jpeg;base64,AAAA",
    ...patch,
  };
}

export function job(id: number, patch: Partial<Job> = {}): Job {
  return {
    id,
    kyma_id: null,
    status: "queued",
    remote_status: null,
    model: "kling-3-pro",
    prompt: `prompt ${id}`,
    duration_s: 5,
    image_preview: null,
    image_size: null,
    hold_micros: 756_000,
    charged_micros: null,
    refunded_micros: null,
    error_kind: null,
    error_message: null,
    clip_url: null,
    clip_path: null,
    bytes_done: null,
    bytes_total: null,
    created_at: new Date(Date.UTC(2026, 0, 1, 12, 0, id)).toISOString(),
    submitted_at: null,
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

export function appState(patch: Partial<AppState> = {}): AppState {
  return {
    key: { state: "keychain", masked: "ky-…abcd", keychain_available: true, keychain_message: null },
    settings: {
      api_base: "https://kymaapi.com/v1",
      library_dir: "/tmp/clips",
      download_concurrency: 2,
      confirm_above_micros: 1_000_000,
      image_hosting: { kind: "data_uri" },
      daily_cap_micros: null,
    },
    models: [
      model(),
      model({ id: "veo-3-fast", name: "Veo 3 Fast", rate_micros: 400_000, durations: [4, 6, 8], default_duration: 8 }),
      model({ id: "wan", name: "Wan", rate_micros: 50_000, image_input: false }),
    ],
    jobs: [],
    demo: false,
    version: "0.1.0",
    ...patch,
  };
}

export function item(id: number, patch: Partial<GalleryItem> = {}): GalleryItem {
  return {
    thumb_url: `http://127.0.0.1:1/s/thumb/${id}`,
    clip_url: null,
    id,
    status: "succeeded",
    model: "kling-3-pro",
    prompt: `prompt ${id}`,
    duration_s: 5,
    audio: true,
    kind: "t2v",
    image_size: null,
    frame: null,
    shape: "landscape",
    hold_micros: 756_000,
    charged_micros: null,
    refunded_micros: null,
    created_at: new Date(Date.UTC(2026, 0, 1, 12, 0, 0) - id * 60_000).toISOString(),
    favourite: false,
    missing: false,
    away: false,
    error_message: null,
    removed: null,
    mark: null,
    group_id: null,
    ...patch,
  };
}

/** A library of `total` synthetic items answering gallery_query by offset, like the core. */
export function library(total: number) {
  return (args: Record<string, unknown>) => {
    const q = args.query as Query;
    const end = Math.min(total, q.offset + q.limit);
    const items: GalleryItem[] = [];
    for (let i = q.offset; i < end; i++) items.push(item(i + 1, { clip_url: `http://127.0.0.1:1/s/clip/${i + 1}`, charged_micros: 756_000 }));
    return { total, offset: q.offset, items };
  };
}
