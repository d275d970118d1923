/**
 * A run's statuses to one session of a hub: every WebSocket and SSE connection of
 * `/ws/<sessionId>`, numbered, kept for replay (the hub's work; see src/hub/).
 */
import type { StatusInput, StatusUpdate } from '../protocol.js';
import type { StatusDestination } from './destination.js';

/** Anything that can deliver a status to the connections of a session; `StatusHub` is one. */
export interface StatusSink {
  /** Returns how many connections it wrote to. */
  send(sessionId: string, status: StatusInput): number;
  /** The longest text `send` takes; a run cuts its statuses to it. @default 500 */
  readonly maxStatusLength?: number;
}

export function isStatusSink(value: unknown): value is StatusSink {
  return typeof (value as StatusSink | null | undefined)?.send === 'function';
}

export class HubSession implements StatusDestination {
  readonly kind = 'hub';
  readonly maxLength: number | undefined;
  readonly #hub: StatusSink;
  readonly #sessionId: string;

  /** `sessionId` must be one the hub serves (checked by whoever opens the run). */
  constructor(hub: StatusSink, sessionId: string) {
    this.#hub = hub;
    this.#sessionId = sessionId;
    const limit = hub.maxStatusLength;
    this.maxLength = typeof limit === 'number' && Number.isSafeInteger(limit) && limit >= 1 ? limit : undefined;
  }

  deliver(status: Readonly<StatusUpdate>): number {
    return this.#hub.send(this.#sessionId, status);
  }
}
