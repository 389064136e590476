import { afterEach, describe, expect, test, vi } from "vitest";
import { Countdown, undoWindow, type Clock } from "../src/lib/undo";
import { ToastStore } from "../src/lib/stores/toasts.svelte";

/** A clock the test moves by hand. */
function manualClock() {
  let now = 0;
  const timers = new Map<number, { at: number; fn: () => void }>();
  let next = 1;
  const clock: Clock = {
    now: () => now,
    setTimeout: (fn, ms) => {
      timers.set(next, { at: now + ms, fn });
      return next++;
    },
    clearTimeout: (h) => void timers.delete(h as number),
  };
  return {
    clock,
    advance(ms: number) {
      now += ms;
      for (const [h, t] of [...timers]) {
        if (t.at <= now) {
          timers.delete(h);
          t.fn();
        }
      }
    },
  };
}

afterEach(() => vi.useRealTimers());

describe("the undo window", () => {
  test("never longer than 6 s nor past the core's deadline (less a margin)", () => {
    const now = Date.UTC(2026, 0, 1);
    expect(undoWindow(new Date(now + 10_000).toISOString(), now)).toBe(6_000);
    expect(undoWindow(new Date(now + 6_000).toISOString(), now)).toBe(5_600);
    expect(undoWindow(new Date(now + 1_000).toISOString(), now)).toBe(600);
    expect(undoWindow(new Date(now - 1_000).toISOString(), now)).toBe(0);
    expect(undoWindow("not a date", now)).toBe(6_000);
  });
});

describe("the countdown", () => {
  test("fires once when the time is up", () => {
    const t = manualClock();
    let fired = 0;
    const c = new Countdown(6_000, () => fired++, t.clock);
    t.advance(5_999);
    expect(fired).toBe(0);
    expect(c.remaining()).toBe(1);
    t.advance(1);
    expect(fired).toBe(1);
    expect(c.done).toBe(true);
    t.advance(10_000);
    expect(fired).toBe(1);
  });

  test("pausing stops the clock (pointer on the toast); resuming continues where it was", () => {
    const t = manualClock();
    let fired = 0;
    const c = new Countdown(6_000, () => fired++, t.clock);
    t.advance(2_000);
    c.pause();
    expect(c.paused).toBe(true);
    t.advance(60_000);
    expect(fired).toBe(0);
    expect(c.remaining()).toBe(4_000);
    c.resume();
    t.advance(3_999);
    expect(fired).toBe(0);
    t.advance(1);
    expect(fired).toBe(1);
  });

  test("cancelled: never fires", () => {
    const t = manualClock();
    let fired = 0;
    const c = new Countdown(100, () => fired++, t.clock);
    c.cancel();
    t.advance(1_000);
    expect(fired).toBe(0);
    c.resume();
    t.advance(1_000);
    expect(fired).toBe(0);
  });
});

describe("the toast", () => {
  test("a newer toast replaces the older one and its timer", () => {
    vi.useFakeTimers();
    const toasts = new ToastStore();
    toasts.show("Deleted", { ms: 6_000, action: { label: "Undo", run: () => {} } });
    vi.advanceTimersByTime(3_000);
    toasts.show("Saved to /tmp/a.mp4", { ms: 4_000 });
    vi.advanceTimersByTime(3_500);
    expect(toasts.current?.message).toBe("Saved to /tmp/a.mp4");
    vi.advanceTimersByTime(500);
    expect(toasts.current).toBeNull();
  });

  test("the action runs once and closes the toast", async () => {
    const toasts = new ToastStore();
    let runs = 0;
    toasts.show("Deleted", { action: { label: "Undo", run: () => void runs++ } });
    await toasts.act();
    await toasts.act();
    expect(runs).toBe(1);
    expect(toasts.current).toBeNull();
  });

  test("dismissing an old id leaves a newer toast alone", () => {
    const toasts = new ToastStore();
    const first = toasts.show("one");
    toasts.show("two");
    toasts.dismiss(first);
    expect(toasts.current?.message).toBe("two");
  });
});
