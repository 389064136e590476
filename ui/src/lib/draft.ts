// The rules of the create form, kept pure so they can be tested without a window:
// prompt limits, allowed durations, the hold a generation will place, and the Draft sent to Rust.

import { MAX_PROMPT_CHARS } from "./ipc/bindings/constants";
import type { Draft, Micros, ModelInfo, ShotOptions, StartImage } from "./ipc/types";

/** Kyma accepts at most this many characters (Unicode scalar values, as Rust counts them). */
export { MAX_PROMPT_CHARS };

/** Characters as Rust's `str::chars().count()` sees them, so both sides agree on the limit. */
export function promptLength(prompt: string): number {
  let n = 0;
  for (const _ of prompt) n++;
  return n;
}

/** Why the prompt cannot be sent as is, or null when it can. */
export function promptProblem(prompt: string): string | null {
  // Only spaces, line breaks or invisible control characters is empty (as the core decides).
  if (/^[\s\p{Cc}]*$/u.test(prompt)) return "Write a prompt: it cannot be empty.";
  const n = promptLength(prompt);
  if (n > MAX_PROMPT_CHARS) {
    return `The prompt is ${n} characters long; Kyma accepts at most ${MAX_PROMPT_CHARS}. Shorten it by ${n - MAX_PROMPT_CHARS}.`;
  }
  return null;
}

export function allowedDurations(model: ModelInfo): number[] {
  const list = model.durations.length > 0 ? model.durations : [model.default_duration];
  return [...new Set(list)].sort((a, b) => a - b);
}

/**
 * The duration to keep when the model changes: the current one if the model allows it, otherwise
 * the nearest it allows (the shorter one on a tie, so the hold never grows by surprise).
 */
export function clampDuration(model: ModelInfo, current: number | null): number {
  const allowed = allowedDurations(model);
  if (current === null || !Number.isFinite(current)) {
    return allowed.includes(model.default_duration) ? model.default_duration : allowed[0];
  }
  if (allowed.includes(current)) return current;
  let best = allowed[0];
  for (const d of allowed) {
    if (Math.abs(d - current) < Math.abs(best - current)) best = d;
  }
  return best;
}

/** One step along the model's durations (◀ is -1, ▶ is +1), stopping at the ends. */
export function stepDuration(model: ModelInfo, current: number, step: -1 | 1): number {
  const allowed = allowedDurations(model);
  const i = allowed.indexOf(clampDuration(model, current));
  return allowed[Math.min(allowed.length - 1, Math.max(0, i + step))];
}

/** The hold Kyma places for a clip: rate × seconds, exact. */
export function holdMicros(model: ModelInfo, duration: number): Micros {
  return model.rate_micros * duration;
}

/** Above the user's threshold, Generate asks once more with the amount. */
export function needsConfirm(hold: Micros, confirmAboveMicros: Micros): boolean {
  return hold > confirmAboveMicros;
}

/** The image link is optional; when given it must be https (Rust checks again). */
export function imageUrlProblem(url: string): string | null {
  const u = url.trim();
  if (u === "") return null;
  if (!/^https:\/\/[^\s/]+\.[^\s]+$/i.test(u)) {
    return "The image link must be an https:// address, like https://example.com/still.jpg.";
  }
  return null;
}

/** Exactly the fields of the contract's Draft; a picture wins over a link, for each frame. */
export function buildDraft(input: {
  model: string;
  prompt: string;
  duration: number;
  image: StartImage | null;
  imageUrl: string;
  endImage?: StartImage | null;
  endImageUrl?: string;
  options?: ShotOptions;
  takes?: number;
}): Draft {
  const url = input.imageUrl.trim();
  const endUrl = (input.endImageUrl ?? "").trim();
  const end = input.endImage ?? null;
  return {
    model: input.model,
    prompt: input.prompt,
    duration: input.duration,
    image_id: input.image ? input.image.id : null,
    image_url: input.image || url === "" ? null : url,
    end_image_id: end ? end.id : null,
    end_image_url: end || endUrl === "" ? null : endUrl,
    options: input.options ?? { aspect: null, negative_prompt: null, cfg_scale: null, seed: null },
    takes: input.takes ?? 1,
  };
}
