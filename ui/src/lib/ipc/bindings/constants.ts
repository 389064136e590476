// Generated from Rust by `cargo test` (studio::ipc). Do not edit: the values live in Rust.

import type { ErrorAction } from "./ErrorAction";
import type { ErrorKind } from "./ErrorKind";
import type { Field } from "./Field";
import type { ModelInfo } from "./ModelInfo";
import type { Settings } from "./Settings";

/** Kyma's longest prompt, in characters. */
export const MAX_PROMPT_CHARS = 4000;

/** How many downloads may run at once: the choices Settings offers. */
export const DOWNLOAD_CONCURRENCY = { min: 1, max: 6 } as const;

/** The largest "ask first above" threshold, in micro-dollars. */
export const MAX_CONFIRM_ABOVE_MICROS = 1000000000;

/** A fresh install's settings (the library folder is the platform's, filled in by the core). */
export const DEFAULT_SETTINGS: Settings = {
  "api_base": "https://kymaapi.com/v1",
  "confirm_above_micros": 2000000,
  "daily_cap_micros": null,
  "download_concurrency": 3,
  "image_hosting": {
    "kind": "data_uri"
  },
  "library_dir": ""
};

/** The five models as bundled with the app, before Kyma's live catalog refines them. */
export const BUNDLED_MODELS: ModelInfo[] = [
  {
    "audio": false,
    "best_for": "Budget cinematic clips, b-roll",
    "caps": {
      "aspect_follows_image": true,
      "aspect_param": "aspect_ratio",
      "aspects": [
        "16:9",
        "9:16",
        "1:1"
      ],
      "cfg_scale_param": "cfg_scale",
      "end_image_param": "tail_image_url",
      "negative_prompt_param": "negative_prompt",
      "seed_param": null,
      "source": "bundled table (fal model pages, researched 2026-12)"
    },
    "default_duration": 5,
    "durations": [
      1,
      2,
      3,
      4,
      5,
      6,
      7,
      8,
      9,
      10
    ],
    "id": "kling-2.5-pro",
    "image_input": true,
    "name": "kling-2.5-pro",
    "rate_micros": 94500,
    "resolution": null
  },
  {
    "audio": false,
    "best_for": "Premium cinematic, hero brand video",
    "caps": {
      "aspect_follows_image": true,
      "aspect_param": "aspect_ratio",
      "aspects": [
        "16:9",
        "9:16",
        "1:1"
      ],
      "cfg_scale_param": "cfg_scale",
      "end_image_param": "end_image_url",
      "negative_prompt_param": "negative_prompt",
      "seed_param": null,
      "source": "bundled table (fal model pages, researched 2026-12)"
    },
    "default_duration": 5,
    "durations": [
      1,
      2,
      3,
      4,
      5,
      6,
      7,
      8,
      9,
      10
    ],
    "id": "kling-3-pro",
    "image_input": true,
    "name": "kling-3-pro",
    "rate_micros": 151200,
    "resolution": null
  },
  {
    "audio": true,
    "best_for": "Cinematic with diegetic sound, talking heads",
    "caps": {
      "aspect_follows_image": true,
      "aspect_param": "aspect_ratio",
      "aspects": [
        "16:9",
        "9:16",
        "1:1"
      ],
      "cfg_scale_param": "cfg_scale",
      "end_image_param": "end_image_url",
      "negative_prompt_param": "negative_prompt",
      "seed_param": null,
      "source": "bundled table (fal model pages, researched 2026-12)"
    },
    "default_duration": 5,
    "durations": [
      1,
      2,
      3,
      4,
      5,
      6,
      7,
      8,
      9,
      10
    ],
    "id": "kling-3-pro-audio",
    "image_input": true,
    "name": "kling-3-pro-audio",
    "rate_micros": 226800,
    "resolution": null
  },
  {
    "audio": true,
    "best_for": "Action, multi-shot, social with synced audio",
    "caps": {
      "aspect_follows_image": false,
      "aspect_param": "aspect_ratio",
      "aspects": [
        "auto",
        "21:9",
        "16:9",
        "4:3",
        "1:1",
        "3:4",
        "9:16"
      ],
      "cfg_scale_param": null,
      "end_image_param": "end_image_url",
      "negative_prompt_param": null,
      "seed_param": "seed",
      "source": "bundled table (fal model pages, researched 2026-12)"
    },
    "default_duration": 5,
    "durations": [
      1,
      2,
      3,
      4,
      5,
      6,
      7,
      8,
      9,
      10
    ],
    "id": "seedance-2-pro",
    "image_input": true,
    "name": "seedance-2-pro",
    "rate_micros": 409590,
    "resolution": "720p"
  },
  {
    "audio": true,
    "best_for": "Social shorts, rapid iteration, UI motion",
    "caps": {
      "aspect_follows_image": false,
      "aspect_param": "aspect_ratio",
      "aspects": [
        "auto",
        "21:9",
        "16:9",
        "4:3",
        "1:1",
        "3:4",
        "9:16"
      ],
      "cfg_scale_param": null,
      "end_image_param": "end_image_url",
      "negative_prompt_param": null,
      "seed_param": "seed",
      "source": "bundled table (fal model pages, researched 2026-12)"
    },
    "default_duration": 5,
    "durations": [
      1,
      2,
      3,
      4,
      5,
      6,
      7,
      8,
      9,
      10
    ],
    "id": "seedance-2-fast",
    "image_input": true,
    "name": "seedance-2-fast",
    "rate_micros": 326565,
    "resolution": "720p"
  }
];

/** Every ErrorKind, to recognise one arriving from the core at run time. */
export const ERROR_KINDS: readonly ErrorKind[] = ["invalid_input","unauthorized","insufficient_credit","rejected","not_found","rate_limited","queue_full","server","unreachable","network","protocol","unusable_job_id","unsafe_url","link_expired","too_large","not_video","incomplete","damaged","http","disk","disk_full","library_missing","database","io","newer_library","still_running","engine_stopped","missing_image","no_clip","not_missing","clip_missing","not_a_clip","undo_expired","not_deleted","move_refused","trash_failed","bad_thumbnail","keychain_unavailable","keychain_locked","keychain_failed","bad_endpoint","bad_bucket_name","bad_region","bad_access_key","missing_secret","bad_object_key","bad_link_lifetime","unsupported_method","access_denied","wrong_secret","unknown_access_key","clock_skew","bucket_not_found","wrong_region","bucket_error","timeout","empty","file_too_large","not_an_image","unsupported_format","unsupported_variant","too_many_pixels","too_much_memory","corrupt","output_too_large","convert","clipboard_unreadable","no_key","over_budget","cancelled","invalid_settings","internal"];

export const FIELDS: readonly Field[] = ["prompt","model","duration","image","key","settings","aspect","end_image","negative","seed","takes"];

/** Every ErrorAction (the button that fixes an error). */
export const ERROR_ACTIONS: readonly ErrorAction[] = ["replace_key","add_credit","retry","fix_settings","restart"];

/** The shot's limits: takes at once, the largest seed, "Avoid"'s length, every aspect ratio. */
export const MAX_TAKES = 4;
export const MAX_SEED = 2147483647;
export const MAX_NEGATIVE_CHARS = 2500;
export const ASPECTS: readonly string[] = ["auto","21:9","16:9","4:3","1:1","3:4","9:16"];

/** Boards and batches: the largest daily cap, a batch's most clips, a board's models. */
export const MAX_DAILY_CAP_MICROS = 100000000000;
export const MAX_GROUP = 500;
export const BOARD_MODELS = { min: 2, max: 5 } as const;
