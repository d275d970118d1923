import { holdPendingStatus } from '../context/pending-statuses.js';

/**
 * Per-key throttling that keeps the latest: the first item in a quiet period goes out at once;
 * items arriving within `intervalMs` of the last one replace each other, and the newest goes
 * out when the interval ends. For status streams, whose value is their latest state. What is
 * pending for a key goes out first whenever anything else sends to that status session
 * (`flushPendingStatuses`), so it never lands after, and hides, a later status.
 */
export class LatestThrottle {
  readonly #intervalMs: number;
  readonly #last = new Map<string, number>();
  readonly #pending = new Map<string, { run: () => void; timer: NodeJS.Timeout; unhold: () => void }>();

  constructor(intervalMs: number) {
    this.#intervalMs = intervalMs;
  }

  /**
   * Runs `run` now, or later in place of anything still pending for `key`. An `urgent` item
   * (an error) is never replaced or delayed: what is pending goes out first, then it.
   */
  submit(key: string, run: () => void, urgent = false): void {
    if (this.#intervalMs <= 0) return run();
    if (urgent) {
      this.flush(key);
      this.#last.set(key, Date.now());
      this.#forgetLater(key);
      return run();
    }
    const now = Date.now();
    const last = this.#last.get(key);
    const pending = this.#pending.get(key);
    if (pending) {
      pending.run = run;
      return;
    }
    if (last === undefined || now - last >= this.#intervalMs) {
      this.#last.set(key, now);
      this.#forgetLater(key);
      return run();
    }
    const entry = {
      run,
      timer: setTimeout(() => {
        this.#pending.delete(key);
        entry.unhold();
        this.#last.set(key, Date.now());
        this.#forgetLater(key);
        entry.run();
      }, last + this.#intervalMs - now),
      unhold: () => {},
    };
    entry.timer.unref();
    entry.unhold = holdPendingStatus(key, () => this.flush(key));
    this.#pending.set(key, entry);
  }

  /** Runs everything pending now (e.g. at the end of a run, so the last status is not late). */
  flush(key?: string): void {
    for (const [pendingKey, entry] of [...this.#pending]) {
      if (key !== undefined && pendingKey !== key) continue;
      clearTimeout(entry.timer);
      this.#pending.delete(pendingKey);
      entry.unhold();
      this.#last.set(pendingKey, Date.now());
      entry.run();
    }
  }

  // Keys are forgotten once quiet, so the map does not grow with every session ever seen.
  #forgetLater(key: string): void {
    const stamp = this.#last.get(key);
    const timer = setTimeout(() => {
      if (this.#last.get(key) === stamp && !this.#pending.has(key)) this.#last.delete(key);
    }, this.#intervalMs * 4);
    timer.unref();
  }
}
