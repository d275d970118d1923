/**
 * The agent event envelope published to Pub/Sub, and its encoding into a Pub/Sub message.
 *
 * The first four fields are exactly the seed's (`websocket_session_id`, `event_type`,
 * `timestamp`, `data`), so the seed's subscribers keep working. `event_id` is fixed when the
 * event is created, so a publish that is retried (and may land twice, with two Pub/Sub message
 * ids) can be de-duplicated downstream. ADK ids are added only when known.
 */
import { randomUUID } from 'node:crypto';
import { SESSION_ID_PATTERN } from '../protocol.js';
import { StatusMessengerError } from '../errors.js';

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

export interface AgentEventInit {
  websocketSessionId: string | null;
  ids?: AgentEventIds;
  /** @default a new UUID */
  eventId?: string;
  /** @default now */
  timestamp?: string;
}

/** The Pub/Sub message for one event. */
export interface EncodedAgentEvent {
  data: Buffer;
  attributes: Record<string, string>;
  /** The session id, when the event has one and ordering is on. */
  orderingKey: string | undefined;
  /** Bytes the message counts against buffer bounds: data plus attribute keys and values. */
  bytes: number;
}

/** Event types: short labels usable as Pub/Sub attribute values and in subscription filters. */
export const EVENT_TYPE_PATTERN = /^[A-Za-z0-9_.:/-]{1,256}$/;

function invalidEvent(message: string, cause?: unknown): StatusMessengerError {
  return new StatusMessengerError('ERR_INVALID_EVENT', message, cause === undefined ? undefined : { cause });
}

const ID_FIELDS = [
  ['appName', 'app_name'],
  ['userId', 'user_id'],
  ['sessionId', 'adk_session_id'],
  ['invocationId', 'invocation_id'],
  ['agent', 'agent'],
] as const;

/** Builds the envelope. Throws `ERR_INVALID_EVENT` for a bad type, session id, or non-JSON data. */
export function createAgentEvent(eventData: unknown, eventType: string, init: AgentEventInit): AgentEvent {
  if (typeof eventType !== 'string' || !EVENT_TYPE_PATTERN.test(eventType)) {
    throw invalidEvent(`An event type must match ${String(EVENT_TYPE_PATTERN)}, got \`${String(eventType).slice(0, 100)}\``);
  }
  const sessionId = init.websocketSessionId;
  if (sessionId !== null && (typeof sessionId !== 'string' || !SESSION_ID_PATTERN.test(sessionId))) {
    throw invalidEvent(`A websocket session id must match ${String(SESSION_ID_PATTERN)}, got \`${String(sessionId).slice(0, 100)}\``);
  }
  if (init.eventId !== undefined && (typeof init.eventId !== 'string' || init.eventId.length < 1 || init.eventId.length > 256)) {
    throw invalidEvent(`An event id must be a string of 1–256 characters, got \`${String(init.eventId).slice(0, 100)}\``);
  }
  if (init.timestamp !== undefined && (typeof init.timestamp !== 'string' || Number.isNaN(Date.parse(init.timestamp)))) {
    throw invalidEvent(`An event timestamp must be an ISO-8601 string, got \`${String(init.timestamp).slice(0, 100)}\``);
  }
  const event: AgentEvent = {
    websocket_session_id: sessionId,
    event_type: eventType,
    timestamp: init.timestamp ?? new Date().toISOString(),
    data: eventData,
    event_id: init.eventId ?? randomUUID(),
  };
  for (const [from, to] of ID_FIELDS) {
    const value = init.ids?.[from];
    if (typeof value === 'string' && value !== '') event[to] = value;
  }
  return event;
}

/**
 * Serialises `event` once. Throws `ERR_INVALID_EVENT` when the data is not JSON-serialisable
 * (a cycle, a BigInt, `undefined`) or the message is larger than `maxBytes`.
 */
export function encodeAgentEvent(event: AgentEvent, options: { ordering: boolean; maxBytes: number }): EncodedAgentEvent {
  const kind = typeof event.data;
  // JSON.stringify would silently drop the `data` field for these.
  if (kind === 'undefined' || kind === 'function' || kind === 'symbol') {
    throw invalidEvent(`Event data must be a JSON value, got ${kind}`);
  }
  let json: string;
  try {
    json = JSON.stringify(event);
  } catch (error) {
    throw invalidEvent(`Event data must be JSON-serialisable: ${(error as Error).message}`, error);
  }
  const data = Buffer.from(json, 'utf8');
  const attributes: Record<string, string> = { event_type: event.event_type };
  if (event.websocket_session_id !== null) attributes.websocket_session_id = event.websocket_session_id;
  let bytes = data.length;
  for (const [key, value] of Object.entries(attributes)) bytes += Buffer.byteLength(key) + Buffer.byteLength(value);
  if (bytes > options.maxBytes) {
    throw invalidEvent(`An event must be at most ${options.maxBytes} bytes as JSON, got ${bytes}; send less data or raise \`maxEventBytes\``);
  }
  const orderingKey = options.ordering && event.websocket_session_id !== null ? event.websocket_session_id : undefined;
  return { data, attributes, orderingKey, bytes };
}
