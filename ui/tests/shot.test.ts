import { describe, expect, it } from "vitest";
import { BUNDLED_MODELS } from "../src/lib/ipc/bindings/constants";
import {
  appliedOptions,
  aspectMode,
  clampTakes,
  dropped,
  droppedSentence,
  endFrameApplies,
  nearestAspect,
  shapeLabel,
  negativeProblem,
  randomSeed,
  seedProblem,
  shapeBox,
  totalHold,
  type Wanted,
} from "../src/lib/shot";

// The capability tables come from Rust (constants.ts is generated from the bundled catalog).
const caps = (id: string) => {
  const m = BUNDLED_MODELS.find((x) => x.id === id);
  if (!m) throw new Error(id);
  return m.caps;
};
const kling = caps("kling-3-pro");
const kling25 = caps("kling-2.5-pro");
const seedance = caps("seedance-2-fast");
const none: Wanted = { aspect: null, negative: "", seed: "", endFrame: false };

describe("the aspect picker", () => {
  it("offers only what the model takes", () => {
    expect(aspectMode(kling, false)).toEqual({ kind: "pick", aspects: ["16:9", "9:16", "1:1"] });
    expect(aspectMode(seedance, false)).toEqual({
      kind: "pick",
      aspects: ["auto", "21:9", "16:9", "4:3", "1:1", "3:4", "9:16"],
    });
  });
  it("says the image decides for Kling image-to-video, not for Seedance", () => {
    expect(aspectMode(kling25, true)).toEqual({ kind: "image" });
    expect(aspectMode(seedance, true).kind).toBe("pick");
  });
  it("draws shapes in proportion and names an image's shape", () => {
    expect(shapeBox("9:16", 32)).toEqual({ w: 18, h: 32 });
    expect(shapeBox("21:9", 21)).toEqual({ w: 21, h: 9 });
    expect(nearestAspect(1080, 1920)).toBe("9:16");
    expect(nearestAspect(1470, 630)).toBe("21:9");
    expect(nearestAspect(960, 960)).toBe("1:1");
    expect(nearestAspect(4032, 3024)).toBe("4:3");
    expect(shapeLabel(1200, 800)).toBe("3:2");
    expect(shapeLabel(1080, 1920)).toBe("9:16");
    expect(shapeLabel(2048, 878)).toBe("≈ 21:9");
    expect(shapeLabel(1000, 1001)).toBe("≈ 1:1");
  });
});

describe("switching models", () => {
  const wanted: Wanted = { aspect: "4:3", negative: "", seed: "42", endFrame: true };

  it("keeps what still applies and names what is not sent", () => {
    expect(appliedOptions(seedance, wanted, true)).toEqual({ aspect: "4:3", negative_prompt: null, cfg_scale: null, seed: 42 });
    expect(appliedOptions(kling, wanted, false)).toEqual({ aspect: null, negative_prompt: null, cfg_scale: null, seed: null });
    expect(dropped(kling, wanted, false)).toEqual(["the 4:3 shape", "the seed 42"]);
    expect(droppedSentence("kling-3-pro", kling, wanted, false)).toBe(
      "kling-3-pro does not take the 4:3 shape and the seed 42: they are kept, not sent, and apply again when you switch back.",
    );
    // Switching back: the wanted options were never cleared, so all of them apply again.
    expect(dropped(seedance, wanted, true)).toEqual([]);
    expect(droppedSentence("seedance-2-fast", seedance, wanted, true)).toBeNull();
  });

  it("names a dropped negative prompt and says one thing in the singular", () => {
    const w: Wanted = { ...none, negative: "blur" };
    expect(droppedSentence("seedance-2-fast", seedance, w, false)).toBe(
      'seedance-2-fast does not take "Avoid": it is kept, not sent, and applies again when you switch back.',
    );
    expect(appliedOptions(kling, w, false).negative_prompt).toBe("blur");
  });

  it("does not count the image deciding the shape as a loss", () => {
    expect(dropped(kling, { ...none, aspect: "9:16" }, true)).toEqual([]);
    expect(appliedOptions(kling, { ...none, aspect: "9:16" }, true).aspect).toBeNull();
  });

  it("sends an end frame only with a start image, to a model that takes one", () => {
    expect(endFrameApplies(kling, true)).toBe(true);
    expect(endFrameApplies(kling, false)).toBe(false);
    const noEnd = { ...kling, end_image_param: null };
    expect(dropped(noEnd, { ...none, endFrame: true }, true)).toEqual(["the end frame"]);
  });
});

describe("seed, avoid and takes", () => {
  it("checks the seed as the core does", () => {
    expect(seedProblem("")).toBeNull();
    expect(seedProblem(" 42 ")).toBeNull();
    expect(seedProblem("2147483647")).toBeNull();
    for (const bad of ["-1", "2147483648", "1.5", "abc"]) {
      expect(seedProblem(bad)).toBe("The seed must be a whole number from 0 to 2147483647.");
    }
    for (let i = 0; i < 50; i++) expect(seedProblem(String(randomSeed()))).toBeNull();
    expect(randomSeed(() => 0.999999999999)).toBe(2147483647);
  });
  it("limits Avoid to the model's length", () => {
    expect(negativeProblem("x".repeat(2500))).toBeNull();
    expect(negativeProblem("字".repeat(2501))).toMatch(/2501 characters long; the model accepts at most 2500/);
  });
  it("multiplies the hold by the takes, 1 to 4", () => {
    expect(totalHold(326_565, 3)).toBe(979_695);
    expect(clampTakes(0)).toBe(1);
    expect(clampTakes(9)).toBe(4);
    expect(totalHold(100, Number.NaN)).toBe(100);
  });
});
