import { describe, expect, test } from "vitest";
import { placeOf } from "../src/lib/errors";
import { fromForm, toForm } from "../src/lib/settings";
import { toAppError } from "../src/lib/ipc";
import { appState } from "./fixtures";

const err = (kind: string, message = "m", action: "retry" | null = null) => ({ kind, message, action, link: null });

describe("where an error shows", () => {
  test("by kind, action and the field its sentence names", () => {
    expect(placeOf(err("unauthorized"))).toBe("banner");
    expect(placeOf(err("server", "m", "retry"))).toBe("banner");
    expect(placeOf(err("file_too_large"))).toBe("image");
    expect(placeOf(err("invalid_input", "Write a prompt: it cannot be empty."))).toBe("prompt");
    expect(placeOf(err("invalid_input", "The image link must be an https:// address"))).toBe("image");
    expect(placeOf(err("invalid_input", "mp4 does not make 7-second clips"))).toBe("form");
  });

  test("anything the core rejects with becomes an AppError", () => {
    expect(toAppError({ kind: "network", message: "Offline." })).toEqual({ kind: "network", message: "Offline.", action: null, link: null });
    expect(toAppError({ kind: "x", message: "y", action: "nonsense" }).action).toBeNull();
    expect(toAppError("plain text").message).toBe("plain text");
    expect(toAppError(new TypeError("boom")).message).toMatch(/Restart the app/);
  });
});

describe("the settings form", () => {
  const settings = appState().settings;

  test("round-trips unchanged settings", () => {
    const r = fromForm(toForm(settings));
    expect(r).toEqual({ ok: true, settings, bucket_secret: null });
  });

  test("converts the dollar threshold exactly", () => {
    const f = { ...toForm(settings), confirm_above: "2.35" };
    const r = fromForm(f);
    expect(r.ok && r.settings.confirm_above_micros).toBe(2_350_000);
    expect(fromForm({ ...f, confirm_above: "-1" })).toMatchObject({ ok: false, errors: { confirm_above: expect.any(String) } });
  });

  test("the bucket secret is write-only: sent only when typed", () => {
    const f = toForm(settings);
    f.hosting = "s3";
    f.s3 = { endpoint: "https://s3.example.com", bucket: "clips", region: "auto", access_key_id: "AKIA", secret_set: false };
    expect(fromForm(f)).toMatchObject({ ok: false, errors: { s3: expect.stringMatching(/secret/) } });
    f.secret = "s3cr3t";
    const r = fromForm(f);
    expect(r).toMatchObject({
      ok: true,
      bucket_secret: "s3cr3t",
      settings: { image_hosting: { kind: "s3", bucket: "clips", secret_set: false } },
    });
    expect(JSON.stringify(r.ok && r.settings)).not.toContain("s3cr3t");
    f.secret = "";
    f.s3.secret_set = true;
    expect(fromForm(f)).toMatchObject({ ok: true, bucket_secret: null });
  });
});
