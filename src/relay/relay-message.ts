/**
 * What one instance tells the others about a status it accepted: the status itself, who
 * produced it (`origin`, an instance id) and the producer's counter `n`, which only grows
 * while the producer lives. Carried as the `data` of an agent event of type `status_relay`,
 * so the publisher's buffering, ordering per session and deadlines apply. Parsing never throws.
 */
import { isProgress, isRunEndState, isStatusLevel } from '../protocol.js';
import type { StatusUpdate } from '../protocol.js';

export const RELAY_EVENT_TYPE = 'status_relay';

export interface RelayMessage {
  origin: string;
  n: number;
  sessionId: string;
  /** When the producing hub accepted it (ISO-8601). */
  ts: string;
  status: StatusUpdate;
}

/** The agent-event envelope fields the relay reads. */
interface Envelope {
  event_type?: unknown;
  websocket_session_id?: unknown;
  data?: unknown;
}

export function parseRelayMessage(bytes: Buffer | string): RelayMessage | undefined {
  let envelope: Envelope;
  try {
    envelope = JSON.parse(typeof bytes === 'string' ? bytes : bytes.toString('utf8')) as Envelope;
  } catch {
    return undefined;
  }
  if (typeof envelope !== 'object' || envelope === null || envelope.event_type !== RELAY_EVENT_TYPE) return undefined;
  const sessionId = envelope.websocket_session_id;
  const data = envelope.data as Record<string, unknown> | null;
  if (typeof sessionId !== 'string' || typeof data !== 'object' || data === null) return undefined;
  const { origin, n, ts, message } = data;
  if (typeof origin !== 'string' || !Number.isSafeInteger(n) || typeof ts !== 'string' || typeof message !== 'string') {
    return undefined;
  }
  const status: StatusUpdate = { message };
  if (isStatusLevel(data.level)) status.level = data.level;
  if (isProgress(data.progress)) status.progress = data.progress;
  if (typeof data.agent === 'string') status.agent = data.agent;
  if (typeof data.tool === 'string') status.tool = data.tool;
  if (isRunEndState(data.state)) status.state = data.state;
  return { origin, n: n as number, sessionId, ts, status };
}

/**
 * Pub/Sub delivers at least once: remembers the last `n` applied per (origin, session) and
 * says whether a message is new. Entries idle longer than `ttlMs` are forgotten.
 */
export class RelayDeduper {
  readonly #last = new Map<string, { n: number; at: number }>();
  readonly #ttlMs: number;

  constructor(ttlMs: number) {
    this.#ttlMs = ttlMs;
  }

  isNew(message: Pick<RelayMessage, 'origin' | 'sessionId' | 'n'>, now: number): boolean {
    const key = `${message.origin}\u0000${message.sessionId}`;
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
