// The board's synchronised playback (lib/sync.ts) against fake media on a simulated clock: each
// fake clip starts, seeks and ends with latencies of its own, as real pipelines do.
import { describe, expect, test } from "vitest";
import { HAVE_FUTURE_DATA, SyncController, spread, type SyncMedia, type SyncOptions } from "../src/lib/sync";

/** Simulated time in ms, with timers; media advance in 1 ms steps. */
class Sim {
  now = 0;
  private seed = 42;
  /** A seeded generator: the same run every time. */
  random(): number {
    this.seed = (this.seed * 1103515245 + 12345) % 2147483648;
    return this.seed / 2147483648;
  }
  private timers: { at: number; every: number; fn: () => void; live: boolean }[] = [];
  media: FakeMedia[] = [];

  every = (fn: () => void, ms: number) => {
    const t = { at: this.now + ms, every: ms, fn, live: true };
    this.timers.push(t);
    return () => {
      t.live = false;
    };
  };

  later(ms: number, fn: () => void) {
    this.timers.push({ at: this.now + ms, every: 0, fn, live: true });
  }

  after = (fn: () => void, ms: number) => {
    const t = { at: this.now + Math.max(1, Math.ceil(ms)), every: 0, fn, live: true };
    this.timers.push(t);
    return () => {
      t.live = false;
    };
  };

  get liveTimers(): number {
    return this.timers.filter((t) => t.live && t.every > 0).length;
  }

  advance(ms: number, each?: () => void) {
    const end = this.now + ms;
    while (this.now < end) {
      this.now += 1;
      for (const m of this.media) m.step();
      for (const t of [...this.timers]) {
        if (!t.live || t.at > this.now) continue;
        if (t.every > 0) t.at += t.every;
        else t.live = false;
        t.fn();
      }
      this.timers = this.timers.filter((t) => t.live);
      each?.();
    }
  }

  controller(options: SyncOptions = {}) {
    return new SyncController({ now: () => this.now, every: this.every, after: this.after, ...options });
  }
}

interface FakeOptions {
  duration?: number;
  /** ms from play() (or the end of a seek while playing) to the picture moving, after a seek
   * (or at first); plus up to `jitter` ms more, at random. */
  startLatency?: number;
  jitter?: number;
  /** ms from play() to moving after a plain pause (no seek since): WebKitGTK resumes in a few. */
  resumeLatency?: number;
  /** After a start, ms during which its time still reads where it started (a pipeline's position
   * shows only once it runs: then it jumps to where it already is). */
  reportAfter?: number;
  seekLatency?: number;
  /** ms until it can play (HAVE_ENOUGH_DATA). */
  readyAt?: number;
  /** After a paused seek it reports only HAVE_CURRENT_DATA, though all of it is buffered (as
   * WebKitGTK does after a seek from the end). */
  lowAfterSeek?: boolean;
}

class FakeMedia implements SyncMedia {
  readyState = 1;
  seeking = false;
  paused = true;
  ended = false;
  duration: number;
  /** Sim times of each play() call. */
  plays: number[] = [];
  rates: number[] = [];
  private rate = 1;
  private base = 0;
  private since = 0;
  private running = false;
  private turn = 0;
  private listeners = new Map<string, Set<() => void>>();
  private stallUntil = -1;
  private starving = false;
  /** A seek (or nothing yet) since it last played: the next start is a slow one. */
  private fresh = true;
  private startedFresh = false;

  constructor(
    private sim: Sim,
    private o: FakeOptions = {},
  ) {
    this.duration = o.duration ?? 2;
    sim.media.push(this);
    sim.later(o.readyAt ?? 0, () => {
      this.readyState = 4;
      this.emit("loadedmetadata");
      this.emit("canplay");
    });
  }

  get currentTime(): number {
    if (!this.running) return this.base;
    if (this.sim.now < this.since + (this.startedFresh ? (this.o.reportAfter ?? 0) : 0)) return this.base;
    return Math.min(this.duration, this.base + ((this.sim.now - this.since) / 1000) * this.rate);
  }
  set currentTime(t: number) {
    this.freeze();
    this.stallUntil = -1;
    this.fresh = true;
    this.base = Math.max(0, Math.min(this.duration, t));
    this.seeking = true;
    this.ended = false;
    const turn = ++this.turn;
    this.sim.later(this.o.seekLatency ?? 30, () => {
      if (turn !== this.turn) return;
      this.seeking = false;
      this.readyState = this.starving || (this.o.lowAfterSeek && this.paused) ? 2 : 4;
      this.emit("seeked");
      this.emit("canplay");
      if (!this.paused) this.startSoon();
    });
  }

  get buffered() {
    const all = this.readyState >= 2;
    const end = this.starving ? this.currentTime : this.duration;
    return { length: all ? 1 : 0, start: () => 0, end: () => end };
  }

  get playbackRate(): number {
    return this.rate;
  }
  set playbackRate(r: number) {
    if (this.running) {
      this.base = this.currentTime;
      this.since = this.sim.now;
    }
    this.rate = r;
    this.rates.push(r);
  }

  play() {
    this.plays.push(this.sim.now);
    if (!this.paused) return Promise.resolve();
    this.paused = false;
    if (this.ended) {
      this.ended = false;
      this.base = 0;
    }
    if (this.readyState >= 2 && !this.seeking && !this.starving) {
      this.readyState = 4;
      this.startSoon();
    }
    return Promise.resolve();
  }

  pause() {
    this.freeze();
    this.paused = true;
    this.turn++;
  }

  /** Stops moving for `ms` without a word (a decoder hiccup): it falls behind by that much. */
  hiccup(ms: number) {
    this.freeze();
    this.stallUntil = this.sim.now + ms;
  }

  /** Runs out of data for `ms`: `waiting`, then `canplay` again. */
  starve(ms: number) {
    this.freeze();
    this.readyState = 2;
    this.starving = true;
    this.emit("waiting");
    this.sim.later(ms, () => {
      this.starving = false;
      this.readyState = 4;
      this.emit("canplay");
      if (!this.paused && !this.seeking) this.startSoon();
    });
  }

  step() {
    if (this.stallUntil >= 0 && this.sim.now >= this.stallUntil) {
      this.stallUntil = -1;
      if (!this.paused && !this.running && !this.seeking) {
        this.running = true;
        this.since = this.sim.now;
      }
    }
    if (this.running && this.currentTime >= this.duration) {
      this.base = this.duration;
      this.running = false;
      this.ended = true;
      this.paused = true;
      this.emit("pause");
      this.emit("ended");
    }
  }

  addEventListener(type: string, fn: () => void) {
    if (!this.listeners.has(type)) this.listeners.set(type, new Set());
    this.listeners.get(type)!.add(fn);
  }
  removeEventListener(type: string, fn: () => void) {
    this.listeners.get(type)?.delete(fn);
  }
  get listenerCount(): number {
    return [...this.listeners.values()].reduce((n, s) => n + s.size, 0);
  }

  private emit(type: string) {
    for (const fn of [...(this.listeners.get(type) ?? [])]) fn();
  }

  private startSoon() {
    const turn = ++this.turn;
    const latency = this.fresh ? (this.o.startLatency ?? 0) + Math.floor(this.sim.random() * (this.o.jitter ?? 0)) : (this.o.resumeLatency ?? this.o.startLatency ?? 0);
    this.sim.later(latency, () => {
      if (turn !== this.turn || this.paused || this.seeking || this.readyState < HAVE_FUTURE_DATA) return;
      this.running = true;
      this.since = this.sim.now;
      this.startedFresh = this.fresh;
      this.fresh = false;
    });
  }

  private freeze() {
    this.base = this.currentTime;
    this.running = false;
  }
}

/** The figure: the largest spread of currentTime, sampled every 250 ms for `ms`. */
function sampleSpread(sim: Sim, media: FakeMedia[], ms = 5000): { max: number; median: number } {
  const spreads: number[] = [];
  for (let t = 0; t < ms; t += 250) {
    sim.advance(250);
    spreads.push(spread(media.map((m) => m.currentTime)));
  }
  const sorted = [...spreads].sort((a, b) => a - b);
  return { max: sorted[sorted.length - 1], median: sorted[Math.floor(sorted.length / 2)] };
}

function board(sim: Sim, n: number, o: (i: number) => FakeOptions = () => ({}), options: SyncOptions = {}) {
  const media = Array.from({ length: n }, (_, i) => new FakeMedia(sim, o(i)));
  const sync = sim.controller(options);
  for (const m of media) sync.add(m);
  return { media, sync };
}

describe("a coordinated start", () => {
  test("nothing plays until every clip can, then all are told to play in the same task", () => {
    const sim = new Sim();
    const { media, sync } = board(sim, 3, (i) => ({ readyAt: i === 2 ? 300 : 0 }));
    sync.play();
    expect(sync.playing).toBe(true);
    expect(sync.state).toBe("starting");
    sim.advance(250);
    expect(media.every((m) => m.plays.length === 0)).toBe(true);
    sim.advance(100);
    expect(sync.state).toBe("playing");
    const at = media.map((m) => m.plays);
    expect(at.every((p) => p.length === 1)).toBe(true);
    expect(new Set(at.map((p) => p[0])).size).toBe(1);
    expect(at[0][0]).toBeGreaterThanOrEqual(300);
  });

  test("clips at different places are first sent to one position (paused seeks), then started", () => {
    const sim = new Sim();
    const { media, sync } = board(sim, 3);
    sim.advance(10);
    media[1].currentTime = 0.5;
    sim.advance(50);
    sync.play();
    sim.advance(5);
    expect(media.every((m) => m.plays.length === 0)).toBe(true); // media[1] is being sent back to 0
    sim.advance(100);
    expect(new Set(media.map((m) => m.plays[0])).size).toBe(1);
    sim.advance(500);
    expect(spread(media.map((m) => m.currentTime))).toBeLessThan(0.002);
  });
});

describe("drift", () => {
  test("a clip that starts 60 ms late is nudged back by its rate, then runs at 1 again", () => {
    const sim = new Sim();
    const { media, sync } = board(sim, 3, (i) => ({ duration: 10, startLatency: i === 1 ? 60 : 5 }));
    sync.play();
    sim.advance(300);
    expect(media[0].currentTime - media[1].currentTime).toBeGreaterThan(0.05);
    sim.advance(1500);
    expect(Math.abs(media[0].currentTime - media[1].currentTime)).toBeLessThan(0.012);
    expect(media[1].rates.some((r) => r > 1)).toBe(true);
    expect(media[1].playbackRate).toBe(1);
    expect(media[0].rates).toEqual([]); // the leader is the clock: never nudged
    expect(sync.stats.resyncs).toBe(0);
    const { max } = sampleSpread(sim, media, 3000);
    expect(max).toBeLessThan(0.012);
  });

  test("nudges stay within 1 ± maxNudge, in steps", () => {
    const sim = new Sim();
    const { media, sync } = board(sim, 2, (i) => ({ duration: 10, startLatency: i === 1 ? 110 : 0 }), { maxNudge: 0.05, rateStep: 0.01 });
    sync.play();
    sim.advance(3000);
    for (const r of media[1].rates) {
      expect(r).toBeGreaterThanOrEqual(0.95);
      expect(r).toBeLessThanOrEqual(1.05);
      expect(Math.round(r * 100)).toBeCloseTo(r * 100, 6);
    }
  });

  test("without rate nudges a small drift is left alone", () => {
    const sim = new Sim();
    const { media, sync } = board(sim, 2, (i) => ({ duration: 10, startLatency: i === 1 ? 30 : 0 }), { nudge: "none" });
    sync.play();
    sim.advance(2000);
    expect(media[1].rates).toEqual([]);
    expect(sync.stats.resyncs).toBe(0);
    expect(media[0].currentTime - media[1].currentTime).toBeCloseTo(0.03, 2);
  });

  test("far off (a decoder hiccup): everyone holds, aligns on the leader and starts together", () => {
    const sim = new Sim();
    const { media, sync } = board(sim, 3, () => ({ duration: 10 }));
    sync.play();
    sim.advance(1000);
    media[2].hiccup(300);
    sim.advance(400);
    expect(sync.stats.resyncs).toBe(1);
    const restart = media.map((m) => m.plays[m.plays.length - 1]);
    expect(media.every((m) => m.plays.length === 2)).toBe(true);
    expect(new Set(restart).size).toBe(1);
    sim.advance(200);
    expect(spread(media.map((m) => m.currentTime))).toBeLessThan(0.002);
  });

  test("a clip that runs out of data: the others hold until it can play, then all start together", () => {
    const sim = new Sim();
    const { media, sync } = board(sim, 3, () => ({ duration: 10 }));
    sync.play();
    sim.advance(1000);
    media[1].starve(500);
    sim.advance(300); // its clock stood still for two ticks
    expect(media[0].paused && media[2].paused).toBe(true);
    const held = media[0].currentTime;
    sim.advance(150);
    expect(media[0].currentTime).toBe(held);
    sim.advance(300);
    expect(sync.state).toBe("playing");
    expect(media.every((m) => !m.paused)).toBe(true);
    expect(spread(media.map((m) => m.currentTime))).toBeLessThan(0.002);
  });
});

describe("holds (where a rate change costs a seek)", () => {
  const webkit = (latency: number[], jitter = 0) => (i: number): FakeOptions => ({
    duration: 2,
    startLatency: latency[i],
    jitter,
    resumeLatency: 3,
    seekLatency: 40,
  });

  test("a clip ahead of the slowest is paused for its lead: no rate change, no seek", () => {
    const sim = new Sim();
    const { media, sync } = board(sim, 3, (i) => ({ ...webkit([0, 30, 0])(i), duration: 10 }), { nudge: "hold", staggerStarts: false, warmStart: false });
    sync.play();
    sim.advance(120);
    expect(media[0].currentTime - media[1].currentTime).toBeGreaterThan(0.025);
    const seeks = sync.stats.seeks;
    sim.advance(400);
    expect(sync.stats.holds).toBe(2); // media[0] and media[2], each once
    expect(sync.stats.seeks).toBe(seeks);
    expect(media.every((m) => m.rates.length === 0)).toBe(true);
    expect(spread(media.map((m) => m.currentTime))).toBeLessThan(0.008);
    expect(sync.stats.resyncs).toBe(0);
  });

  test("a start is a barrier: each clip that gets going waits for the last, so even the start stays in step", () => {
    const sim = new Sim();
    // Starts after a seek anywhere from 10 to 90 ms late; resumes 3 ms late.
    const { media, sync } = board(sim, 5, webkit([10, 10, 10, 10, 10], 80), { nudge: "hold", interval: 40, settle: 60, staggerStarts: false });
    sync.play();
    let worst = 0;
    sim.advance(6000, () => (worst = Math.max(worst, spread(media.map((m) => m.currentTime)))));
    expect(sync.stats.loops).toBeGreaterThanOrEqual(2);
    expect(sync.stats.resyncs).toBe(0);
    // Sampled every millisecond, starts and loops included: never more than the poll and a resume.
    expect(worst).toBeLessThan(0.012);
  });

  test("clips whose time shows only once they run, already 30 ms in: the barrier still aligns them at once", () => {
    const sim = new Sim();
    const { media, sync } = board(sim, 5, (i) => ({ ...webkit([10, 10, 10, 10, 10], 50)(i), reportAfter: 30 }), {
      nudge: "hold",
      interval: 40,
      settle: 60,
      staggerStarts: false,
    });
    sync.play();
    // After the barrier (every clip shown moving) and one poll: within the tolerance.
    let aligned = -1;
    sim.advance(400, () => {
      if (aligned < 0 && media.every((m) => m.currentTime > 0.001) && spread(media.map((m) => m.currentTime)) < 0.012) aligned = sim.now;
    });
    expect(aligned).toBeGreaterThan(0);
    expect(aligned).toBeLessThan(150);
    const { max } = sampleSpread(sim, media, 5000);
    expect(max).toBeLessThanOrEqual(0.04);
  });

  test("a clip that stalls: the others wait for it, held, and go on with it (no seek)", () => {
    const sim = new Sim();
    const { media, sync } = board(sim, 3, (i) => ({ ...webkit([0, 0, 0])(i), duration: 10 }), { nudge: "hold", interval: 40, staggerStarts: false, resyncAbove: 0.3 });
    sync.play();
    sim.advance(500);
    const seeks = sync.stats.seeks;
    media[1].hiccup(250);
    let worst = 0;
    sim.advance(800, () => (worst = Math.max(worst, spread(media.map((m) => m.currentTime)))));
    expect(sync.stats.seeks).toBe(seeks);
    expect(sync.stats.resyncs).toBe(0);
    expect(worst).toBeLessThan(0.07); // two ticks to be sure of it, then the others wait
    expect(spread(media.map((m) => m.currentTime))).toBeLessThan(0.008);
    expect(media.every((m) => !m.paused)).toBe(true);
  });

  test("a clip stuck for good is not waited for forever: after a second all start again from there", () => {
    const sim = new Sim();
    const { media, sync } = board(sim, 3, (i) => ({ ...webkit([0, 0, 0])(i), duration: 10 }), { nudge: "hold", interval: 40, staggerStarts: false, resyncAbove: 0.3 });
    sync.play();
    sim.advance(500);
    media[2].hiccup(60_000); // until something moves it: a seek does
    sim.advance(700);
    expect(media[0].paused && media[1].paused).toBe(true); // waiting for it
    expect(sync.stats.resyncs).toBe(0);
    sim.advance(800);
    expect(sync.stats.resyncs).toBe(1);
    sim.advance(500);
    expect(media.every((m) => !m.paused)).toBe(true);
    expect(media[2].currentTime).toBeGreaterThan(0.9);
    expect(spread(media.map((m) => m.currentTime))).toBeLessThan(0.012);
  });

  test("the figure with WebKitGTK-like pipelines: random start lags, cheap resumes, a 2 s clip looping", () => {
    const sim = new Sim();
    const { media, sync } = board(sim, 5, webkit([4, 12, 25, 8, 18], 30), { nudge: "hold", resyncAbove: 0.3, interval: 40, settle: 60 });
    sync.play();
    sim.advance(200);
    const { max, median } = sampleSpread(sim, media, 5000);
    expect(sync.stats.loops).toBeGreaterThanOrEqual(2);
    expect(sync.stats.holds).toBeGreaterThan(0);
    expect(max).toBeLessThanOrEqual(0.04);
    expect(median).toBeLessThan(0.01);
  });
});

describe("the loop, seeks and pauses act on every clip together", () => {
  test("at the end every clip goes back to 0 and starts together, with no native loop (the issue's figure)", () => {
    const sim = new Sim();
    // Five pipelines with their own start and seek latencies, no rate nudges (as in WebKitGTK).
    const latency = [4, 12, 25, 8, 18];
    const { media, sync } = board(sim, 5, (i) => ({ duration: 2, startLatency: latency[i], seekLatency: [20, 35, 50, 25, 40][i] }), {
      nudge: "none",
      resyncAbove: 0.03,
    });
    sync.play();
    const { max, median } = sampleSpread(sim, media, 5000);
    expect(sync.stats.loops).toBeGreaterThanOrEqual(2);
    // The first start: every clip told to play in the same task.
    expect(new Set(media.map((m) => m.plays[0])).size).toBe(1);
    // Later starts: the slowest told first, each other one later by the difference it showed.
    const k = media[0].plays.length - 1;
    const told = media.map((m) => m.plays[k] - media[2].plays[k]);
    told.forEach((t, i) => expect(Math.abs(t - (latency[2] - latency[i]))).toBeLessThanOrEqual(3));
    expect(sync.lags[2]).toBeGreaterThan(15);
    expect(max).toBeLessThanOrEqual(0.04);
    expect(median).toBeLessThan(0.005);
    expect(sync.playing).toBe(true);
  });

  test("without learned lags the start offsets stay (what staggering fixes)", () => {
    const sim = new Sim();
    const latency = [0, 20, 45, 5, 30];
    const { media, sync } = board(sim, 5, (i) => ({ duration: 2, startLatency: latency[i] }), { nudge: "none", staggerStarts: false });
    sync.play();
    const { median } = sampleSpread(sim, media, 5000);
    expect(median).toBeGreaterThan(0.04);
  });

  test("the loop turns just before the end: no clip reaches its end of stream", () => {
    const sim = new Sim();
    const { media, sync } = board(sim, 3, () => ({ duration: 2 }));
    const ended = media.map(() => 0);
    media.forEach((m, i) => m.addEventListener("ended", () => ended[i]++));
    sync.play();
    sim.advance(6500);
    expect(sync.stats.loops).toBe(3);
    expect(ended).toEqual([0, 0, 0]);
  });

  test("a clip that reports only its current frame after the seek back, though all of it is in, does not hold the start", () => {
    const sim = new Sim();
    const { media, sync } = board(sim, 3, (i) => ({ duration: 2, lowAfterSeek: i === 1 }));
    sync.play();
    sim.advance(2200);
    expect(sync.stats.loops).toBe(1);
    expect(media[1].readyState).toBe(4); // playing again
    expect(sync.state).toBe("playing");
    expect(new Set(media.map((m) => m.plays[1])).size).toBe(1);
  });

  test("with the loop off, all stop at the end", () => {
    const sim = new Sim();
    const { media, sync } = board(sim, 3);
    sync.setLoop(false);
    sync.play();
    sim.advance(2600);
    expect(sync.playing).toBe(false);
    expect(sync.state).toBe("paused");
    expect(media.every((m) => m.paused)).toBe(true);
    expect(sync.currentTime).toBe(2);
    // Play again: from the start.
    sync.play();
    sim.advance(300);
    expect(media.every((m) => m.currentTime > 0.1 && m.currentTime < 0.4)).toBe(true);
  });

  test("a seek while playing: all pause, all go there, all start again together", () => {
    const sim = new Sim();
    const { media, sync } = board(sim, 3, (i) => ({ duration: 4, seekLatency: [20, 60, 40][i] }));
    sync.play();
    sim.advance(500);
    sync.seek(3.0);
    expect(media.every((m) => m.paused && m.seeking)).toBe(true);
    expect(sync.currentTime).toBe(3);
    sim.advance(70);
    expect(sync.state).toBe("playing");
    expect(new Set(media.map((m) => m.plays[1])).size).toBe(1);
    sim.advance(200);
    expect(spread(media.map((m) => m.currentTime))).toBeLessThan(0.002);
    expect(media[0].currentTime).toBeGreaterThan(3.15);
    expect(media[0].currentTime).toBeLessThan(3.23); // 200 ms after a start ~60 ms after the seek
  });

  test("a seek while paused moves every clip and plays none", () => {
    const sim = new Sim();
    const { media, sync } = board(sim, 3);
    sim.advance(10);
    sync.seek(1.25);
    sim.advance(100);
    expect(media.map((m) => m.currentTime)).toEqual([1.25, 1.25, 1.25]);
    expect(media.every((m) => m.paused && m.plays.length === 0)).toBe(true);
    expect(sync.currentTime).toBe(1.25);
    sync.seek(99);
    expect(sync.currentTime).toBe(2);
  });

  test("pause stops every clip and sends the followers to the leader's frame", () => {
    const sim = new Sim();
    const { media, sync } = board(sim, 3, (i) => ({ duration: 10, startLatency: i === 2 ? 20 : 0 }), { nudge: "none" });
    sync.play();
    sim.advance(800);
    sync.pause();
    expect(media.every((m) => m.paused)).toBe(true);
    expect(sync.playing).toBe(false);
    const leaderAt = media[0].currentTime;
    sim.advance(100);
    expect(media.map((m) => m.currentTime)).toEqual([leaderAt, leaderAt, leaderAt]);
    expect(sync.currentTime).toBe(leaderAt);
    sync.toggle();
    sim.advance(100);
    expect(media.every((m) => !m.paused)).toBe(true);
  });
});

describe("clips of different lengths", () => {
  test("the longest drives; a shorter one holds its last frame until the loop", () => {
    const sim = new Sim();
    const { media, sync } = board(sim, 2, (i) => ({ duration: i === 0 ? 2 : 3 }));
    expect(sync.leader).toBe(media[1]);
    expect(sync.duration).toBe(3);
    sync.play();
    sim.advance(2500);
    expect(media[0].currentTime).toBe(2);
    expect(media[0].paused).toBe(true);
    expect(media[1].currentTime).toBeGreaterThan(2.4);
    expect(sync.stats.resyncs).toBe(0);
    sim.advance(700); // past 3 s: both from 0, together
    expect(sync.stats.loops).toBe(1);
    expect(new Set(media.map((m) => m.plays[1])).size).toBe(1);
    expect(media[0].currentTime).toBeCloseTo(media[1].currentTime, 2);
  });
});

describe("cells come and go", () => {
  test("a clip ready after the others started joins by one resync", () => {
    const sim = new Sim();
    const { media, sync } = board(sim, 2, () => ({ duration: 10 }));
    sync.play();
    sim.advance(1000);
    const late = new FakeMedia(sim, { duration: 10, readyAt: 200 });
    sync.add(late);
    sim.advance(100);
    expect(late.plays).toEqual([]);
    expect(media[0].paused).toBe(false); // the others keep playing while it loads
    sim.advance(400);
    expect(sync.stats.resyncs).toBe(1);
    expect(late.paused).toBe(false);
    expect(spread([...media, late].map((m) => m.currentTime))).toBeLessThan(0.002);
  });

  test("destroy stops listening and stops the clock", () => {
    const sim = new Sim();
    const { media, sync } = board(sim, 3);
    sync.play();
    sim.advance(200);
    expect(sim.liveTimers).toBe(1);
    sync.destroy();
    expect(media.every((m) => m.listenerCount === 0)).toBe(true);
    expect(sim.liveTimers).toBe(0);
    expect(sync.size).toBe(0);
    expect(sync.playing).toBe(false);
  });

  test("removing the leader hands the clock to the next longest", () => {
    const sim = new Sim();
    const { media, sync } = board(sim, 3, (i) => ({ duration: [2, 4, 3][i] }));
    expect(sync.leader).toBe(media[1]);
    sync.remove(media[1]);
    expect(sync.leader).toBe(media[2]);
    expect(sync.duration).toBe(3);
  });
});

test("spread is the largest difference", () => {
  expect(spread([1.0, 1.02, 0.99])).toBeCloseTo(0.03, 10);
  expect(spread([5])).toBe(0);
});
