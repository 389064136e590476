import { expect, test } from "vitest";
import { ConfirmGate } from "../src/lib/stores/confirm.svelte";

test("at or below the threshold it sends at once; above, only the second yes sends, once", async () => {
  const gate = new ConfirmGate();
  const sent: string[] = [];
  await gate.ask(1_000_000, 1_000_000, async () => void sent.push("at"));
  expect([sent, gate.total]).toEqual([["at"], null]);

  await gate.ask(1_000_001, 1_000_000, async () => void sent.push("above"));
  expect([sent, gate.total, gate.asking]).toEqual([["at"], 1_000_001, true]);
  // A second press while asking neither sends nor replaces what is asked.
  await gate.ask(5, 1_000_000, async () => void sent.push("while asking"));
  expect([sent, gate.total]).toEqual([["at"], 1_000_001]);
  await gate.confirm();
  await gate.confirm();
  expect([sent, gate.total]).toEqual([["at", "above"], null]);
});

test("cancel forgets what was asked: a later yes sends nothing", async () => {
  const gate = new ConfirmGate();
  const sent: string[] = [];
  await gate.ask(2, 1, async () => void sent.push("x"));
  gate.cancel();
  await gate.confirm();
  expect([sent, gate.total]).toEqual([[], null]);
});
