// Frames drawn from clips in the window: a poster when the core has none (first frame), and the
// last frame as a start image for the next clip. `GrabQueue` keeps at most a few grabs running,
// tries each clip once per session and drops queued work whose tile scrolled away.

import { toBase64 } from "./paste";

export type GrabState = "queued" | "running" | "ok" | "failed";

interface Waiting {
  key: number;
  run: () => Promise<void>;
  settle: (ok: boolean | null) => void;
}

export class GrabQueue {
  private states = new Map<number, GrabState>();
  private waiting: Waiting[] = [];
  private running = 0;

  constructor(
    readonly limit = 2,
    private onSettled: (key: number, state: "ok" | "failed") => void = () => {},
  ) {}

  state(key: number): GrabState | undefined {
    return this.states.get(key);
  }

  get active(): number {
    return this.running;
  }

  get queued(): number {
    return this.waiting.length;
  }

  /**
   * Queues `work` for `key` unless it was already tried (or is queued/running). Resolves true when
   * it worked, false when it failed, null when it was cancelled or not queued at all.
   */
  request(key: number, work: () => Promise<void>): Promise<boolean | null> {
    if (this.states.has(key)) return Promise.resolve(null);
    this.states.set(key, "queued");
    return new Promise((settle) => {
      this.waiting.push({ key, run: work, settle });
      this.pump();
    });
  }

  /** Forgets a grab that has not started (its tile is gone); it may be requested again later. */
  cancel(key: number) {
    const i = this.waiting.findIndex((w) => w.key === key);
    if (i === -1) return;
    const [w] = this.waiting.splice(i, 1);
    this.states.delete(key);
    w.settle(null);
  }

  private pump() {
    while (this.running < this.limit && this.waiting.length > 0) {
      const next = this.waiting.shift()!;
      this.running++;
      this.states.set(next.key, "running");
      void next
        .run()
        .then(
          () => "ok" as const,
          () => "failed" as const,
        )
        .then((state) => {
          this.running--;
          this.states.set(next.key, state);
          this.onSettled(next.key, state);
          next.settle(state === "ok");
          this.pump();
        });
    }
  }
}

export interface Frame {
  base64: string;
  width: number;
  height: number;
}

export interface GrabOptions {
  /** Seconds into the clip, or "end" for the last frame (0.05 s before the end). */
  at: number | "end";
  /** Scale down to at most this width (the poster); the start image keeps the clip's size. */
  maxWidth?: number;
  type?: "image/jpeg" | "image/png";
  quality?: number;
  timeoutMs?: number;
}

function once(el: HTMLVideoElement, ok: string, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (fn: () => void) => {
      clearTimeout(timer);
      el.removeEventListener(ok, onOk);
      el.removeEventListener("error", onErr);
      fn();
    };
    const onOk = () => done(resolve);
    const onErr = () => done(() => reject(new Error(el.error?.message || "the clip could not be read")));
    const timer = setTimeout(() => done(() => reject(new Error("the clip took too long to load"))), timeoutMs);
    el.addEventListener(ok, onOk);
    el.addEventListener("error", onErr);
  });
}

async function seek(video: HTMLVideoElement, t: number, timeoutMs: number) {
  const seeked = once(video, "seeked", timeoutMs);
  video.currentTime = t;
  await seeked;
}

const BLANK_RETRIES = 12;
const BLANK_RETRY_MS = 80;
/** The side of the thumbnail `isBlank` looks at. */
const PROBE = 16;

/** Whether `canvas` is all black (no channel above 6 of 255 in a 16×16 reduction of it). */
export function isBlank(canvas: HTMLCanvasElement): boolean {
  const probe = document.createElement("canvas");
  probe.width = PROBE;
  probe.height = PROBE;
  const ctx = probe.getContext("2d", { willReadFrequently: true });
  if (!ctx) return false;
  ctx.drawImage(canvas, 0, 0, PROBE, PROBE);
  const px = ctx.getImageData(0, 0, PROBE, PROBE).data;
  for (let i = 0; i < px.length; i += 4) {
    if (px[i] > 6 || px[i + 1] > 6 || px[i + 2] > 6) return false;
  }
  return true;
}

/**
 * Draws one frame of the clip at `url` into a JPEG/PNG, base64 without the data: prefix. The
 * clip is read with CORS (crossOrigin="anonymous"): the clip server must allow the app's origin,
 * or the canvas would be tainted and could not be read back.
 */
export async function grabFrame(url: string, opts: GrabOptions): Promise<Frame> {
  const timeoutMs = opts.timeoutMs ?? 15_000;
  const video = document.createElement("video");
  video.muted = true;
  video.playsInline = true;
  video.preload = "auto";
  video.crossOrigin = "anonymous";
  // In the document but out of sight: some engines do not decode frames for a detached element.
  video.setAttribute("aria-hidden", "true");
  video.style.cssText = "position:fixed;left:-10000px;top:0;width:4px;height:4px;opacity:0;pointer-events:none";
  document.body.append(video);
  try {
    const loaded = once(video, "loadeddata", timeoutMs);
    video.src = url;
    await loaded;
    let duration = video.duration;
    if (!Number.isFinite(duration)) {
      // Some WebM files carry no duration: seeking far past the end makes the engine find it.
      await seek(video, 1e9, timeoutMs);
      duration = Number.isFinite(video.duration) ? video.duration : video.currentTime;
    }
    const at = opts.at === "end" ? duration - 0.05 : opts.at;
    await seek(video, Math.max(0, Math.min(at, Math.max(0, duration - 0.01))), timeoutMs);
    // The frame at the new position may still be decoding when "seeked" fires.
    for (let waited = 0; video.readyState < HTMLMediaElement.HAVE_CURRENT_DATA; waited += 30) {
      if (waited > timeoutMs) throw new Error("the frame never decoded");
      await new Promise((r) => setTimeout(r, 30));
    }
    const w = video.videoWidth;
    const h = video.videoHeight;
    if (!w || !h) throw new Error("the clip has no picture");
    const scale = opts.maxWidth ? Math.min(1, opts.maxWidth / w) : 1;
    const canvas = document.createElement("canvas");
    canvas.width = Math.max(1, Math.round(w * scale));
    canvas.height = Math.max(1, Math.round(h * scale));
    const ctx = canvas.getContext("2d");
    if (!ctx) throw new Error("no canvas to draw on");
    // WebKitGTK can report a seeked, decoded frame and still hand drawImage a black picture
    // while its pipeline settles: redraw until the frame has content (a clip that really is
    // black at that moment stays black after ~1 s of tries, and that is what is kept).
    for (let tries = 0; ; tries++) {
      ctx.drawImage(video, 0, 0, canvas.width, canvas.height);
      if (!isBlank(canvas) || tries >= BLANK_RETRIES) break;
      await new Promise((r) => setTimeout(r, BLANK_RETRY_MS));
    }
    const type = opts.type ?? "image/jpeg";
    const blob = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, type, opts.quality ?? 0.8));
    if (!blob) throw new Error("the frame could not be encoded");
    return { base64: toBase64(new Uint8Array(await blob.arrayBuffer())), width: canvas.width, height: canvas.height };
  } finally {
    // Unload: without this the decoder and its buffers live on until garbage collection.
    video.removeAttribute("src");
    video.load();
    video.remove();
  }
}

/** The poster URL with a version, so the webview refetches it after the window made one. */
export function withVersion(url: string, version: number | undefined): string {
  if (!version || /^(data|blob):/.test(url)) return url;
  return `${url}${url.includes("?") ? "&" : "?"}v=${version}`;
}
