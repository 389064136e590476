// Synchronised playback of a compare board's clips: play, pause, seek and loop act on every cell
// together, and the cells stay within a frame of each other. Pure (no DOM): it drives anything
// shaped like a media element, so the tests run it against fake media on a simulated clock.
//
// How: one clock, the leader (the longest clip; shorter ones hold their last frame until the
// loop). A start is coordinated: nothing plays until every clip can, then all are aligned on one
// position (paused seeks are exact) and told to play together. Each clip takes its own time to get
// going once told (a pipeline leaving pause after a seek): that lag is learned from each start,
// and the next start tells the slower clips first, by the difference, so they all move off
// together; or, where holds correct drift, the start is a barrier: each clip that gets going is
// paused at once until every clip has, then all go on together. While playing, each tick reads every clip's time and corrects what is left: by
// playbackRate nudges where a rate change is cheap, or, where it is not (WebKitGTK, where it is a
// flushing seek), by holding each clip that is ahead for its lead (a pause without a seek resumes
// within a few ms there). A clip far off, or one whose time stopped (out of data), makes everyone
// hold, align and start together again. The loop is done here, not by the native
// `loop` attribute (each element would wrap on its own): just before the leader's end (no clip
// reaches its end of stream) every clip is paused, sent to 0 and started together.

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
  readonly buffered: { readonly length: number; start(i: number): number; end(i: number): number };
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
  /** Runs `fn` once after `ms` unless the returned function is called first (setTimeout). */
  after?: (fn: () => void, ms: number) => () => void;
  /** How often drift is measured while playing, in ms. */
  interval?: number;
  /** Drift (seconds) left alone. */
  tolerance?: number;
  /** How a small drift is corrected: "rate" nudges followers' playbackRate; "hold" pauses each
   * clip that is ahead for its lead (where a rate change costs a seek: WebKitGTK); "none". */
  nudge?: "rate" | "hold" | "none";
  /** What a hold costs beyond its length (a resume is not instant), in ms. */
  holdOverhead?: number;
  /** With holds: a slowest clip still stalled after this many ms is not waited for any longer —
   * all are sent to where they are and start again (a seek gets a stuck pipeline going). */
  stuckAfter?: number;
  /** With holds: a start is a barrier — each clip that gets going is paused at once until every
   * clip has, then all go on together, each resumed by its lead (a resume is quick and even where
   * a start after a seek is not). Polled every `warmEvery` ms, for at most `warmFor` ms. */
  warmStart?: boolean;
  warmEvery?: number;
  warmFor?: number;
  /** Rate change per second of drift: 1 − drift × gain, within 1 ± maxNudge, in steps of rateStep. */
  gain?: number;
  maxNudge?: number;
  rateStep?: number;
  /** Learn each clip's start lag and tell the slower clips to play first. */
  staggerStarts?: boolean;
  /** Drift (seconds) above which everyone holds, aligns and starts together again. */
  resyncAbove?: number;
  /** At most one such resync per this many ms (a clip that cannot keep up must not freeze all). */
  resyncEvery?: number;
  /** After the last clip is told to play, ms before drift is measured (pipelines spin up). */
  settle?: number;
  /** The loop turns this many seconds before the leader's end: no clip reaches its end of stream
   * (in WebKitGTK a seek from there resets the pipeline and may leave it short of data). */
  loopEarly?: number;
  /** Called when the state, the position or the duration may have changed. */
  onchange?: () => void;
}

export type SyncState = "paused" | "starting" | "playing";

/** A paused clip this close (seconds) to where it should be is not sent there. */
const ALIGNED = 0.004;
/** A clip this close to its end (seconds) is at its end. */
const END = 0.03;
/** How much of each start's measured lag is learned (the rest is noise). */
const LEARN = 0.8;
/** The largest lag (ms) a start compensates. */
const MAX_LAG = 400;
// Not "waiting": WebKit fires it from play() whenever it reports HAVE_CURRENT_DATA, which it
// does after a paused seek (and then plays at once); a stall is told by a clock that stops.
const EVENTS = ["canplay", "canplaythrough", "loadedmetadata", "loadeddata", "seeked", "ended", "durationchange"];

interface Member {
  media: SyncMedia;
  listener: () => void;
  endedListener: () => void;
  /** The position it was last sent to while paused (its reported time after a seek may be the
   * frame's timestamp, a little before: it still counts as there). NaN once it plays. */
  sentTo: number;
  /** Joined while the others played: brought in by a resync once it can play. */
  joining: boolean;
  /** Its time at the last tick, and for how many ticks in a row it has not moved. */
  lastTime: number;
  still: number;
  /** How much later than the leader it gets going once told to play, in ms (learned). */
  lag: number;
  /** Held: paused on purpose until the slowest clip catches up with it. */
  held: boolean;
  /** The timer that plays it again, once that is less than a tick away. */
  release: (() => void) | null;
  /** No new correction before this time (ms): the last one is still taking effect. */
  calmUntil: number;
  /** Ticks in a row it has been ahead of the slowest by more than the tolerance. */
  ahead: number;
}

/** The clip's data is there from `at` to its end. */
function bufferedToEnd(m: SyncMedia, at: number): boolean {
  const b = m.buffered;
  for (let i = 0; i < b.length; i++) if (b.start(i) <= at + 0.001 && b.end(i) >= dur(m) - END) return true;
  return false;
}

function dur(m: SyncMedia): number {
  return Number.isFinite(m.duration) && m.duration > 0 ? m.duration : 0;
}

export class SyncController {
  private members: Member[] = [];
  private wanted = false;
  private loopOn = true;
  private mode: SyncState = "paused";
  /** Where every clip is (or is being sent) while not playing. */
  private position = 0;
  private stopTicking: (() => void) | null = null;
  /** The timer that turns the loop just before the leader's end. */
  private endTimer: (() => void) | null = null;
  /** The timers of a staggered start's later play() calls. */
  private startTimers: (() => void)[] = [];
  private settleUntil = 0;
  /** This start's lags are still to be learned. */
  private learning = false;
  /** A start's barrier is up (until this time, at the latest), or 0. */
  private warmUntil = 0;
  private lastResync = -Infinity;
  private opts: Required<Omit<SyncOptions, "onchange">> & { onchange?: () => void };
  /** What happened, for the tests and the window test's report. */
  readonly stats = { starts: 0, resyncs: 0, seeks: 0, rateChanges: 0, holds: 0, loops: 0 };

  constructor(options: SyncOptions = {}) {
    this.opts = {
      now: () => performance.now(),
      every: (fn, ms) => {
        const id = setInterval(fn, ms);
        return () => clearInterval(id);
      },
      after: (fn, ms) => {
        const id = setTimeout(fn, ms);
        return () => clearTimeout(id);
      },
      interval: 100,
      tolerance: 0.012,
      nudge: "rate",
      holdOverhead: 5,
      stuckAfter: 1000,
      warmStart: true,
      warmEvery: 5,
      warmFor: 2000,
      gain: 1.5,
      maxNudge: 0.1,
      rateStep: 0.02,
      staggerStarts: true,
      resyncAbove: 0.12,
      resyncEvery: 1500,
      settle: 250,
      loopEarly: 0.04,
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
  /** Each clip's learned start lag behind the leader, in ms (for the report). */
  get lags(): number[] {
    return this.members.map((m) => Math.round(m.lag * 10) / 10);
  }

  add(media: SyncMedia) {
    if (this.members.some((m) => m.media === media)) return;
    const member: Member = {
      media,
      listener: () => this.event(),
      endedListener: () => this.ended(media),
      sentTo: NaN,
      joining: this.mode === "playing",
      lastTime: NaN,
      still: 0,
      lag: 0,
      held: false,
      release: null,
      calmUntil: 0,
      ahead: 0,
    };
    for (const e of EVENTS) media.addEventListener(e, e === "ended" ? member.endedListener : member.listener);
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
    m.release?.();
    for (const e of EVENTS) media.removeEventListener(e, e === "ended" ? m.endedListener : m.listener);
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
    // Looping, the turn comes a little before the end (of whichever clip of the leader's length
    // is furthest: a held or stalled leader must not let the others reach their end); not
    // looping, at the end itself.
    const early = this.loopOn ? this.opts.loopEarly : 0;
    const full = this.members.filter((m) => dur(m.media) >= dur(leader) - END);
    const left = Math.min(...full.map((m) => (dur(m.media) - m.media.currentTime) / (m.media.playbackRate || 1)));
    if (full.some((m) => m.media.ended) || left <= early + 0.001) {
      this.atEnd();
      return;
    }
    // The turn falls before the next tick: a timer of its own, so it is on time.
    if (this.loopOn && !this.endTimer && (left - early) * 1000 < this.opts.interval) {
      this.endTimer = this.opts.after(() => {
        this.endTimer = null;
        if (this.mode === "playing") this.tick();
      }, Math.max(0, (left - early) * 1000));
    }
    if (this.warmUntil > 0) return; // a start's barrier is still up
    if (this.opts.now() < this.settleUntil) return; // a staggered start is still telling clips to play
    // A clip that arrived while the others played joins by a resync once it can play.
    if (this.members.some((m) => m.joining)) {
      if (this.members.every((m) => !m.joining || this.ready(m, t))) this.resync();
      this.notify();
      return;
    }
    const live = this.members.filter((m) => m.media.currentTime < dur(m.media) - END);
    // Every clip on its way (a pipeline just told to play may not have moved yet).
    if (live.some((m) => !m.held && m.media.currentTime <= this.position + 0.005)) {
      this.notify();
      return;
    }
    const hold = this.opts.nudge === "hold";
    // A clip that stopped on its own (paused by the system; or, where drift is not met by holds,
    // its clock still for two ticks: out of data): all hold and start again together.
    for (const m of live) {
      const now = m.media.currentTime;
      m.still = now === m.lastTime && !m.held ? m.still + 1 : 0;
      m.lastTime = now;
    }
    const stopped = live.filter((m) => !m.held && m.media.paused);
    if (stopped.length > 0 || (!hold && live.some((m) => m.still >= 2))) {
      this.resync();
      return;
    }
    if (this.learning) {
      this.learning = false;
      if (this.learn(leader, t)) return;
    }
    if (hold) {
      if (this.hold(live)) return;
    } else {
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

  private ended(media: SyncMedia) {
    if (this.mode === "playing" && media === this.leader) this.atEnd();
  }

  /** Ready to start from `at`: its frame is there and it is not seeking. */
  private ready(m: Member, at: number): boolean {
    const media = m.media;
    if (media.seeking || !(dur(media) > 0)) return false;
    if (media.readyState >= HAVE_FUTURE_DATA) return true;
    // Its frame is there and so is the rest of the clip (WebKitGTK reports HAVE_CURRENT_DATA
    // after a paused seek until it plays, though every byte is in); or it is held at its end.
    return media.readyState >= HAVE_CURRENT_DATA && (at >= dur(media) - END || bufferedToEnd(media, at));
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
    this.cancelTimers();
    for (const { media } of this.members) if (!media.paused) media.pause();
  }

  /** The coordinated start: once every clip can play, all aligned on the position, then each told
   * to play — at once, or, with learned lags, the slowest first and each other one later by the
   * difference. */
  private tryStart() {
    if (!this.wanted || this.mode !== "starting" || this.members.length === 0) return;
    const at = this.position;
    if (!this.members.every((m) => this.ready(m, at))) return;
    let sent = false;
    for (const m of this.members) sent = this.send(m, at) || sent;
    if (sent) return; // the `seeked` events bring us back here
    const players = this.members.filter((m) => at < dur(m.media) - END);
    for (const m of this.members) {
      m.joining = false;
      m.sentTo = NaN;
      m.lastTime = NaN;
      m.still = 0;
      if (m.media.playbackRate !== 1) m.media.playbackRate = 1;
    }
    const stagger = this.opts.staggerStarts;
    const latest = stagger ? Math.max(0, ...players.map((m) => m.lag)) : 0;
    const go = (m: Member) => {
      const p = m.media.play();
      if (p && typeof p.catch === "function") p.catch(() => {});
    };
    for (const m of players) {
      const wait = latest - (stagger ? m.lag : 0);
      if (wait < 1) go(m);
      else this.startTimers.push(this.opts.after(() => go(m), wait));
    }
    this.mode = "playing";
    this.stats.starts++;
    this.learning = stagger && players.length > 1;
    this.settleUntil = this.opts.now() + latest + this.opts.settle;
    if (this.opts.nudge === "hold" && this.opts.warmStart && players.length > 1) {
      this.warmUntil = this.opts.now() + this.opts.warmFor;
      this.warm();
    }
    // The first measurement as soon as the start has settled, not at the next tick.
    this.startTimers.push(this.opts.after(() => this.tick(), latest + this.opts.settle));
    this.ticking(true);
    this.notify();
  }

  /** The start's barrier: pauses each clip that has got going while another has not; once all
   * have, lets each go again as the slowest reaches it. */
  private warm() {
    if (this.mode !== "playing" || this.warmUntil === 0) return;
    const at = this.position;
    const players = this.members.filter((m) => at < dur(m.media) - END);
    const moved = (m: Member) => m.media.currentTime > at + 0.001;
    const waiting = players.filter((m) => !moved(m));
    const now = this.opts.now();
    if (waiting.length > 0 && now < this.warmUntil) {
      for (const m of players) {
        if (!m.held && moved(m)) {
          m.media.pause();
          m.held = true;
          this.stats.holds++;
        }
      }
      this.startTimers.push(this.opts.after(() => this.warm(), this.opts.warmEvery));
      return;
    }
    // Every clip has got going (or the wait is over): each goes on when the slowest moving one
    // reaches it — those held by the barrier, and those that got going in the same poll as the
    // last (a pipeline's time shows only once it runs, already some way in).
    this.warmUntil = 0;
    const going = players.filter((m) => !m.held);
    const slowest = Math.min(...(going.length > 0 ? going : players).map((m) => m.media.currentTime));
    for (const m of players) {
      const lead = m.media.currentTime - slowest;
      if (!m.held) {
        if (lead <= this.opts.tolerance) continue;
        m.media.pause();
        m.held = true;
        this.stats.holds++;
      }
      m.release = this.opts.after(() => this.release(m), Math.max(0, lead * 1000 - this.opts.holdOverhead));
    }
    this.settleUntil = now + this.opts.settle;
  }

  /** After a start: how far each clip is from the leader is how much later (or sooner) it got
   * going than was allowed for; the next start allows for it. Answers whether it resynced. */
  private learn(leader: SyncMedia, t: number): boolean {
    const lead = this.members.find((m) => m.media === leader);
    let worst = 0;
    for (const m of this.members) {
      if (m === lead || t >= dur(m.media) - END) continue;
      const drift = m.media.currentTime - t;
      worst = Math.max(worst, Math.abs(drift));
      m.lag = Math.max(-MAX_LAG, Math.min(MAX_LAG, m.lag - drift * 1000 * LEARN));
    }
    // Far off: start again now with what was learned, rather than at the next loop.
    if (worst > this.opts.resyncAbove && this.opts.now() - this.lastResync >= this.opts.resyncEvery) {
      this.resync();
      return true;
    }
    return false;
  }

  /** Holds each clip that is ahead of the slowest moving one by more than the tolerance, until
   * the slowest has caught up: when that is less than a tick away, a timer plays it again at the
   * moment (a stalled slowest never gets there, so the others wait for it). Far off, all resync
   * instead. Answers whether it resynced. */
  private hold(live: Member[]): boolean {
    const o = this.opts;
    const now = o.now();
    const moving = live.filter((m) => !m.held);
    if (moving.length === 0 || live.length < 2) return false;
    const slow = moving.reduce((a, b) => (b.media.currentTime < a.media.currentTime ? b : a));
    const slowest = slow.media.currentTime;
    // Its clock did not move since the last tick: stalled, so nobody is let go yet — unless it has
    // been stuck for long: then everyone starts again together from here.
    const stalled = slow.still > 0;
    if (slow.still * o.interval >= o.stuckAfter) {
      this.resync();
      return true;
    }
    const worst = Math.max(...live.map((m) => m.media.currentTime)) - slowest;
    if (worst > o.resyncAbove && now - this.lastResync >= o.resyncEvery) {
      this.resync();
      return true;
    }
    for (const m of live) {
      const lead = m.media.currentTime - slowest;
      if (!m.held) {
        // Ahead two ticks running (one odd reading is not acted on), or far ahead, or the slowest
        // stalled: held.
        m.ahead = lead > o.tolerance ? m.ahead + 1 : 0;
        const sure = m.ahead >= 2 || lead > 3 * o.tolerance || stalled;
        if (lead <= o.tolerance || !sure || (now < m.calmUntil && !stalled) || lead * 1000 - o.holdOverhead < 1) continue;
        m.ahead = 0;
        m.media.pause();
        m.held = true;
        this.stats.holds++;
      }
      m.release?.();
      m.release = null;
      const ms = lead * 1000 - o.holdOverhead;
      if (!stalled && ms <= o.interval) m.release = o.after(() => this.release(m), Math.max(0, ms));
    }
    return false;
  }

  /** A held clip plays again: the slowest has caught up with it. */
  private release(m: Member) {
    m.held = false;
    m.release = null;
    m.lastTime = NaN;
    m.still = 0;
    m.calmUntil = this.opts.now() + this.opts.interval * 2;
    if (this.mode === "playing") {
      const p = m.media.play();
      if (p && typeof p.catch === "function") p.catch(() => {});
    }
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
    if (o.nudge !== "rate") return false;
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

  private cancelTimers() {
    this.endTimer?.();
    this.endTimer = null;
    for (const stop of this.startTimers) stop();
    this.startTimers = [];
    this.warmUntil = 0;
    for (const m of this.members) {
      m.release?.();
      m.release = null;
      m.held = false;
    }
  }

  private ticking(on: boolean) {
    if (on && !this.stopTicking) this.stopTicking = this.opts.every(() => this.tick(), this.opts.interval);
    if (!on && this.stopTicking) {
      this.stopTicking();
      this.stopTicking = null;
    }
    if (!on) this.cancelTimers();
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
