// Synchronised playback of a compare board's clips: play, pause, seek and loop act on every cell
// together, and the cells stay within a frame of each other. Pure (no DOM): it drives anything
// shaped like a media element, so the tests run it against fake media on a simulated clock.
//
// How: one clock, the leader (the longest clip; shorter ones hold their last frame until the
// loop). A start is coordinated: nothing plays until every clip can, then all are aligned on one
// position (paused seeks are exact) and told to play in the same task. While playing, each tick
// reads every clip's time: a follower a little off is nudged by its playbackRate, one far off (or
// a clip that stalled) makes everyone hold, align and start together again. The loop is done
// here, not by the native `loop` attribute (each element would wrap on its own): at the leader's
// end every clip is paused, sent to 0 and started together.

/** HTMLMediaElement.HAVE_CURRENT_DATA / HAVE_FUTURE_DATA. */
export const HAVE_CURRENT_DATA = 2;
export const HAVE_FUTURE_DATA = 3;

/** The part of HTMLMediaElement the controller uses. */
export interface SyncMedia {
  currentTime: number;
  playbackRate: number;
  readonly duration: number;
  readonly paused: boolean;
  readonly ended: boolean;
  readonly seeking: boolean;
  readonly readyState: number;
  play(): Promise<void> | void;
  pause(): void;
  addEventListener(type: string, listener: () => void): void;
  removeEventListener(type: string, listener: () => void): void;
}

export interface SyncOptions {
  /** Milliseconds, monotonic (performance.now). */
  now?: () => number;
  /** Runs `fn` every `ms` until the returned function is called (setInterval). */
  every?: (fn: () => void, ms: number) => () => void;
  /** How often drift is measured while playing, in ms. */
  interval?: number;
  /** Drift (seconds) left alone. */
  tolerance?: number;
  /** Nudge followers with playbackRate. Off where a rate change costs a seek (see Board). */
  useRate?: boolean;
  /** Rate change per second of drift: 1 − drift × gain, within 1 ± maxNudge, in steps of rateStep. */
  gain?: number;
  maxNudge?: number;
  rateStep?: number;
  /** Drift (seconds) above which everyone holds, aligns and starts again together. */
  resyncAbove?: number;
  /** At most one such resync per this many ms (a clip that cannot keep up must not freeze all). */
  resyncEvery?: number;
  /** After a start, ms before drift is measured (pipelines are still spinning up). */
  settle?: number;
  /** Called when the state, the position or the duration may have changed. */
  onchange?: () => void;
}

export type SyncState = "paused" | "starting" | "playing";

/** A paused clip this close (seconds) to where it should be is not sent there. */
const ALIGNED = 0.004;
/** A clip this close to its end (seconds) is at its end. */
const END = 0.03;
const EVENTS = ["canplay", "canplaythrough", "loadedmetadata", "loadeddata", "seeked", "waiting", "ended", "durationchange"];

interface Member {
  media: SyncMedia;
  listener: () => void;
  waitingListener: () => void;
  endedListener: () => void;
  /** The position it was last sent to while paused (its reported time after a seek may be the
   * frame's timestamp, a little before: it still counts as there). NaN once it plays. */
  sentTo: number;
  /** Joined while the others played: brought in by a resync once it can play. */
  joining: boolean;
}

const dur = (m: SyncMedia) => (Number.isFinite(m.duration) && m.duration > 0 ? m.duration : 0);

export class SyncController {
  private members: Member[] = [];
  private wanted = false;
  private loopOn = true;
  private mode: SyncState = "paused";
  /** Where every clip is (or is being sent) while not playing. */
  private position = 0;
  private stopTicking: (() => void) | null = null;
  private settleUntil = 0;
  private lastResync = -Infinity;
  private opts: Required<Omit<SyncOptions, "onchange">> & { onchange?: () => void };
  /** What happened, for the tests and the window test's report. */
  readonly stats = { starts: 0, resyncs: 0, seeks: 0, rateChanges: 0, loops: 0 };

  constructor(options: SyncOptions = {}) {
    this.opts = {
      now: () => performance.now(),
      every: (fn, ms) => {
        const id = setInterval(fn, ms);
        return () => clearInterval(id);
      },
      interval: 100,
      tolerance: 0.012,
      useRate: true,
      gain: 1.5,
      maxNudge: 0.1,
      rateStep: 0.02,
      resyncAbove: 0.12,
      resyncEvery: 1500,
      settle: 250,
      ...options,
    };
  }

  /** Wants to play (a start may still be waiting for every clip). */
  get playing(): boolean {
    return this.wanted;
  }
  get state(): SyncState {
    return this.mode;
  }
  get loop(): boolean {
    return this.loopOn;
  }
  get size(): number {
    return this.members.length;
  }
  /** The clock: the longest clip, which drives; the first added wins a tie. */
  get leader(): SyncMedia | undefined {
    let best: SyncMedia | undefined;
    for (const { media } of this.members) if (!best || dur(media) > dur(best)) best = media;
    return best;
  }
  get duration(): number {
    const l = this.leader;
    return l ? dur(l) : 0;
  }
  /** The shared position, in seconds. */
  get currentTime(): number {
    const l = this.leader;
    if (this.mode === "playing" && l) return Math.min(l.currentTime, dur(l));
    return this.position;
  }

  add(media: SyncMedia) {
    if (this.members.some((m) => m.media === media)) return;
    const member: Member = {
      media,
      listener: () => this.event(),
      waitingListener: () => this.stalled(media),
      endedListener: () => this.ended(media),
      sentTo: NaN,
      joining: this.mode === "playing",
    };
    for (const e of EVENTS) {
      if (e === "waiting") media.addEventListener(e, member.waitingListener);
      else if (e === "ended") media.addEventListener(e, member.endedListener);
      else media.addEventListener(e, member.listener);
    }
    this.members.push(member);
    if (this.mode !== "playing") {
      media.pause();
      if (this.mode === "starting") this.tryStart();
    }
    this.notify();
  }

  remove(media: SyncMedia) {
    const i = this.members.findIndex((m) => m.media === media);
    if (i === -1) return;
    const m = this.members[i];
    for (const e of EVENTS) {
      media.removeEventListener(e, e === "waiting" ? m.waitingListener : e === "ended" ? m.endedListener : m.listener);
    }
    this.members.splice(i, 1);
    if (this.members.length === 0) this.idle();
    else if (this.mode === "starting") this.tryStart();
    this.notify();
  }

  /** Stops listening to every clip and stops the clock (the clips themselves are the view's). */
  destroy() {
    for (const { media } of [...this.members]) this.remove(media);
    this.idle();
  }

  play() {
    if (this.wanted) return;
    this.wanted = true;
    if (this.position >= this.duration - END) this.position = 0;
    this.mode = "starting";
    this.ticking(true);
    this.tryStart();
    this.notify();
  }

  pause() {
    if (!this.wanted && this.mode === "paused") return;
    this.wanted = false;
    if (this.mode === "playing") this.position = this.currentTime;
    this.pauseAll();
    this.mode = "paused";
    this.ticking(false);
    // The paused frames match: everyone sent to where the leader stopped.
    this.sendAll(this.position);
    this.notify();
  }

  toggle() {
    if (this.wanted) this.pause();
    else this.play();
  }

  /** Every clip to `t` (seconds); playing, they start again together once all are there. */
  seek(t: number) {
    const to = Math.max(0, Math.min(Number.isFinite(t) ? t : 0, this.duration || Infinity));
    if (this.mode === "playing") {
      this.pauseAll();
      this.mode = "starting";
    }
    this.position = to;
    this.sendAll(to, true);
    if (this.mode === "starting") this.tryStart();
    this.notify();
  }

  setLoop(on: boolean) {
    this.loopOn = on;
    this.notify();
  }

  /** One measurement: called by the clock while playing (tests call it directly). */
  tick() {
    if (this.mode === "starting") {
      this.tryStart();
      return;
    }
    if (this.mode !== "playing") return;
    const leader = this.leader;
    if (!leader) return;
    const t = leader.currentTime;
    if (leader.ended || t >= dur(leader) - END / 3) {
      this.atEnd();
      return;
    }
    // A clip that stopped on its own before its end (paused by the system, or, once started,
    // stalled for data): all hold, and start again together when it can.
    const settled = this.opts.now() >= this.settleUntil;
    const stopped = this.members.find(
      (m) =>
        !m.joining &&
        t < dur(m.media) - END &&
        (m.media.paused || (settled && m.media.readyState < HAVE_FUTURE_DATA)),
    );
    if (stopped) {
      this.resync();
      return;
    }
    // A clip that arrived while the others played joins by a resync once it can play.
    if (this.members.some((m) => m.joining)) {
      if (this.members.every((m) => !m.joining || this.ready(m, t))) this.resync();
      this.notify();
      return;
    }
    if (settled) {
      for (const m of this.members) {
        if (m.media === leader) continue;
        if (this.correct(m.media, t)) return;
      }
    }
    this.notify();
  }

  // ------------------------------------------------------------------------------------------

  private event() {
    if (this.mode === "starting") this.tryStart();
    this.notify();
  }

  private stalled(media: SyncMedia) {
    if (this.mode !== "playing") return;
    const m = this.members.find((x) => x.media === media);
    if (!m || m.joining || media.currentTime >= dur(media) - END) return;
    this.resync();
  }

  private ended(media: SyncMedia) {
    if (this.mode === "playing" && media === this.leader) this.atEnd();
  }

  /** Ready to start from `at`: its data is there and it is not seeking (a clip held at its end
   * has no future data, only its last frame). */
  private ready(m: Member, at: number): boolean {
    const media = m.media;
    if (media.seeking || !(dur(media) > 0)) return false;
    if (at >= dur(media) - END) return media.readyState >= HAVE_CURRENT_DATA;
    return media.readyState >= HAVE_FUTURE_DATA;
  }

  /** Sends every clip to `t` (clamped to its own length). */
  private sendAll(t: number, force = false) {
    for (const m of this.members) this.send(m, t, force);
  }

  private send(m: Member, t: number, force = false): boolean {
    const want = Math.min(t, dur(m.media) || t);
    if (!force && (m.sentTo === want || Math.abs(m.media.currentTime - want) <= ALIGNED)) return false;
    m.sentTo = want;
    m.media.currentTime = want;
    this.stats.seeks++;
    return true;
  }

  private pauseAll() {
    for (const { media } of this.members) if (!media.paused) media.pause();
  }

  /** The coordinated start: once every clip can play, all aligned on the position, all told to
   * play in this one task. */
  private tryStart() {
    if (!this.wanted || this.mode !== "starting" || this.members.length === 0) return;
    const at = this.position;
    if (!this.members.every((m) => this.ready(m, at))) return;
    let sent = false;
    for (const m of this.members) sent = this.send(m, at) || sent;
    if (sent) return; // the `seeked` events bring us back here
    for (const m of this.members) {
      m.joining = false;
      m.sentTo = NaN;
      if (m.media.playbackRate !== 1) m.media.playbackRate = 1;
    }
    for (const { media } of this.members) {
      if (at < dur(media) - END) {
        const p = media.play();
        if (p && typeof p.catch === "function") p.catch(() => {});
      }
    }
    this.mode = "playing";
    this.stats.starts++;
    this.settleUntil = this.opts.now() + this.opts.settle;
    this.ticking(true);
    this.notify();
  }

  /** Everyone holds where the leader is, aligns there and starts together again. */
  private resync() {
    this.lastResync = this.opts.now();
    this.stats.resyncs++;
    this.position = this.currentTime;
    this.pauseAll();
    this.mode = "starting";
    this.sendAll(this.position);
    this.tryStart();
  }

  private atEnd() {
    this.pauseAll();
    if (this.loopOn && this.wanted) {
      this.stats.loops++;
      this.position = 0;
      this.mode = "starting";
      this.sendAll(0, true);
      this.tryStart();
    } else {
      this.wanted = false;
      this.mode = "paused";
      this.position = this.duration;
      this.ticking(false);
    }
    this.notify();
  }

  /** Nudges (or, far off, resyncs) one follower; true when it made everyone resync. */
  private correct(media: SyncMedia, t: number): boolean {
    if (t >= dur(media) - END) return false; // a shorter clip holding its last frame
    const drift = media.currentTime - t;
    const o = this.opts;
    if (Math.abs(drift) > o.resyncAbove && this.opts.now() - this.lastResync >= o.resyncEvery) {
      this.resync();
      return true;
    }
    if (!o.useRate) return false;
    let rate = media.playbackRate;
    if (Math.abs(drift) > o.tolerance) {
      const raw = 1 - drift * o.gain;
      rate = Math.round(Math.max(1 - o.maxNudge, Math.min(1 + o.maxNudge, raw)) / o.rateStep) * o.rateStep;
      rate = Math.round(rate * 1000) / 1000;
    } else if (Math.abs(drift) <= o.tolerance / 2) {
      rate = 1;
    }
    if (rate !== media.playbackRate) {
      media.playbackRate = rate;
      this.stats.rateChanges++;
    }
    return false;
  }

  private ticking(on: boolean) {
    if (on && !this.stopTicking) this.stopTicking = this.opts.every(() => this.tick(), this.opts.interval);
    if (!on && this.stopTicking) {
      this.stopTicking();
      this.stopTicking = null;
    }
  }

  private idle() {
    this.ticking(false);
    this.wanted = false;
    this.mode = "paused";
  }

  private notify() {
    this.opts.onchange?.();
  }
}

/** The largest difference between the clips' times (seconds): what "in sync" is measured by. */
export function spread(times: readonly number[]): number {
  if (times.length < 2) return 0;
  return Math.max(...times) - Math.min(...times);
}
