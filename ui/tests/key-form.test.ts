// @vitest-environment jsdom
import { afterEach, expect, test } from "vitest";
import { cleanup, fireEvent, render, screen } from "@testing-library/svelte";
import KeyForm from "../src/components/KeyForm.svelte";
import { app } from "../src/lib/stores";
import { clearMocks, fakeBackend, tick } from "./backend";

afterEach(() => {
  cleanup();
  clearMocks();
});

const saved = { state: "keychain", masked: "ky-…wxyz", keychain_available: true, keychain_message: null } as const;

test("the key goes to key_set once and the field is cleared", async () => {
  app.key = { state: "none", masked: null, keychain_available: true, keychain_message: null };
  const backend = fakeBackend({ key_set: () => saved });
  render(KeyForm);
  const input = screen.getByLabelText("Kyma API key") as HTMLInputElement;
  await fireEvent.input(input, { target: { value: " ky-secret-wxyz " } });
  await fireEvent.click(screen.getByRole("button", { name: "Save key" }));
  await tick();
  expect(backend.calls).toEqual([{ cmd: "key_set", args: { key: "ky-secret-wxyz" } }]);
  expect(input.value).toBe("");
  expect(app.key.masked).toBe("ky-…wxyz");
});

test("without a keychain it offers this session only, and shows why", async () => {
  app.key = { state: "none", masked: null, keychain_available: false, keychain_message: "No Secret Service is running." };
  const backend = fakeBackend({ key_use_session: () => ({ ...saved, state: "session", keychain_available: false }) });
  render(KeyForm);
  expect(screen.getByText(/No Secret Service is running\./)).toBeTruthy();
  const input = screen.getByLabelText("Kyma API key") as HTMLInputElement;
  await fireEvent.input(input, { target: { value: "ky-abc" } });
  await fireEvent.click(screen.getByRole("button", { name: "Use for this session only" }));
  await tick();
  expect(backend.commands()).toEqual(["key_use_session"]);
  expect(input.value).toBe("");
  expect(app.key.state).toBe("session");
});

test("a refused key shows Rust's sentence and is not kept", async () => {
  app.key = { state: "none", masked: null, keychain_available: true, keychain_message: null };
  fakeBackend({
    key_set: () => {
      throw { kind: "unauthorized", field: null, message: "Kyma did not accept the API key.", action: "replace_key", link: null };
    },
  });
  render(KeyForm);
  const input = screen.getByLabelText("Kyma API key") as HTMLInputElement;
  await fireEvent.input(input, { target: { value: "ky-wrong" } });
  await fireEvent.click(screen.getByRole("button", { name: "Save key" }));
  await tick();
  expect(screen.getByRole("alert").textContent).toBe("Kyma did not accept the API key.");
  expect(input.value).toBe("");
});
