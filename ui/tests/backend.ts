// A fake Rust core for tests: records every command, answers from a handler table, and can
// emit events the way Tauri does (through the mocked event plugin).

import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";

export interface Call {
  cmd: string;
  args: Record<string, unknown>;
}

type Handler = (args: Record<string, unknown>) => unknown;

export function fakeBackend(handlers: Record<string, Handler>) {
  const calls: Call[] = [];
  mockIPC(
    (cmd, raw) => {
      // Every command's argument struct arrives under `args`, as Rust reads it (ipc/call.ts).
      const a = ((raw as { args?: Record<string, unknown> } | undefined)?.args ?? {}) as Record<string, unknown>;
      calls.push({ cmd, args: a });
      const h = handlers[cmd];
      if (!h) throw { kind: "internal", field: null, message: `no handler for ${cmd}`, action: null, link: null };
      return h(a);
    },
    { shouldMockEvents: true },
  );
  return {
    calls,
    commands: () => calls.map((c) => c.cmd),
    emit(event: string, payload: unknown) {
      const internals = (window as unknown as { __TAURI_INTERNALS__: { invoke: (c: string, a: unknown) => Promise<unknown> } })
        .__TAURI_INTERNALS__;
      return internals.invoke("plugin:event|emit", { event, payload });
    },
  };
}

export { clearMocks };

export const tick = () => new Promise((r) => setTimeout(r, 0));
