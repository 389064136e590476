// @vitest-environment jsdom
import { afterEach, expect, test, vi } from "vitest";
import { clearMocks, fakeBackend, tick } from "./backend";

// The frame grab needs a real video decoder; here it is a promise the test settles by hand.
const grabs: { url: string; settle: (ok: boolean) => void }[] = [];
vi.mock("../src/lib/frames", async (importOriginal) => {
  const real = await importOriginal<typeof import("../src/lib/frames")>();
  return {
    ...real,
    grabFrame: (url: string) =>
      new Promise((resolve, reject) =>
        grabs.push({
          url,
          settle: (ok) => (ok ? resolve({ base64: "/9j/", width: 320, height: 180 }) : reject(new Error("no frame"))),
        }),
      ),
  };
});

const { PosterStore } = await import("../src/lib/stores/posters.svelte");

afterEach(() => {
  grabs.length = 0;
  clearMocks();
});

test("a tile whose poster is being drawn is 'making', then gets a new version once Rust has the JPEG", async () => {
  const backend = fakeBackend({ thumb_put: () => null });
  const p = new PosterStore();
  p.broken(6, "http://127.0.0.1:1/s/clip/6", "http://127.0.0.1:1/s/thumb/6");
  expect(p.making(6)).toBe(true);
  expect(p.failed(6, "http://127.0.0.1:1/s/thumb/6")).toBe(false);
  expect(grabs.map((g) => g.url)).toEqual(["http://127.0.0.1:1/s/clip/6"]);
  grabs[0].settle(true);
  await tick();
  await tick();
  expect(backend.calls.find((c) => c.cmd === "thumb_put")?.args).toEqual({ id: 6, bytes: "/9j/" });
  expect(p.making(6)).toBe(false);
  expect(p.version(6)).toBeGreaterThan(0);
  // The same poster URL failing again after it was made is not drawn a second time.
  p.broken(6, "http://127.0.0.1:1/s/clip/6", "http://127.0.0.1:1/s/thumb/6?v=1");
  expect(grabs).toHaveLength(1);
  expect(p.failed(6, "http://127.0.0.1:1/s/thumb/6?v=1")).toBe(true);
});

test("a grab that fails marks the tile failed (an icon, never a broken image) and is not retried", async () => {
  fakeBackend({ thumb_put: () => null });
  const p = new PosterStore();
  p.broken(7, "http://127.0.0.1:1/s/clip/7", "t7");
  grabs[0].settle(false);
  await tick();
  await tick();
  expect(p.making(7)).toBe(false);
  expect(p.failed(7, "anything")).toBe(true);
  p.broken(7, "http://127.0.0.1:1/s/clip/7", "t7");
  expect(grabs).toHaveLength(1);
});

test("a record without a clip fails at once; a cancelled grab is no longer 'making'", () => {
  fakeBackend({});
  const p = new PosterStore();
  p.broken(8, null, "t8");
  expect(p.failed(8, "t8")).toBe(true);
  expect(p.making(8)).toBe(false);
  // Two run at a time: the third waits in the queue and can be cancelled.
  p.broken(1, "c1", "t1");
  p.broken(2, "c2", "t2");
  p.broken(3, "c3", "t3");
  expect(grabs).toHaveLength(2);
  expect(p.making(3)).toBe(true);
  p.cancel(3);
  expect(p.making(3)).toBe(false);
  expect(p.busy).toBe(2);
});

test("a poster refused for a full disk says the core's sentence once, however many tiles fail", async () => {
  const sentence =
    "The disk holding /media/ext/Kyma is full: 0 KB free. Free some space there; the poster is made once there is room.";
  fakeBackend({
    thumb_put: () => {
      throw { kind: "disk_full", field: null, message: sentence, action: null, link: null };
    },
  });
  const { ToastStore } = await import("../src/lib/stores/toasts.svelte");
  const toasts = new ToastStore();
  const said = vi.spyOn(toasts, "error");
  const p = new PosterStore(toasts);
  p.broken(1, "c1", "t1");
  p.broken(2, "c2", "t2");
  grabs[0].settle(true);
  grabs[1].settle(true);
  for (let i = 0; i < 4; i++) await tick();
  expect(p.failed(1, "t1")).toBe(true);
  expect(p.failed(2, "t2")).toBe(true);
  expect(said.mock.calls).toEqual([[sentence]]);
  expect(toasts.current?.message).toBe(sentence);
});

test("a poster that failed for want of a clip is drawn once the clip is there (its folder back)", () => {
  fakeBackend({ thumb_put: () => null });
  const p = new PosterStore();
  p.broken(9, null, "t9");
  expect(p.failed(9, "t9", null)).toBe(true);
  expect(p.failed(9, "t9", "http://127.0.0.1:1/s/clip/9")).toBe(false);
  p.broken(9, "http://127.0.0.1:1/s/clip/9", "t9");
  expect(p.making(9)).toBe(true);
  p.cancel(9);
});
