// jsdom lays nothing out: these give a virtual grid's scroller a size for the file's tests (and
// jsdom's missing ResizeObserver a stand-in that never fires), restoring jsdom afterwards.

import { afterAll, beforeAll } from "vitest";

export function scrollerSize(sizes: { clientWidth: number; clientHeight: number }) {
  const saved: Record<string, PropertyDescriptor | undefined> = {};
  beforeAll(() => {
    globalThis.ResizeObserver ??= class {
      observe() {}
      unobserve() {}
      disconnect() {}
    };
    for (const [key, value] of Object.entries(sizes)) {
      saved[key] = Object.getOwnPropertyDescriptor(HTMLElement.prototype, key);
      Object.defineProperty(HTMLElement.prototype, key, {
        configurable: true,
        get(this: HTMLElement) {
          return this.classList.contains("scroller") ? value : 0;
        },
      });
    }
  });
  afterAll(() => {
    for (const [key, d] of Object.entries(saved)) if (d) Object.defineProperty(HTMLElement.prototype, key, d);
  });
}
