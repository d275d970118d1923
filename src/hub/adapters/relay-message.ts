/**
 * What one instance tells the others about a status it accepted, as one small JSON message on
 * the relay topic (ordering key: the session id): the numbered status (its session's `epoch` and
 * `seq`, and the whole wire frame), who produced it (`origin`, the instance id, and `life`, drawn
 * at each start so a restart with the same id is a new producer), the producer's counter `n`,
 * which only grows within one life, and `prev`, the `n` of the producer's previous message for
 * the same session that went to Pub/Sub (0: none). Nothing else: no agent-event envelope, no ADK
 * ids. Parsing never throws.
 */
import { EPOCH_PATTERN } from '../../protocol.js';
import type { StatusFrame } from '../../protocol.js';
import type { EventTopicMessage } from '../../events/event-topic.js';

/** The message format's version, `v` in every message. */
const RELAY_MESSAGE_VERSION = 1;

export interface RelayMessage {
  origin: string;
  life: string;
  n: number;
  prev: number;
  sessionId: string;
  epoch: string;
  seq: number;
  frame: StatusFrame;
}

export function encodeRelayMessage(message: RelayMessage): EventTopicMessage {
  const { sessionId, origin, life, n, prev, epoch, seq, frame } = message;
  const json = JSON.stringify({ v: RELAY_MESSAGE_VERSION, session: sessionId, origin, life, n, prev, epoch, seq, frame });
  return { data: Buffer.from(json, 'utf8'), attributes: {}, orderingKey: sessionId };
}

export function parseRelayMessage(bytes: Buffer | string): RelayMessage | undefined {
  let data: Record<string, unknown> | null;
  try {
    data = JSON.parse(typeof bytes === 'string' ? bytes : bytes.toString('utf8')) as Record<string, unknown> | null;
  } catch {
    return undefined;
  }
  if (typeof data !== 'object' || data === null || data.v !== RELAY_MESSAGE_VERSION) return undefined;
  const { session: sessionId, origin, life, n, prev, epoch, seq, frame } = data;
  if (typeof sessionId !== 'string' || typeof origin !== 'string' || typeof life !== 'string') return undefined;
  if (!Number.isSafeInteger(n) || !Number.isSafeInteger(prev)) return undefined;
  if (typeof epoch !== 'string' || !EPOCH_PATTERN.test(epoch) || !Number.isSafeInteger(seq) || (seq as number) < 1) return undefined;
  const f = frame as Record<string, unknown> | null;
  if (typeof f !== 'object' || f === null || typeof f.data !== 'string' || typeof f.ts !== 'string') return undefined;
  return { origin, life, n: n as number, prev: prev as number, sessionId, epoch, seq: seq as number, frame: { ...(f as unknown as StatusFrame), type: 'status', seq: seq as number } };
}

/**
 * Pub/Sub delivers at least once, and after an outage the emulator (rarely the service) hands a
 * session's messages over out of order. The orderer releases each producer life's messages of a
 * session in the producer's order (following `prev`), skips redeliveries, and waits at most
 * `holdMs` for a missing one before it goes on without it. State per (producer life, session) is
 * forgotten after `ttlMs` idle.
 */
export class RelayOrderer {
  readonly #streams = new Map<string, { last: number; at: number; held: Map<number, RelayMessage>; timer?: NodeJS.Timeout }>();
  readonly #holdMs: number;
  readonly #ttlMs: number;
  readonly #release: (message: RelayMessage) => void;

  constructor(holdMs: number, ttlMs: number, release: (message: RelayMessage) => void) {
    this.#holdMs = holdMs;
    this.#ttlMs = ttlMs;
    this.#release = release;
  }

  offer(message: RelayMessage, now: number): 'released' | 'held' | 'duplicate' {
    const key = `${message.origin}\u0000${message.life}\u0000${message.sessionId}`;
    let stream = this.#streams.get(key);
    if (!stream) this.#streams.set(key, (stream = { last: 0, at: now, held: new Map() }));
    stream.at = now;
    if (message.n <= stream.last || stream.held.get(message.prev)?.n === message.n) return 'duplicate';
    if (stream.last !== 0 && message.prev > stream.last) {
      stream.held.set(message.prev, message);
      stream.timer ??= setTimeout(() => this.#flush(key), this.#holdMs);
      stream.timer.unref();
      return 'held';
    }
    this.#releaseFrom(stream, message);
    return 'released';
  }

  sweep(now: number): void {
    for (const [key, stream] of this.#streams) if (stream.held.size === 0 && now - stream.at > this.#ttlMs) this.#streams.delete(key);
  }

  /** Stops the hold timers (on close). */
  clear(): void {
    for (const stream of this.#streams.values()) clearTimeout(stream.timer);
    this.#streams.clear();
  }

  #releaseFrom(stream: { last: number; held: Map<number, RelayMessage>; timer?: NodeJS.Timeout }, message: RelayMessage): void {
    this.#release(message);
    stream.last = message.n;
    for (let next = stream.held.get(stream.last); next; next = stream.held.get(stream.last)) {
      stream.held.delete(stream.last);
      this.#release(next);
      stream.last = next.n;
    }
    if (stream.held.size === 0) {
      clearTimeout(stream.timer);
      stream.timer = undefined;
    }
  }

  // The missing message did not come within `holdMs`: go on with what is held, in order.
  #flush(key: string): void {
    const stream = this.#streams.get(key);
    if (!stream) return;
    stream.timer = undefined;
    const held = [...stream.held.values()].sort((a, b) => a.n - b.n);
    stream.held.clear();
    for (const message of held) {
      if (message.n <= stream.last) continue;
      this.#release(message);
      stream.last = message.n;
    }
  }
}
