// The IPC contract, mirrored from the Rust side. To be replaced by ts-rs generated files with
// the same names and shapes; keep every contract type in this one file until then.

/** Integer micro-dollars: 1 USD = 1_000_000. Never use floats for money except to format. */
export type Micros = number;

export type JobStatus =
  | "queued"
  | "pending"
  | "processing"
  | "downloading"
  | "succeeded"
  | "failed"
  | "refunded"
  | "expired"
  | "rejected";

export interface ModelInfo {
  id: string;
  name: string;
  best_for: string;
  rate_micros: Micros;
  audio: boolean;
  resolution: string | null;
  image_input: boolean;
  durations: number[];
  default_duration: number;
}

export interface KeyStatus {
  state: "keychain" | "session" | "none";
  masked: string | null;
  keychain_available: boolean;
  keychain_message: string | null;
}

export type ImageHosting =
  | { kind: "data_uri" }
  | {
      kind: "s3";
      endpoint: string;
      bucket: string;
      region: string;
      access_key_id: string;
      secret_set: boolean;
    }
  | { kind: "public_url" };

export interface Settings {
  api_base: string;
  library_dir: string;
  download_concurrency: number;
  confirm_above_micros: Micros;
  image_hosting: ImageHosting;
}

export interface StartImage {
  id: string;
  width: number;
  height: number;
  source_width: number;
  source_height: number;
  source_name: string;
  /** data:image/jpeg;base64 thumbnail */
  preview: string;
}

export interface Job {
  id: number;
  kyma_id: string | null;
  status: JobStatus;
  remote_status: string | null;
  model: string;
  prompt: string;
  duration_s: number;
  image_preview: string | null;
  image_size: [number, number] | null;
  hold_micros: Micros;
  charged_micros: Micros | null;
  refunded_micros: Micros | null;
  error_kind: string | null;
  error_message: string | null;
  /** http://127.0.0.1:PORT/<secret>/clips/<file>, playable in <video> */
  clip_url: string | null;
  clip_path: string | null;
  bytes_done: number | null;
  bytes_total: number | null;
  /** RFC3339 UTC */
  created_at: string;
  submitted_at: string | null;
  completed_at: string | null;
  overdue: boolean;
}

export interface AppState {
  key: KeyStatus;
  settings: Settings;
  models: ModelInfo[];
  jobs: Job[];
  demo: boolean;
  version: string;
}

export interface AppError {
  kind: string;
  /** A sentence for the user; show it as is. */
  message: string;
  action: "replace_key" | "add_credit" | "retry" | "fix_settings" | null;
  link: string | null;
}

export interface Draft {
  model: string;
  prompt: string;
  duration: number;
  image_id: string | null;
  image_url: string | null;
}

export interface JobProgress {
  id: number;
  bytes_done: number;
  bytes_total: number | null;
}

export interface JobProblem {
  id: number;
  error: AppError;
}
