/**
 * The agent event envelope and its Pub/Sub message: the seed's four fields first (`websocket_session_id`,
 * `event_type`, `timestamp`, `data`), then `event_id` for de-duplication and the ADK ids that are known.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Context } from '@google/adk';
import { statusSessionFor } from '../binding/status-run.js';
import { StatusMessengerError } from '../errors.js';
import { defineOptions, parseOptions } from '../options.js';
import { SESSION_ID_PATTERN } from '../protocol.js';
import type { EventTopicMessage } from './event-topic.js';

/** What is published (JSON) for every agent event (fields: docs/pubsub.md, "The envelope"). */
export interface AgentEvent {
  /** The browser's session id (`/ws/<id>`), or `null` outside any status session (as the seed). */
  websocket_session_id: string | null;
  event_type: string;
  /** ISO-8601, when the event was created. */ timestamp: string;
  /** Any JSON value. */ data: unknown;
  /** A UUID, the same on every retry of this event: de-duplicate on it. */ event_id: string;
  app_name?: string;
  user_id?: string;
  adk_session_id?: string;
  invocation_id?: string;
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

const given = <T>() => z.custom<T>().optional(); // typed here, checked in buildAgentEvent (`ERR_INVALID_EVENT`)
const id = given<string>;
/** What `publisher.publish()` takes besides the data and type; the type `PublishEventOptions` comes from it. */
export const PUBLISH_EVENT_OPTION_SHAPE = {
  /** Supplies `invocation_id` and `agent`, and ADK ids the bound status session lacks. */
  context: z.custom<AdkEventContext>((v) => typeof v === 'object' && v !== null, { message: 'an object' }).optional(),
  /** Overrides the bound session; `null` publishes without one. */
  websocketSessionId: given<string | null>(),
  /** Overrides individual ADK ids, each only when set (`sessionId` is published as `adk_session_id`). */
  ids: z.strictObject({ appName: id(), userId: id(), sessionId: id(), invocationId: id(), agent: id() }).optional(),
  /** Your own de-duplication id. @default a new UUID */
  eventId: id(),
  /** ISO-8601 time of the event. @default now */
  timestamp: id(),
};
export type PublishEventOptions = z.input<z.ZodObject<typeof PUBLISH_EVENT_OPTION_SHAPE>>;
/** Where an event's ids come from when the caller does not say: explicit ones, the bound status session, `context`. */
export type EventIdSources = Pick<PublishEventOptions, 'context' | 'websocketSessionId' | 'ids'>;
/** ADK ids an event may carry. */
export type AgentEventIds = NonNullable<PublishEventOptions['ids']>;

const publishOptionsSpec = defineOptions('publisher.publish(data, type, options)', PUBLISH_EVENT_OPTION_SHAPE);
const PUBLISH_OPTION_KEYS = new Set(Object.keys(PUBLISH_EVENT_OPTION_SHAPE));

/** Throws `ERR_INVALID_OPTION` for an unknown key: the hot path checks keys only, the schema words the error (and checks `ids`). */
export function checkPublishOptions(options: PublishEventOptions): void {
  if (typeof options !== 'object' || options === null || options.ids !== undefined || Object.keys(options).some((k) => !PUBLISH_OPTION_KEYS.has(k))) {
    parseOptions(publishOptionsSpec, options);
  }
}

/** Event types: short labels usable as Pub/Sub attribute values and in subscription filters. */
export const EVENT_TYPE_PATTERN = /^[A-Za-z0-9_.:/-]{1,256}$/;

const text = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);

function invalid(message: string, cause?: unknown): never {
  throw new StatusMessengerError('ERR_INVALID_EVENT', message, cause === undefined ? undefined : { cause });
}

/**
 * Builds the envelope and serialises it once into its message (ordering key: the session id, when ordering is on)
 * and the bytes it counts against the buffer (data plus attributes). Throws `ERR_INVALID_EVENT` for a bad type,
 * session id, event id or timestamp, data that is not JSON, or a message over `maxBytes`.
 */
export function buildAgentEvent(
  eventData: unknown,
  eventType: string,
  { context, websocketSessionId, ids = {}, eventId, timestamp }: PublishEventOptions,
  { ordering, maxBytes }: { ordering: boolean; maxBytes: number },
): { event: AgentEvent; message: EventTopicMessage; bytes: number } {
  const session = statusSessionFor(context as Context | undefined);
  const sessionId = websocketSessionId === undefined ? (session?.sessionId ?? null) : websocketSessionId;
  const check = (ok: boolean, what: string, value: unknown): void => {
    if (!ok) invalid(`${what}, got \`${String(value).slice(0, 100)}\``);
  };
  check(typeof eventType === 'string' && EVENT_TYPE_PATTERN.test(eventType), `An event type must match ${String(EVENT_TYPE_PATTERN)}`, eventType);
  check(sessionId === null || (typeof sessionId === 'string' && SESSION_ID_PATTERN.test(sessionId)), `A websocket session id must match ${String(SESSION_ID_PATTERN)}`, sessionId);
  check(eventId === undefined || (typeof eventId === 'string' && eventId.length >= 1 && eventId.length <= 256), 'An event id must be a string of 1–256 characters', eventId);
  check(timestamp === undefined || (typeof timestamp === 'string' && !Number.isNaN(Date.parse(timestamp))), 'An event timestamp must be an ISO-8601 string', timestamp);
  // JSON.stringify would silently drop the `data` field for these.
  if (['undefined', 'function', 'symbol'].includes(typeof eventData)) invalid(`Event data must be a JSON value, got ${typeof eventData}`);
  // The binding's ADK ids describe its own session only: a status mirrored for another session must not borrow them.
  const adk = session && sessionId === session.sessionId ? session.adk : undefined;
  const event: AgentEvent = {
    websocket_session_id: sessionId,
    event_type: eventType,
    timestamp: timestamp ?? new Date().toISOString(),
    data: eventData,
    event_id: eventId ?? randomUUID(),
  };
  const adkIds = {
    // Inside an AgentTool the context's appName is the sub-agent's (ADK-NOTES pitfall 2): the binding's comes first.
    app_name: text(ids.appName) ?? text(adk?.appName) ?? text(context?.invocationContext?.appName),
    user_id: text(ids.userId) ?? text(adk?.userId) ?? text(context?.userId),
    adk_session_id: text(ids.sessionId) ?? text(adk?.sessionId) ?? text(context?.sessionId),
    invocation_id: text(ids.invocationId) ?? text(context?.invocationId),
    agent: text(ids.agent) ?? text(context?.agentName),
  };
  for (const [field, value] of Object.entries(adkIds)) if (value) event[field as keyof typeof adkIds] = value;
  let json = '';
  try {
    json = JSON.stringify(event);
  } catch (error) {
    invalid(`Event data must be JSON-serialisable: ${(error as Error).message}`, error);
  }
  const message: EventTopicMessage = { data: Buffer.from(json, 'utf8'), attributes: { event_type: eventType } };
  if (sessionId !== null) message.attributes.websocket_session_id = sessionId;
  if (sessionId !== null && ordering) message.orderingKey = sessionId;
  const bytes = Object.entries(message.attributes).reduce((sum, [key, value]) => sum + Buffer.byteLength(key) + Buffer.byteLength(value), message.data.length);
  if (bytes > maxBytes) invalid(`An event must be at most ${maxBytes} bytes as JSON, got ${bytes}; send less data or raise \`maxEventBytes\``);
  return { event, message, bytes };
}
