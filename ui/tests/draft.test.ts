import { describe, expect, test } from "vitest";
import {
  MAX_PROMPT_CHARS,
  buildDraft,
  clampDuration,
  holdMicros,
  imageUrlProblem,
  needsConfirm,
  promptLength,
  promptProblem,
  stepDuration,
} from "../src/lib/draft";
import { formatCents, formatExact } from "../src/lib/money";
import { image, model } from "./fixtures";

describe("price", () => {
  test("is the model's rate times the duration, exact", () => {
    const kling = model({ rate_micros: 151_200 });
    expect(holdMicros(kling, 5)).toBe(756_000);
    expect(formatCents(holdMicros(kling, 5))).toBe("$0.76");
    expect(formatExact(holdMicros(kling, 5))).toBe("$0.756");
    expect(holdMicros(kling, 10)).toBe(1_512_000);
  });

  test("asks once more only above the threshold", () => {
    expect(needsConfirm(1_512_000, 1_000_000)).toBe(true);
    expect(needsConfirm(1_000_000, 1_000_000)).toBe(false);
    expect(needsConfirm(756_000, 1_000_000)).toBe(false);
  });
});

describe("duration", () => {
  const a = model({ durations: [5, 10], default_duration: 5 });
  const b = model({ durations: [4, 6, 8], default_duration: 8 });

  test("keeps an allowed duration when the model changes", () => {
    expect(clampDuration(a, 10)).toBe(10);
  });

  test("moves to the nearest allowed one, the shorter on a tie", () => {
    expect(clampDuration(b, 10)).toBe(8);
    expect(clampDuration(b, 5)).toBe(4);
    expect(clampDuration(a, 6)).toBe(5);
    expect(clampDuration(a, 8)).toBe(10);
  });

  test("starts at the model's default", () => {
    expect(clampDuration(b, null)).toBe(8);
    expect(clampDuration(model({ durations: [], default_duration: 6 }), 10)).toBe(6);
  });

  test("steps along the allowed values and stops at the ends", () => {
    expect(stepDuration(b, 4, 1)).toBe(6);
    expect(stepDuration(b, 8, 1)).toBe(8);
    expect(stepDuration(b, 4, -1)).toBe(4);
    expect(stepDuration(model({ durations: [10, 5] }), 10, -1)).toBe(5);
  });
});

describe("prompt", () => {
  test("counts characters as Rust does (scalar values, not UTF-16 units)", () => {
    expect(promptLength("abc")).toBe(3);
    expect(promptLength("🎬é")).toBe(2);
  });

  test("must not be empty or over the limit", () => {
    expect(promptProblem("")).toMatch(/cannot be empty/);
    expect(promptProblem("   \n")).toMatch(/cannot be empty/);
    expect(promptProblem("\u0001\u0002\t\u007f")).toMatch(/cannot be empty/);
    expect(promptProblem("\u0001a lighthouse")).toBeNull();
    expect(promptProblem("a".repeat(MAX_PROMPT_CHARS))).toBeNull();
    expect(promptProblem("a".repeat(MAX_PROMPT_CHARS + 1))).toMatch(/4001 characters.*Shorten it by 1/);
    expect(promptProblem("🎬".repeat(MAX_PROMPT_CHARS))).toBeNull();
  });

  test("an image link must be https", () => {
    expect(imageUrlProblem("")).toBeNull();
    expect(imageUrlProblem("https://example.com/a.jpg")).toBeNull();
    expect(imageUrlProblem("http://example.com/a.jpg")).toMatch(/https/);
    expect(imageUrlProblem("file:///tmp/a.jpg")).toMatch(/https/);
  });
});

/** A draft's shot fields when none is set. */
const NO_SHOT = {
  end_image_id: null,
  end_image_url: null,
  options: { aspect: null, negative_prompt: null, cfg_scale: null, seed: null },
  takes: 1,
};

describe("the Draft", () => {
  test("carries each frame and the options; a picture wins over a link", () => {
    const d = buildDraft({
      model: "seedance-2-fast",
      prompt: "p",
      duration: 5,
      image: image(),
      imageUrl: "",
      endImage: image({ id: "img_end" }),
      endImageUrl: "https://x.io/end.jpg",
      options: { aspect: "9:16", negative_prompt: null, cfg_scale: null, seed: 7 },
      takes: 3,
    });
    expect(d.end_image_id).toBe("img_end");
    expect(d.end_image_url).toBeNull();
    expect(d.options.aspect).toBe("9:16");
    expect(d.takes).toBe(3);
    expect(buildDraft({ model: "m", prompt: "p", duration: 5, image: null, imageUrl: "", endImageUrl: " https://x.io/e.jpg " }).end_image_url).toBe("https://x.io/e.jpg");
  });

  test("has exactly the contract's fields", () => {
    const d = buildDraft({ model: "kling-3-pro", prompt: "p", duration: 5, image: image(), imageUrl: "" });
    expect(Object.keys(d).sort()).toEqual([
      "duration",
      "end_image_id",
      "end_image_url",
      "image_id",
      "image_url",
      "model",
      "options",
      "prompt",
      "takes",
    ]);
    expect(d).toEqual({ ...NO_SHOT, model: "kling-3-pro", prompt: "p", duration: 5, image_id: "img_1", image_url: null });
  });

  test("sends a link only without a start image", () => {
    expect(buildDraft({ model: "m", prompt: "p", duration: 5, image: null, imageUrl: " https://x.io/a.jpg " })).toEqual({
      ...NO_SHOT,
      model: "m",
      prompt: "p",
      duration: 5,
      image_id: null,
      image_url: "https://x.io/a.jpg",
    });
    expect(buildDraft({ model: "m", prompt: "p", duration: 5, image: image(), imageUrl: "https://x.io/a.jpg" }).image_url).toBeNull();
  });
});
