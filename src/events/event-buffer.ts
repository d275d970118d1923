/**
 * The outage buffer: events held until Pub/Sub confirms them, bounded by count AND bytes (the client's own queue
 * has no bound, nodejs-pubsub #1906), in insertion order per ordering key so a resend keeps a session's order.
 */
export interface BufferedEvent {
  /** The ordering key (session id); `undefined` for events without one. */
  readonly key: string | undefined;
  readonly bytes: number;
}

export class EventBuffer<T extends BufferedEvent> {
  // Sets keep insertion order; a key is forgotten with its last event.
  readonly #byKey = new Map<string | undefined, Set<T>>();
  count = 0;
  bytes = 0;
  /** The most events, and bytes, held at once. */
  peakCount = 0;
  peakBytes = 0;

  /** The bounds are the publisher's `maxBufferedEvents` and `maxBufferedBytes`, validated with its options. */
  constructor(readonly maxCount: number, readonly maxBytes: number) {}

  /** Adds `event` at the end; `false` (and nothing held) when either bound would be passed. */
  tryAdd(event: T): boolean {
    if (this.count + 1 > this.maxCount || this.bytes + event.bytes > this.maxBytes) return false;
    this.#byKey.set(event.key, (this.#byKey.get(event.key) ?? new Set()).add(event));
    this.peakCount = Math.max(this.peakCount, (this.count += 1));
    this.peakBytes = Math.max(this.peakBytes, (this.bytes += event.bytes));
    return true;
  }

  has(event: T): boolean {
    return this.#byKey.get(event.key)?.has(event) ?? false;
  }

  /** `false` when `event` was not held. */
  remove(event: T): boolean {
    const forKey = this.#byKey.get(event.key);
    if (!forKey?.delete(event)) return false;
    if (forKey.size === 0) this.#byKey.delete(event.key);
    this.count -= 1;
    this.bytes -= event.bytes;
    return true;
  }

  /** The events of one ordering key, oldest first. */
  eventsOf(key: string | undefined): T[] {
    return [...(this.#byKey.get(key) ?? [])];
  }

  keys(): (string | undefined)[] {
    return [...this.#byKey.keys()];
  }

  /** Removes and returns every event. */
  clear(): T[] {
    const events = [...this.#byKey.values()].flatMap((forKey) => [...forKey]);
    this.#byKey.clear();
    this.count = this.bytes = 0;
    return events;
  }
}
