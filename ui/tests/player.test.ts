// @vitest-environment jsdom
import { expect, test, vi } from "vitest";
import { playerKey, releaseOnRemove } from "../src/lib/player";

function video() {
  const v = document.createElement("video");
  v.src = "http://127.0.0.1:1/s/clip/1";
  const pause = vi.spyOn(v, "pause").mockImplementation(() => {});
  const load = vi.spyOn(v, "load").mockImplementation(() => {});
  return { v, pause, load };
}

test("a video leaving the page is stopped and its source dropped, then reloaded empty", () => {
  const { v, pause, load } = video();
  const release = releaseOnRemove(v);
  expect(pause).not.toHaveBeenCalled();
  release();
  expect(pause).toHaveBeenCalledOnce();
  expect(v.hasAttribute("src")).toBe(false);
  expect(load).toHaveBeenCalledOnce();
  expect(pause.mock.invocationCallOrder[0]).toBeLessThan(load.mock.invocationCallOrder[0]);
});

test("player keys: arrows seek within the clip, L toggles loop, typing in a field is left alone", () => {
  const { v } = video();
  Object.defineProperty(v, "duration", { value: 2 });
  v.currentTime = 1.5;
  let loops = 0;
  expect(playerKey(new KeyboardEvent("keydown", { key: "ArrowRight" }), v, () => loops++)).toBe(true);
  expect(v.currentTime).toBe(2);
  expect(playerKey(new KeyboardEvent("keydown", { key: "l" }), v, () => loops++)).toBe(true);
  expect(loops).toBe(1);
  const field = document.createElement("input");
  document.body.append(field);
  field.focus();
  expect(playerKey(new KeyboardEvent("keydown", { key: "l" }), v, () => loops++)).toBe(false);
  expect(loops).toBe(1);
  field.remove();
});
