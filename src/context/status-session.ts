/**
 * A status session: the value the context carries. It knows its session id and the hub to
 * deliver to (a `deliver` port; tools never see hub internals), plus the ADK ids of the run
 * when `runWithStatus` created it. Every status it sends inside a tool call also goes into
 * that run's ADK event stream.
 */
import type { Context } from '@google/adk';
import { emitStatusEvent, statusEventMetadata } from '../adk/event-stream.js';
import { StatusMessengerError } from '../errors.js';
import { assertSessionId, cutStatus, normalizeStatus } from '../status.js';
import { DEFAULT_MAX_STATUS_LENGTH } from '../protocol.js';
import type { StatusInput, StatusUpdate } from '../protocol.js';
import { latestToolCall } from './active-tool-calls.js';
import { flushPendingStatuses } from './pending-statuses.js';
import { currentToolContext } from './status-context.js';
import { emitStatusUpdate, statusListenerCount } from './status-stream.js';

/** Anything that can deliver a status to the sockets of a session; `StatusHub` is one. */
export interface StatusSink {
  /** Returns how many sockets it wrote to. */
  send(sessionId: string, status: StatusInput): number;
  /** The longest text `send` takes; statuses are cut to it with `…`. @default 500 */
  readonly maxStatusLength?: number;
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
  /** Whether the status also went into the ADK run's event stream (inside a tool call). */
  eventStream: boolean;
  /** Present when the text was longer than the limit and was cut (with `…`). */
  truncated?: true;
}

/** How one status is sent. */
export interface StatusSendOptions {
  /** The tool call the status is made in; its run's event stream gets it. @default the bound one */
  toolContext?: Context | undefined;
  /** `false` keeps the status out of the ADK event stream. @default true */
  eventStream?: boolean;
}

export interface StatusSession {
  /** The id the browser connected with (`/ws/<sessionId>`). */
  readonly sessionId: string;
  readonly hub: StatusSink | undefined;
  readonly adk: Readonly<AdkRunIds> | undefined;
  /** Delivers to every socket of the session, to `streamStatusUpdates()` consumers and to the run's event stream. */
  send(status: StatusInput, options?: StatusSendOptions): StatusDelivery;
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
  const maxLength = typeof hub?.maxStatusLength === 'number' && hub.maxStatusLength >= 1 ? hub.maxStatusLength : DEFAULT_MAX_STATUS_LENGTH;
  return Object.freeze({
    sessionId,
    hub,
    adk,
    send(status: StatusInput, options?: StatusSendOptions): StatusDelivery {
      // Bad input (no text, bad level) is a bug and throws; a long text is only cut, to the hub's limit.
      const { update, truncated } = cutStatus(normalizeStatus(status, Number.POSITIVE_INFINITY), maxLength);
      flushPendingStatuses(sessionId);
      const sockets = hub ? hub.send(sessionId, update) : 0;
      const listeners = statusListenerCount() > 0 ? emitStatusUpdate({ sessionId, ...update }) : 0;
      let eventStream = false;
      if (options?.eventStream !== false) {
        const ctx = options?.toolContext ?? currentToolContext() ?? latestToolCall(adk);
        if (ctx) eventStream = emitStatusEvent(ctx, statusEventMetadata(update));
      }
      const delivery: StatusDelivery = { sockets, listeners, delivered: sockets + listeners > 0, eventStream };
      if (truncated) delivery.truncated = true;
      return delivery;
    },
  });
}

/**
 * For a status made inside a tool call that no status session covers (a plain `runner.runAsync`,
 * `adk api_server`): only the run's event stream can take it.
 */
export function sendToEventStream(ctx: Context | undefined, status: StatusInput): StatusDelivery {
  const { update, truncated } = cutStatus(normalizeStatus(status, Number.POSITIVE_INFINITY), DEFAULT_MAX_STATUS_LENGTH);
  const eventStream = ctx || currentToolContext() ? emitStatusEvent(ctx, statusEventMetadata(update)) : false;
  const delivery: StatusDelivery = { sockets: 0, listeners: 0, delivered: false, eventStream };
  if (truncated) delivery.truncated = true;
  return delivery;
}
