// The stale-answer guard: each request takes a number, and only the answer to the newest one
// may be shown. Typing "mountain" sends eight queries; an early, slow answer must not win.

export class Latest {
  private last = 0;

  /** Starts a request; keep the number to check its answer against. */
  begin(): number {
    return ++this.last;
  }

  /** Whether `ticket` is still the newest request (no later one started). */
  isLatest(ticket: number): boolean {
    return ticket === this.last;
  }

  /** Makes every outstanding answer stale (the view went away, the query was reset). */
  cancel() {
    this.last++;
  }
}
