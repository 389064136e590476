// The shot's options on the create panel, kept pure so they can be tested without a window: what
// the chosen model takes (from its capability table, which lives in Rust), what the user wanted
// that the model cannot take (said in one line, never dropped silently: switching back restores
// it), the seed and takes rules, and the hold × takes.

import { ASPECTS, MAX_NEGATIVE_CHARS, MAX_SEED, MAX_TAKES } from "./ipc/bindings/constants";
import type { Capabilities, Micros, ShotOptions } from "./ipc/types";

export { ASPECTS, MAX_NEGATIVE_CHARS, MAX_SEED, MAX_TAKES };

/** What the user set on the panel, kept across model switches. */
export interface Wanted {
  aspect: string | null;
  negative: string;
  /** The seed field's text ("" = let the provider choose). */
  seed: string;
  /** An end frame is set (picture or link). */
  endFrame: boolean;
}

/** How the aspect picker shows for this model: shapes to pick, "the image decides", or nothing. */
export type AspectMode = { kind: "pick"; aspects: string[] } | { kind: "image" } | { kind: "none" };

export function aspectMode(caps: Capabilities, hasStartImage: boolean): AspectMode {
  if (caps.aspect_param === null || caps.aspects.length === 0) return { kind: "none" };
  if (hasStartImage && caps.aspect_follows_image) return { kind: "image" };
  return { kind: "pick", aspects: caps.aspects };
}

/** The shape's width and height ("9:16" → [9, 16]); "auto" is drawn as a square with a dash. */
export function ratio(aspect: string): [number, number] | null {
  const m = /^(\d+):(\d+)$/.exec(aspect);
  return m ? [Number(m[1]), Number(m[2])] : null;
}

/** A box of at most `size` px on its long side, in the aspect's shape. */
export function shapeBox(aspect: string, size: number): { w: number; h: number } {
  const r = ratio(aspect) ?? [1, 1];
  const k = size / Math.max(r[0], r[1]);
  return { w: Math.max(4, Math.round(r[0] * k)), h: Math.max(4, Math.round(r[1] * k)) };
}

/** The nearest named aspect of a width × height (the image's shape, a clip's frame). */
export function nearestAspect(width: number, height: number): string {
  let best = "16:9";
  let bestErr = Infinity;
  for (const a of ASPECTS) {
    const r = ratio(a);
    if (!r) continue;
    const err = Math.abs(Math.log(width / height) - Math.log(r[0] / r[1]));
    if (err < bestErr) {
      bestErr = err;
      best = a;
    }
  }
  return best;
}

/** A picture's shape for people: its exact ratio when that is a small one (1200 × 800 → "3:2"),
 * else the nearest named aspect, marked as near ("≈ 16:9"). */
export function shapeLabel(width: number, height: number): string {
  const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
  const g = gcd(width, height) || 1;
  const [w, h] = [width / g, height / g];
  return w <= 21 && h <= 21 ? `${w}:${h}` : `≈ ${nearestAspect(width, height)}`;
}

/** Why the seed text cannot be sent, or null (blank is fine: the provider picks one). */
export function seedProblem(text: string): string | null {
  const t = text.trim();
  if (t === "") return null;
  if (!/^\d+$/.test(t) || Number(t) > MAX_SEED) return `The seed must be a whole number from 0 to ${MAX_SEED}.`;
  return null;
}

export function negativeProblem(text: string): string | null {
  const n = [...text].length;
  if (n > MAX_NEGATIVE_CHARS) {
    return `"Avoid" is ${n} characters long; the model accepts at most ${MAX_NEGATIVE_CHARS}. Shorten it by ${n - MAX_NEGATIVE_CHARS}.`;
  }
  return null;
}

export function randomSeed(rand: () => number = Math.random): number {
  return Math.floor(rand() * (MAX_SEED + 1));
}

export function clampTakes(n: number): number {
  return Math.min(MAX_TAKES, Math.max(1, Math.round(Number.isFinite(n) ? n : 1)));
}

/** The price shown before paying: one hold per take. */
export function totalHold(hold: Micros, takes: number): Micros {
  return hold * clampTakes(takes);
}

/** The options sent for this model: only what it takes; the rest stays wanted, not sent. */
export function appliedOptions(caps: Capabilities, w: Wanted, hasStartImage: boolean): ShotOptions {
  const mode = aspectMode(caps, hasStartImage);
  const aspect = mode.kind === "pick" && w.aspect !== null && mode.aspects.includes(w.aspect) ? w.aspect : null;
  const negative = caps.negative_prompt_param !== null && w.negative.trim() !== "" ? w.negative : null;
  const seed = caps.seed_param !== null && w.seed.trim() !== "" && seedProblem(w.seed) === null ? Number(w.seed.trim()) : null;
  return { aspect, negative_prompt: negative, cfg_scale: null, seed };
}

/** The end frame is sent when the model takes one and there is a start image. */
export function endFrameApplies(caps: Capabilities, hasStartImage: boolean): boolean {
  return caps.end_image_param !== null && hasStartImage;
}

/** What the user set that this model will not get, as short phrases ("the seed 42"). */
export function dropped(caps: Capabilities, w: Wanted, hasStartImage: boolean): string[] {
  const out: string[] = [];
  const mode = aspectMode(caps, hasStartImage);
  if (w.aspect !== null && !(mode.kind === "pick" && mode.aspects.includes(w.aspect))) {
    if (mode.kind !== "image") out.push(`the ${w.aspect} shape`);
  }
  if (w.endFrame && caps.end_image_param === null) out.push("the end frame");
  if (w.negative.trim() !== "" && caps.negative_prompt_param === null) out.push('"Avoid"');
  if (w.seed.trim() !== "" && caps.seed_param === null) out.push(`the seed ${w.seed.trim()}`);
  return out;
}

/** One line saying what is not sent, or null: "kling-3-pro does not take the seed 42: it is kept,
 * not sent, and applies again when you switch back." */
export function droppedSentence(modelName: string, caps: Capabilities, w: Wanted, hasStartImage: boolean): string | null {
  const list = dropped(caps, w, hasStartImage);
  if (list.length === 0) return null;
  const joined = list.length === 1 ? list[0] : `${list.slice(0, -1).join(", ")} and ${list[list.length - 1]}`;
  const [pron, verb] = list.length === 1 ? ["it", "is"] : ["they", "are"];
  return `${modelName} does not take ${joined}: ${pron} ${verb} kept, not sent, and ${verb === "is" ? "applies" : "apply"} again when you switch back.`;
}
