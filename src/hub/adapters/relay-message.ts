/**
 * What one instance tells the others about a status it accepted: the numbered status (its
 * session's `epoch` and `seq`, and the whole wire frame), who produced it (`origin`, the
 * instance id, and `life`, drawn at each start so a restart with the same id is a new
 * producer) and the producer's counter `n`, which only grows within one life. Carried as the
 * `data` of an agent event of type `status_relay`, so the publisher's buffering, ordering per
 * session and deadlines apply. Parsing never throws.
 */
import type { StatusFrame } from '../../protocol.js';

export const RELAY_EVENT_TYPE = 'status_relay';

export interface RelayMessage {
  origin: string;
  life: string;
  n: number;
  sessionId: string;
  epoch: string;
  seq: number;
  frame: StatusFrame;
}

const EPOCH = /^[A-Za-z0-9_-]{1,64}$/;

export function parseRelayMessage(bytes: Buffer | string): RelayMessage | undefined {
  let envelope: { event_type?: unknown; websocket_session_id?: unknown; data?: unknown };
  try {
    envelope = JSON.parse(typeof bytes === 'string' ? bytes : bytes.toString('utf8')) as typeof envelope;
  } catch {
    return undefined;
  }
  if (typeof envelope !== 'object' || envelope === null || envelope.event_type !== RELAY_EVENT_TYPE) return undefined;
  const sessionId = envelope.websocket_session_id;
  const data = envelope.data as Record<string, unknown> | null;
  if (typeof sessionId !== 'string' || typeof data !== 'object' || data === null) return undefined;
  const { origin, life, n, epoch, seq, frame } = data;
  if (typeof origin !== 'string' || typeof life !== 'string' || !Number.isSafeInteger(n)) return undefined;
  if (typeof epoch !== 'string' || !EPOCH.test(epoch) || !Number.isSafeInteger(seq) || (seq as number) < 1) return undefined;
  const f = frame as Record<string, unknown> | null;
  if (typeof f !== 'object' || f === null || typeof f.data !== 'string' || typeof f.ts !== 'string') return undefined;
  return { origin, life, n: n as number, sessionId, epoch, seq: seq as number, frame: { ...(f as unknown as StatusFrame), type: 'status', seq: seq as number } };
}

/**
 * Pub/Sub delivers at least once (and, with ordering, redelivers a key's later messages after
 * an earlier one): remembers the last `n` applied per producer life and session and says
 * whether a message is new. Entries idle longer than `ttlMs` are forgotten.
 */
export class RelayDeduper {
  readonly #last = new Map<string, { n: number; at: number }>();
  readonly #ttlMs: number;

  constructor(ttlMs: number) {
    this.#ttlMs = ttlMs;
  }

  isNew(message: Pick<RelayMessage, 'origin' | 'life' | 'sessionId' | 'n'>, now: number): boolean {
    const key = `${message.origin}\u0000${message.life}\u0000${message.sessionId}`;
    const last = this.#last.get(key);
    if (last && message.n <= last.n) return false;
    this.#last.set(key, { n: message.n, at: now });
    return true;
  }

  sweep(now: number): void {
    for (const [key, entry] of this.#last) if (now - entry.at > this.#ttlMs) this.#last.delete(key);
  }

  get size(): number {
    return this.#last.size;
  }
}
