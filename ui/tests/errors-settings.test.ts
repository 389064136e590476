import { describe, expect, test } from "vitest";
import { placeOf } from "../src/lib/errors";
import { fromForm, toForm } from "../src/lib/settings";
import { toAppError, type AppError, type ErrorAction, type ErrorKind, type Field } from "../src/lib/ipc";
import { ERROR_KINDS } from "../src/lib/ipc/bindings/constants";
import { appState } from "./fixtures";

const err = (kind: ErrorKind, field: Field | null = null, action: ErrorAction | null = null): AppError => ({
  kind,
  field,
  message: "m",
  action,
  link: null,
});

describe("where an error shows", () => {
  test("by its field, else its kind and action: never by its message", () => {
    expect(placeOf(err("unauthorized"))).toBe("banner");
    expect(placeOf(err("server", null, "retry"))).toBe("banner");
    expect(placeOf(err("wrong_secret", null, "fix_settings"))).toBe("banner");
    expect(placeOf(err("file_too_large", "image"))).toBe("image");
    expect(placeOf(err("file_too_large"))).toBe("image");
    expect(placeOf(err("invalid_input", "prompt"))).toBe("prompt");
    expect(placeOf(err("invalid_input", "image"))).toBe("image");
    expect(placeOf(err("invalid_input", "duration"))).toBe("form");
    expect(placeOf(err("invalid_input"))).toBe("form");
    expect(placeOf(err("missing_image", "image"))).toBe("image");
  });

  test("every kind Rust names has a place", () => {
    for (const kind of ERROR_KINDS) {
      expect(["banner", "prompt", "image", "form"]).toContain(placeOf(err(kind)));
    }
    expect(ERROR_KINDS.length).toBeGreaterThan(50);
  });

  test("anything the core rejects with becomes an AppError", () => {
    expect(toAppError({ kind: "network", field: null, message: "Offline." })).toEqual({ kind: "network", field: null, message: "Offline.", action: null, link: null });
    expect(toAppError({ kind: "invalid_input", field: "prompt", message: "Write a prompt." }).field).toBe("prompt");
    expect(toAppError({ kind: "network", field: "nonsense", message: "y", action: "nonsense" })).toMatchObject({ field: null, action: null });
    expect(toAppError({ kind: "from_a_newer_core", message: "A sentence." })).toMatchObject({ kind: "internal", message: "A sentence." });
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
