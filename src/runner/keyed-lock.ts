/**
 * A FIFO mutex per key. Runs of one ADK session must not overlap: concurrent `runAsync`
 * calls on one session interleave its stored history (ADK-NOTES §5). The table of tails can be
 * handed in, so every copy of the package (ESM, CJS, bundled) can share one.
 */
export class KeyedLock {
  readonly #tails: Map<string, Promise<void>>;

  constructor(tails: Map<string, Promise<void>> = new Map()) {
    this.#tails = tails;
  }

  /**
   * Resolves with a release function once every earlier holder of `key` has released, or with
   * `undefined` as soon as `signal` aborts (the place in the queue is given up at once; later
   * waiters still wait for the earlier holders only).
   */
  async acquire(key: string, signal?: AbortSignal): Promise<(() => void) | undefined> {
    if (signal?.aborted) return undefined;
    const previous = this.#tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const current = new Promise<void>((resolve) => {
      release = resolve;
    });
    const tail = previous.then(() => current);
    this.#tails.set(key, tail);
    let released = false;
    const releaseOnce = (): void => {
      if (released) return;
      released = true;
      release();
      // Forget the key when nobody queued behind us, so the map does not grow.
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    };
    if (!signal) {
      await previous;
      return releaseOnce;
    }
    let onAbort!: () => void;
    const aborted = new Promise<'aborted'>((resolve) => {
      onAbort = () => resolve('aborted');
      signal.addEventListener('abort', onAbort, { once: true });
    });
    const outcome = await Promise.race([previous.then(() => 'acquired' as const), aborted]);
    signal.removeEventListener('abort', onAbort);
    if (outcome === 'aborted') {
      // Earlier holders may still run: keep our (now empty) place until they are done.
      released = true;
      release();
      void tail.then(() => {
        if (this.#tails.get(key) === tail) this.#tails.delete(key);
      });
      return undefined;
    }
    return releaseOnce;
  }

  /** Keys with a holder or waiters. */
  get size(): number {
    return this.#tails.size;
  }
}
