// When the window's whole interface is on screen, for `make bench` and the core's log.

import { uiReady } from "./ipc";

/**
 * The whole interface is on screen with real data (the header, the create view and the queue,
 * or the key screen, the repair offer or the could-not-start screen): two frames after it is in
 * the page. Recorded for `make bench` and told to the core, which logs it and, with
 * `KYMA_REPORT_READY=1`, prints `ready` (scripts/bench_startup.py times start-up by it).
 * Answers the function that calls the report off (the window is torn down first).
 */
export function interfaceDrawn(): () => void {
  let cancelled = false;
  requestAnimationFrame(() =>
    requestAnimationFrame(() => {
      // The window went away meanwhile: nothing was drawn to report.
      if (cancelled) return;
      window.__kymaInterfaceMs = performance.now();
      // Only a report: a failure here must not disturb the window.
      uiReady().catch(() => undefined);
    }),
  );
  return () => (cancelled = true);
}
