/**
 * A status session: the value the context carries. It knows its session id and the hub to
 * deliver to (a `deliver` port; tools never see hub internals), plus the ADK ids of the run
 * when `runWithStatus` created it.
 */
import { StatusMessengerError } from '../errors.js';
import { normalizeStatus } from '../normalize-status.js';
import { SESSION_ID_PATTERN } from '../protocol.js';
import type { StatusInput } from '../protocol.js';
import { emitStatusUpdate, statusListenerCount } from './status-stream.js';

/** Anything that can deliver a status to the sockets of a session; `StatusHub` is one. */
export interface StatusSink {
  /** Returns how many sockets it wrote to. */
  send(sessionId: string, status: StatusInput): number;
}

/** ADK ids of the run a status session belongs to, when known. */
export interface AdkRunIds {
  appName?: string;
  userId?: string;
  sessionId?: string;
}

export interface StatusDelivery {
  /** Sockets the status was written to. */
  sockets: number;
  /** `streamStatusUpdates()` consumers that received it. */
  listeners: number;
  /** `sockets + listeners > 0`. */
  delivered: boolean;
}

export interface StatusSession {
  /** The id the browser connected with (`/ws/<sessionId>`). */
  readonly sessionId: string;
  readonly hub: StatusSink | undefined;
  readonly adk: Readonly<AdkRunIds> | undefined;
  /** Delivers to every socket of the session and to `streamStatusUpdates()` consumers. */
  send(status: StatusInput): StatusDelivery;
}

export function assertSessionId(sessionId: unknown, name = 'sessionId'): asserts sessionId is string {
  if (typeof sessionId !== 'string' || !SESSION_ID_PATTERN.test(sessionId)) {
    let shown: string;
    try {
      shown = JSON.stringify(sessionId) ?? String(sessionId);
    } catch {
      shown = String(sessionId);
    }
    throw new StatusMessengerError(
      'ERR_INVALID_SESSION_ID',
      `Expected \`${name}\` to match ${String(SESSION_ID_PATTERN)}, got \`${shown.slice(0, 200)}\``,
    );
  }
}

export function createStatusSession(init: {
  sessionId: string;
  hub?: StatusSink | undefined;
  adk?: AdkRunIds | undefined;
}): StatusSession {
  const { sessionId, hub } = init;
  assertSessionId(sessionId);
  if (hub !== undefined && (typeof hub !== 'object' || hub === null || typeof hub.send !== 'function')) {
    throw new StatusMessengerError(
      'ERR_INVALID_OPTION',
      'Expected `hub` to be a StatusHub (or an object with a `send(sessionId, status)` method)',
    );
  }
  const adk = init.adk ? Object.freeze({ ...init.adk }) : undefined;
  return Object.freeze({
    sessionId,
    hub,
    adk,
    send(status: StatusInput): StatusDelivery {
      // The hub validates against its own limits; without one, the defaults apply.
      const sockets = hub ? hub.send(sessionId, status) : 0;
      let listeners = 0;
      if (statusListenerCount() > 0) {
        const update = normalizeStatus(status, hub ? Number.POSITIVE_INFINITY : undefined);
        listeners = emitStatusUpdate({ sessionId, ...update });
      } else if (!hub) {
        normalizeStatus(status);
      }
      return { sockets, listeners, delivered: sockets + listeners > 0 };
    },
  });
}
