import { describe, expect, test } from "vitest";
import { GrabQueue, withVersion } from "../src/lib/frames";

function deferred() {
  let resolve!: () => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const flush = async () => {
  for (let i = 0; i < 5; i++) await Promise.resolve();
};

describe("frame grabs", () => {
  test("at most two at a time; the rest wait their turn", async () => {
    const q = new GrabQueue(2);
    const jobs = [deferred(), deferred(), deferred()];
    let started = 0;
    const results = jobs.map((d, i) =>
      q.request(i, () => {
        started++;
        return d.promise;
      }),
    );
    expect(started).toBe(2);
    expect([q.active, q.queued]).toEqual([2, 1]);
    jobs[0].resolve();
    await flush();
    expect(started).toBe(3);
    jobs[1].reject(new Error("tainted"));
    jobs[2].resolve();
    expect(await Promise.all(results)).toEqual([true, false, true]);
    expect([q.state(0), q.state(1), q.state(2)]).toEqual(["ok", "failed", "ok"]);
  });

  test("each clip is tried once per session, whatever the outcome", async () => {
    const q = new GrabQueue(2);
    let runs = 0;
    await q.request(7, async () => {
      runs++;
      throw new Error("no picture");
    });
    expect(await q.request(7, async () => void runs++)).toBeNull();
    expect(runs).toBe(1);
  });

  test("a queued grab whose tile scrolled away is dropped, and may be asked for again", async () => {
    const q = new GrabQueue(1);
    const first = deferred();
    void q.request(1, () => first.promise);
    let ran = false;
    const second = q.request(2, async () => void (ran = true));
    q.cancel(2);
    expect(await second).toBeNull();
    expect(q.state(2)).toBeUndefined();
    first.resolve();
    await flush();
    expect(ran).toBe(false);
    expect(await q.request(2, async () => void (ran = true))).toBe(true);
    expect(ran).toBe(true);
  });

  test("the settled callback reports each outcome", async () => {
    const seen: [number, string][] = [];
    const q = new GrabQueue(2, (k, s) => seen.push([k, s]));
    await q.request(1, async () => {});
    await q.request(2, async () => {
      throw new Error("x");
    });
    expect(seen).toEqual([
      [1, "ok"],
      [2, "failed"],
    ]);
  });
});

test("a made poster is refetched with a version; data URLs are left alone", () => {
  expect(withVersion("http://127.0.0.1:9/s/thumb/4", 17)).toBe("http://127.0.0.1:9/s/thumb/4?v=17");
  expect(withVersion("http://127.0.0.1:9/s/thumb/4?w=320", 17)).toBe("http://127.0.0.1:9/s/thumb/4?w=320&v=17");
  expect(withVersion("http://127.0.0.1:9/s/thumb/4", undefined)).toBe("http://127.0.0.1:9/s/thumb/4");
  expect(withVersion("data:image/svg+xml,abc", 3)).toBe("data:image/svg+xml,abc");
});
