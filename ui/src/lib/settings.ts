// The settings form as the user types it, and the exact Settings it becomes on Save.

import type { ImageHosting, Settings, SettingsSaveArgs } from "./ipc/types";
import { DOWNLOAD_CONCURRENCY, MAX_DAILY_CAP_MICROS } from "./ipc/bindings/constants";
import { parseDollars, toDollarInput } from "./money";

/** The download concurrencies Settings offers: Rust's range. */
export const CONCURRENCY: readonly number[] = Array.from(
  { length: DOWNLOAD_CONCURRENCY.max - DOWNLOAD_CONCURRENCY.min + 1 },
  (_, i) => DOWNLOAD_CONCURRENCY.min + i,
);

export interface SettingsForm {
  api_base: string;
  library_dir: string;
  download_concurrency: number;
  confirm_above: string;
  /** The daily spending cap in dollars; empty means off. */
  daily_cap: string;
  hosting: ImageHosting["kind"];
  s3: { endpoint: string; bucket: string; region: string; access_key_id: string; secret_set: boolean };
  /** Write-only: empty means "leave the stored secret as it is". */
  secret: string;
}

export function toForm(s: Settings): SettingsForm {
  const h = s.image_hosting;
  return {
    api_base: s.api_base,
    library_dir: s.library_dir,
    download_concurrency: s.download_concurrency,
    confirm_above: toDollarInput(s.confirm_above_micros),
    daily_cap: s.daily_cap_micros === null ? "" : toDollarInput(s.daily_cap_micros),
    hosting: h.kind,
    s3:
      h.kind === "s3"
        ? { endpoint: h.endpoint, bucket: h.bucket, region: h.region, access_key_id: h.access_key_id, secret_set: h.secret_set }
        : { endpoint: "", bucket: "", region: "", access_key_id: "", secret_set: false },
    secret: "",
  };
}

export type FormErrors = Partial<Record<"api_base" | "confirm_above" | "daily_cap" | "s3", string>>;

export function fromForm(
  f: SettingsForm,
): ({ ok: true } & SettingsSaveArgs) | { ok: false; errors: FormErrors } {
  const errors: FormErrors = {};
  const base = f.api_base.trim();
  if (!/^https?:\/\/\S+$/i.test(base)) errors.api_base = "Enter an http(s) address, like https://kymaapi.com/v1.";
  const confirm = parseDollars(f.confirm_above);
  if (confirm === null) errors.confirm_above = "Enter an amount in dollars, like 1.50.";
  const capText = f.daily_cap.trim();
  const cap = capText === "" ? null : parseDollars(capText);
  if (capText !== "" && (cap === null || cap <= 0 || cap > MAX_DAILY_CAP_MICROS)) {
    errors.daily_cap = "Enter a daily cap in dollars, like 20, or leave it empty for no cap.";
  }
  let hosting: ImageHosting;
  if (f.hosting === "s3") {
    const s3 = {
      endpoint: f.s3.endpoint.trim(),
      bucket: f.s3.bucket.trim(),
      region: f.s3.region.trim(),
      access_key_id: f.s3.access_key_id.trim(),
    };
    if (!s3.endpoint || !s3.bucket || !s3.access_key_id) {
      errors.s3 = "Fill in the endpoint, bucket and access key id.";
    } else if (!f.s3.secret_set && f.secret.trim() === "") {
      errors.s3 = "Enter the secret access key.";
    }
    hosting = { kind: "s3", ...s3, secret_set: f.s3.secret_set };
  } else {
    hosting = { kind: f.hosting };
  }
  if (Object.keys(errors).length > 0 || confirm === null) return { ok: false, errors };
  const concurrency = Math.min(DOWNLOAD_CONCURRENCY.max, Math.max(DOWNLOAD_CONCURRENCY.min, Math.round(f.download_concurrency)));
  return {
    ok: true,
    settings: {
      api_base: base,
      library_dir: f.library_dir.trim(),
      download_concurrency: concurrency,
      confirm_above_micros: confirm,
      image_hosting: hosting,
      daily_cap_micros: cap,
    },
    bucket_secret: f.hosting === "s3" && f.secret.trim() !== "" ? f.secret.trim() : null,
  };
}
