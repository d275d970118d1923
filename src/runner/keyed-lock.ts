/**
 * A FIFO mutex per key. Runs of one ADK session must not overlap: concurrent `runAsync`
 * calls on one session interleave its stored history (ADK-NOTES §5).
 */
export class KeyedLock {
  readonly #tails = new Map<string, Promise<void>>();

  /** Resolves with a release function once every earlier holder of `key` has released. */
  async acquire(key: string): Promise<() => void> {
    const previous = this.#tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const current = new Promise<void>((resolve) => {
      release = resolve;
    });
    const tail = previous.then(() => current);
    this.#tails.set(key, tail);
    await previous;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      release();
      // Forget the key when nobody queued behind us, so the map does not grow.
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    };
  }

  /** Keys with a holder or waiters. */
  get size(): number {
    return this.#tails.size;
  }
}
