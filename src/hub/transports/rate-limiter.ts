/** A token bucket: `capacity` messages, refilled evenly over `intervalMs`. Pure: time is passed in. */
export class TokenBucket {
  readonly #capacity: number;
  readonly #perMs: number;
  #tokens: number;
  #last: number;

  constructor(capacity: number, intervalMs: number, now: number) {
    this.#capacity = capacity;
    this.#perMs = capacity / intervalMs;
    this.#tokens = capacity;
    this.#last = now;
  }

  /** Takes one token; false when the bucket is empty. */
  take(now: number): boolean {
    const elapsed = Math.max(0, now - this.#last);
    this.#last = now;
    this.#tokens = Math.min(this.#capacity, this.#tokens + elapsed * this.#perMs);
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }
}
