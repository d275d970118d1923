/**
 * Counts the status frames a client received, and lets a driver wait for a count, so every
 * measurement ends when the client has the last message, not when the server sent it.
 * In-process clients call `hit()`; clients in a child process report their running total.
 */
export class Counter {
  /** Receipts since the last `reset()`. */
  count = 0;
  #base = 0;
  #target = Number.POSITIVE_INFINITY;
  #wake: (() => void) | undefined;

  reset(): void {
    this.#base += this.count;
    this.count = 0;
  }

  hit(): void {
    this.count += 1;
    if (this.count >= this.#target) this.#release();
  }

  /** A remote client's running total since it connected (reports may repeat). */
  report(total: number): void {
    this.count = total - this.#base;
    if (this.count >= this.#target) this.#release();
  }

  /** Resolves once `count ≥ target`; rejects after `timeoutMs` with what arrived so far. */
  until(target: number, timeoutMs = 60_000): Promise<void> {
    if (this.count >= target) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#target = Number.POSITIVE_INFINITY;
        this.#wake = undefined;
        reject(new Error(`timed out waiting for ${target} frames; received ${this.count}`));
      }, timeoutMs);
      this.#target = target;
      this.#wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  #release(): void {
    const wake = this.#wake;
    this.#target = Number.POSITIVE_INFINITY;
    this.#wake = undefined;
    wake?.();
  }
}
