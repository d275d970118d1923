/**
 * The agent event envelope published to Pub/Sub: where its ids come from, how it is built, and
 * its encoding into a Pub/Sub message.
 *
 * The first four fields are exactly the seed's (`websocket_session_id`, `event_type`,
 * `timestamp`, `data`), so the seed's subscribers keep working. `event_id` is fixed when the
 * event is created, so a publish that is retried (and may land twice, with two Pub/Sub message
 * ids) can be de-duplicated downstream. ADK ids are added only when known.
 */
import { randomUUID } from 'node:crypto';
import { resolveStatusSession } from '../context/resolve-status-session.js';
import { StatusMessengerError } from '../errors.js';
import { SESSION_ID_PATTERN } from '../protocol.js';
import type { EventTopicMessage } from './event-topic.js';

/** What is published (JSON) for every agent event. */
export interface AgentEvent {
  /** The browser's session id (`/ws/<id>`), or `null` outside any status session (as the seed). */
  websocket_session_id: string | null;
  event_type: string;
  /** ISO-8601 time the event was created, e.g. `2026-11-25T21:40:00.000Z`. */
  timestamp: string;
  /** The caller's event data, any JSON value. */
  data: unknown;
  /** A UUID, the same on every retry of this event: de-duplicate on it. */
  event_id: string;
  app_name?: string;
  user_id?: string;
  adk_session_id?: string;
  invocation_id?: string;
  agent?: string;
}

/** ADK ids an event may carry; each is included only when set. */
export interface AgentEventIds {
  appName?: string;
  userId?: string;
  /** The ADK session id (published as `adk_session_id`). */
  sessionId?: string;
  invocationId?: string;
  agent?: string;
}

/** The parts of an ADK `Context` (tool context, callback context) an event can use. */
export interface AdkEventContext {
  readonly invocationId?: string;
  readonly agentName?: string;
  readonly userId?: string;
  readonly sessionId?: string;
  readonly invocationContext?: { readonly appName?: string };
}

/** Where an event's session id and ADK ids come from when the caller does not say. */
export interface EventIdSources {
  /** Supplies `invocation_id` and `agent`, and ADK ids the bound status session lacks. */
  context?: AdkEventContext;
  /** Overrides the bound session; `null` publishes without one. */
  websocketSessionId?: string | null;
  /** Overrides individual ADK ids. */
  ids?: AgentEventIds;
}

/** What `publisher.publish()` takes besides the data and type. */
export interface PublishEventOptions extends EventIdSources {
  /** Your own de-duplication id. @default a new UUID */
  eventId?: string;
  /** ISO-8601 time of the event. @default now */
  timestamp?: string;
}

/** Event types: short labels usable as Pub/Sub attribute values and in subscription filters. */
export const EVENT_TYPE_PATTERN = /^[A-Za-z0-9_.:/-]{1,256}$/;

function invalid(message: string, cause?: unknown): never {
  throw new StatusMessengerError('ERR_INVALID_EVENT', message, cause === undefined ? undefined : { cause });
}

const text = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);

/**
 * The session id and ADK ids: explicit ones first, then the status session bound to the async
 * context (`runWithStatus`, `withStatusSession`), then the ADK `Context` of the tool or callback.
 */
function resolveEventIds({ context, websocketSessionId, ids = {} }: EventIdSources = {}): Required<Pick<EventIdSources, 'websocketSessionId' | 'ids'>> {
  const session = resolveStatusSession({ userId: text(context?.userId), sessionId: text(context?.sessionId) });
  // The binding's ADK ids describe its own session only: an explicit, different session id
  // (e.g. a status mirrored for another session) must not borrow them.
  const adk = session && (websocketSessionId === undefined || websocketSessionId === session.sessionId) ? session.adk : undefined;
  return {
    websocketSessionId: websocketSessionId === undefined ? (session?.sessionId ?? null) : websocketSessionId,
    ids: {
      // Inside an AgentTool the context's appName is the sub-agent's name (ADK-NOTES pitfall 2),
      // so the binding's app name, set from the outer runner, comes first.
      appName: text(ids.appName) ?? text(adk?.appName) ?? text(context?.invocationContext?.appName),
      userId: text(ids.userId) ?? text(adk?.userId) ?? text(context?.userId),
      sessionId: text(ids.sessionId) ?? text(adk?.sessionId) ?? text(context?.sessionId),
      invocationId: text(ids.invocationId) ?? text(context?.invocationId),
      agent: text(ids.agent) ?? text(context?.agentName),
    },
  };
}

const ID_FIELDS = [
  ['appName', 'app_name'],
  ['userId', 'user_id'],
  ['sessionId', 'adk_session_id'],
  ['invocationId', 'invocation_id'],
  ['agent', 'agent'],
] as const;

/** Builds the envelope, ids resolved as `resolveEventIds`. Throws `ERR_INVALID_EVENT` for a bad type, session id, event id or timestamp. */
export function createAgentEvent(eventData: unknown, eventType: string, init: PublishEventOptions = {}): AgentEvent {
  const { websocketSessionId: sessionId, ids } = resolveEventIds(init);
  const { eventId, timestamp } = init;
  const check = (ok: boolean, what: string, value: unknown): void => {
    if (!ok) invalid(`${what}, got \`${String(value).slice(0, 100)}\``);
  };
  check(typeof eventType === 'string' && EVENT_TYPE_PATTERN.test(eventType), `An event type must match ${String(EVENT_TYPE_PATTERN)}`, eventType);
  check(sessionId === null || (typeof sessionId === 'string' && SESSION_ID_PATTERN.test(sessionId)), `A websocket session id must match ${String(SESSION_ID_PATTERN)}`, sessionId);
  check(eventId === undefined || (typeof eventId === 'string' && eventId.length >= 1 && eventId.length <= 256), 'An event id must be a string of 1–256 characters', eventId);
  check(timestamp === undefined || (typeof timestamp === 'string' && !Number.isNaN(Date.parse(timestamp))), 'An event timestamp must be an ISO-8601 string', timestamp);
  const event: AgentEvent = {
    websocket_session_id: sessionId,
    event_type: eventType,
    timestamp: timestamp ?? new Date().toISOString(),
    data: eventData,
    event_id: eventId ?? randomUUID(),
  };
  for (const [from, to] of ID_FIELDS) if (ids[from]) event[to] = ids[from];
  return event;
}

/**
 * Serialises `event` once into its Pub/Sub message (ordering key: the session id, when there is
 * one and ordering is on) and the bytes it counts against buffer bounds (data plus attributes).
 * Throws `ERR_INVALID_EVENT` when the data is not JSON-serialisable (a cycle, a BigInt,
 * `undefined`) or the message is larger than `maxBytes`.
 */
export function encodeAgentEvent(event: AgentEvent, options: { ordering: boolean; maxBytes: number }): { message: EventTopicMessage; bytes: number } {
  const kind = typeof event.data;
  // JSON.stringify would silently drop the `data` field for these.
  if (kind === 'undefined' || kind === 'function' || kind === 'symbol') invalid(`Event data must be a JSON value, got ${kind}`);
  let json = '';
  try {
    json = JSON.stringify(event);
  } catch (error) {
    invalid(`Event data must be JSON-serialisable: ${(error as Error).message}`, error);
  }
  const data = Buffer.from(json, 'utf8');
  const sessionId = event.websocket_session_id;
  const attributes: Record<string, string> = { event_type: event.event_type };
  if (sessionId !== null) attributes.websocket_session_id = sessionId;
  let bytes = data.length;
  for (const [key, value] of Object.entries(attributes)) bytes += Buffer.byteLength(key) + Buffer.byteLength(value);
  if (bytes > options.maxBytes) {
    invalid(`An event must be at most ${options.maxBytes} bytes as JSON, got ${bytes}; send less data or raise \`maxEventBytes\``);
  }
  const message: EventTopicMessage = { data, attributes };
  if (options.ordering && sessionId !== null) message.orderingKey = sessionId;
  return { message, bytes };
}
