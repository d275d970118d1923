/**
 * `EventBuffer`: the events a publisher holds until Pub/Sub confirms them, bounded by count
 * AND bytes (the client library's own queue has no bound, nodejs-pubsub #1906). Kept in
 * insertion order per ordering key, so a resend keeps a session's events in the order they
 * were published. Pure bookkeeping, no I/O.
 */
import { invalidOption } from '../errors.js';

export interface BufferedEvent {
  /** The ordering key (session id); `undefined` for events published without one. */
  readonly key: string | undefined;
  readonly bytes: number;
}

export class EventBuffer<T extends BufferedEvent> {
  readonly #maxCount: number;
  readonly #maxBytes: number;
  readonly #all = new Set<T>();
  readonly #byKey = new Map<string | undefined, Set<T>>();
  #bytes = 0;
  #peakCount = 0;
  #peakBytes = 0;

  constructor(maxCount: number, maxBytes: number) {
    if (!Number.isSafeInteger(maxCount) || maxCount < 1) invalidOption('maxBufferedEvents', 'a positive integer', maxCount);
    if (!Number.isSafeInteger(maxBytes) || maxBytes < 1) invalidOption('maxBufferedBytes', 'a positive integer', maxBytes);
    this.#maxCount = maxCount;
    this.#maxBytes = maxBytes;
  }

  get count(): number {
    return this.#all.size;
  }

  get bytes(): number {
    return this.#bytes;
  }

  /** The most events held at once since the buffer was created. */
  get peakCount(): number {
    return this.#peakCount;
  }

  /** The most bytes held at once since the buffer was created. */
  get peakBytes(): number {
    return this.#peakBytes;
  }

  /** Adds `event` at the end; returns `false` (and holds nothing) when either bound would be passed. */
  tryAdd(event: T): boolean {
    if (this.#all.size + 1 > this.#maxCount || this.#bytes + event.bytes > this.#maxBytes) return false;
    this.#all.add(event);
    let forKey = this.#byKey.get(event.key);
    if (!forKey) this.#byKey.set(event.key, (forKey = new Set()));
    forKey.add(event);
    this.#bytes += event.bytes;
    if (this.#all.size > this.#peakCount) this.#peakCount = this.#all.size;
    if (this.#bytes > this.#peakBytes) this.#peakBytes = this.#bytes;
    return true;
  }

  has(event: T): boolean {
    return this.#all.has(event);
  }

  /** Returns `false` when `event` was not held. */
  remove(event: T): boolean {
    if (!this.#all.delete(event)) return false;
    const forKey = this.#byKey.get(event.key);
    forKey?.delete(event);
    if (forKey?.size === 0) this.#byKey.delete(event.key);
    this.#bytes -= event.bytes;
    return true;
  }

  /** The events of one ordering key, oldest first. */
  eventsOf(key: string | undefined): T[] {
    return [...(this.#byKey.get(key) ?? [])];
  }

  /** Ordering keys with events held (a key is forgotten with its last event). */
  keys(): (string | undefined)[] {
    return [...this.#byKey.keys()];
  }

  /** Removes and returns every event, oldest first. */
  clear(): T[] {
    const events = [...this.#all];
    this.#all.clear();
    this.#byKey.clear();
    this.#bytes = 0;
    return events;
  }
}
