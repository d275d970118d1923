/**
 * A status session: the value the context carries. It knows its session id and the hub to
 * deliver to (a `deliver` port; tools never see hub internals), plus the ADK ids of the run
 * when `runWithStatus` created it. Every status it sends inside a tool call also goes into
 * that run's ADK event stream.
 */
import type { Context } from '@google/adk';
import { emitStatusEvent, statusEventMetadata } from '../adk/event-stream.js';
import { StatusMessengerError } from '../errors.js';
import { normalizeStatus } from '../normalize-status.js';
import { DEFAULT_MAX_STATUS_LENGTH, SESSION_ID_PATTERN } from '../protocol.js';
import type { StatusInput, StatusUpdate } from '../protocol.js';
import { latestToolCall } from './active-tool-calls.js';
import { flushPendingStatuses } from './pending-statuses.js';
import { currentToolContext } from './status-context.js';
import { emitStatusUpdate, statusListenerCount } from './status-stream.js';

/** Anything that can deliver a status to the sockets of a session; `StatusHub` is one. */
export interface StatusSink {
  /** Returns how many sockets it wrote to. */
  send(sessionId: string, status: StatusInput): number;
}

/**
 * `StatusHub`'s internal fast path, for a session id checked when the session was created and a
 * status `normalizeStatus` returned: the hub checks only its own length limit (and throws the
 * same `ERR_STATUS_TOO_LONG` as `send`). Keyed by a registered symbol so another copy of the
 * package finds it; a sink without it gets `send`.
 */
export const SEND_NORMALIZED = Symbol.for('adk-status-messenger/send-normalized.v1');

interface FastSink extends StatusSink {
  [SEND_NORMALIZED](sessionId: string, update: StatusUpdate): number;
}

function hasFastPath(sink: StatusSink): sink is FastSink {
  return typeof (sink as Partial<FastSink>)[SEND_NORMALIZED] === 'function';
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

/** Whether the hub can serve this id (`/ws/<id>`). */
export function isServableSessionId(sessionId: unknown): sessionId is string {
  return typeof sessionId === 'string' && SESSION_ID_PATTERN.test(sessionId);
}

export function assertSessionId(sessionId: unknown, name = 'sessionId'): asserts sessionId is string {
  if (!isServableSessionId(sessionId)) {
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

/** Cuts `update.message` to `maxLength` characters, the last one `…`. */
export function cutStatus(update: StatusUpdate, maxLength: number): { update: StatusUpdate; truncated: boolean } {
  if (update.message.length <= maxLength) return { update, truncated: false };
  return { update: { ...update, message: `${update.message.slice(0, Math.max(0, maxLength - 1)).trimEnd()}…` }, truncated: true };
}

/** The limit an `ERR_STATUS_TOO_LONG` names, if it names one. */
function limitOf(error: unknown): number | undefined {
  if (!StatusMessengerError.isInstance(error, 'ERR_STATUS_TOO_LONG')) return undefined;
  const limit = (error as { maxLength?: unknown }).maxLength ?? /at most (\d+) characters/.exec(error.message)?.[1];
  const n = Number(limit);
  return Number.isSafeInteger(n) && n >= 1 ? n : undefined;
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
  // The id was checked above and every status is normalized below: the hub need not redo either.
  const deliver = hub && hasFastPath(hub) ? (update: StatusUpdate) => hub[SEND_NORMALIZED](sessionId, update) : (update: StatusUpdate) => hub!.send(sessionId, update);
  return Object.freeze({
    sessionId,
    hub,
    adk,
    send(status: StatusInput, options?: StatusSendOptions): StatusDelivery {
      // Bad input (no text, bad level) is a bug and throws; a long text is only cut: to the
      // default limit without a hub, to the hub's own limit (named by its refusal) with one.
      let update = normalizeStatus(status, Number.POSITIVE_INFINITY);
      let truncated = false;
      if (!hub) ({ update, truncated } = cutStatus(update, DEFAULT_MAX_STATUS_LENGTH));
      flushPendingStatuses(sessionId);
      let sockets = 0;
      if (hub) {
        try {
          sockets = deliver(update);
        } catch (error) {
          const limit = limitOf(error);
          if (limit === undefined) throw error;
          ({ update } = cutStatus(update, limit));
          truncated = true;
          sockets = deliver(update);
        }
      }
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
