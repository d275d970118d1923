/**
 * The `PubSubEventPublisher` API's types: its options (one strict schema: an unknown key, nested
 * ones too, is an `ERR_INVALID_OPTION` naming it; frozen defaults) and what it reports back.
 */
import { z } from 'zod';
import { invalidOption } from '../errors.js';
import type { StatusMessengerError } from '../errors.js';
import type { Logger } from '../logger.js';
import { defineOptions, frozenDefaults, opt, parseOptions } from '../options.js';
import type { PublishEventOptions } from './agent-event.js';
import type { EventTopic } from './event-topic.js';
import type { PubSubEventPublisher } from './pubsub-event-publisher.js';

/** Why `onError` was called; `eventIds` lists the events dropped with this error (may be empty). */
export interface PublishErrorDetails {
  eventIds: readonly string[];
}

export type PublishErrorHandler = (error: StatusMessengerError, details: PublishErrorDetails) => void;

export interface PubSubBatchingOptions {
  /** @default 100 */
  maxMessages?: number;
  /** @default 1048576 (1 MiB) */
  maxBytes?: number;
  /** @default 10 */
  maxMilliseconds?: number;
}

export interface PubSubEventPublisherOptions {
  /**
   * A ready `@google-cloud/pubsub` `Topic` (or any `EventTopic`). Create it with
   * `{ messageOrdering: true }`; `batching`, `clientConfig` and the retry settings do not apply
   * to it, and `close()` leaves its client open. Give either `topic` or `topicName`.
   */
  topic?: EventTopic;
  /** A topic id (with `projectId`) or a full `projects/<project>/topics/<topic>` name. */
  topicName?: string;
  /** @default the client library's: `GOOGLE_CLOUD_PROJECT`, credentials, or metadata server */
  projectId?: string;
  /** More options for `new PubSub(...)` (`apiEndpoint`, `credentials`, `grpc.*`). @default {} */
  clientConfig?: Record<string, unknown>;
  /** Client-side batching, as `@google-cloud/pubsub`'s. @default { maxMessages: 100, maxBytes: 1 MiB, maxMilliseconds: 10 } */
  batching?: PubSubBatchingOptions;
  /** Publish with ordering key = websocket session id, so each session's events stay in order. @default true */
  messageOrdering?: boolean;
  /** Every `publish()` settles within this: published, or still buffered and retried. @default 5000 */
  publishTimeoutMs?: number;
  /** One publish RPC attempt (and the topic check) gives up after this; the client library retries it. @default 10000 */
  rpcTimeoutMs?: number;
  /** Events held until Pub/Sub confirms them; one more is dropped and counted. @default 10000 */
  maxBufferedEvents?: number;
  /** Bytes (JSON + attributes) held until confirmed; past it events are dropped and counted. @default 16777216 (16 MiB) */
  maxBufferedBytes?: number;
  /** The largest single event (JSON + attributes), at most 10 MB (Pub/Sub's limit). @default 1048576 (1 MiB) */
  maxEventBytes?: number;
  /** The client library's first retry delay after a failed publish RPC (it doubles, with jitter). @default 250 */
  retryInitialDelayMs?: number;
  /** The longest retry delay: how late, at worst, publishing resumes after Pub/Sub is back. @default 2000 */
  retryMaxDelayMs?: number;
  /** Create the topic when the existence check finds none (needs the `pubsub.topics.create` permission). @default false */
  createTopicIfMissing?: boolean;
  /** How long `flush()` and `close()` wait by default. @default 10000 */
  flushTimeoutMs?: number;
  /**
   * Called for every dropped event (buffer full, topic missing, permanent failure, closed,
   * invalid) and when Pub/Sub stops confirming. A throw is caught and logged.
   * @default logs through `logger`, at most one line per error code every 10 s
   */
  onError?: PublishErrorHandler;
  /** @default the default logger */
  logger?: Logger;
}

export const PUBLISHER_DEFAULTS = frozenDefaults({
  messageOrdering: true,
  publishTimeoutMs: 5000,
  rpcTimeoutMs: 10_000,
  maxBufferedEvents: 10_000,
  maxBufferedBytes: 16 * 1024 * 1024,
  maxEventBytes: 1024 * 1024,
  retryInitialDelayMs: 250,
  retryMaxDelayMs: 2000,
  createTopicIfMissing: false,
  flushTimeoutMs: 10_000,
} as const);

/** Pub/Sub's limit for one message (data plus attributes). */
const PUBSUB_MAX_MESSAGE_BYTES = 10_000_000;

const int = opt.positiveInt;
const object = <T>(message: string, test: (value: Record<string, unknown>) => boolean) =>
  z.custom<T>((v) => typeof v === 'object' && v !== null && test(v as Record<string, unknown>), { message });

const publisherOptionsSpec = defineOptions('new PubSubEventPublisher(options)', {
  topic: object<EventTopic>('a @google-cloud/pubsub Topic (an object with publishMessage)', (v) => typeof v.publishMessage === 'function').optional(),
  topicName: z.string().trim().min(1).optional(),
  projectId: z.string().min(1).optional(),
  clientConfig: object<Record<string, unknown>>('an object', () => true).optional(),
  batching: z.strictObject({ maxMessages: int().optional(), maxBytes: int().optional(), maxMilliseconds: int().optional() }).optional(),
  messageOrdering: z.boolean().default(PUBLISHER_DEFAULTS.messageOrdering),
  publishTimeoutMs: int().default(PUBLISHER_DEFAULTS.publishTimeoutMs),
  rpcTimeoutMs: int().default(PUBLISHER_DEFAULTS.rpcTimeoutMs),
  maxBufferedEvents: int().default(PUBLISHER_DEFAULTS.maxBufferedEvents),
  maxBufferedBytes: int().default(PUBLISHER_DEFAULTS.maxBufferedBytes),
  maxEventBytes: int().default(PUBLISHER_DEFAULTS.maxEventBytes),
  retryInitialDelayMs: int().default(PUBLISHER_DEFAULTS.retryInitialDelayMs),
  retryMaxDelayMs: int().default(PUBLISHER_DEFAULTS.retryMaxDelayMs),
  createTopicIfMissing: z.boolean().default(PUBLISHER_DEFAULTS.createTopicIfMissing),
  flushTimeoutMs: int().default(PUBLISHER_DEFAULTS.flushTimeoutMs),
  onError: opt.fn<PublishErrorHandler>().optional(),
  logger: object<Logger>('a logger (debug, info, warn, error)', (v) => typeof v.warn === 'function' && typeof v.error === 'function').optional(),
});

export type ResolvedPublisherOptions = z.output<typeof publisherOptionsSpec.schema>;

export function resolvePublisherOptions(options: PubSubEventPublisherOptions): ResolvedPublisherOptions {
  const o = parseOptions(publisherOptionsSpec, options);
  if ((o.topic === undefined) === (o.topicName === undefined)) {
    invalidOption('topic', 'given, or else `topicName` (exactly one of the two)', o.topic === undefined ? undefined : '[topic]');
  }
  if (o.maxEventBytes > Math.min(o.maxBufferedBytes, PUBSUB_MAX_MESSAGE_BYTES)) {
    invalidOption('maxEventBytes', `at most \`maxBufferedBytes\` and ${PUBSUB_MAX_MESSAGE_BYTES}`, o.maxEventBytes);
  }
  if (o.retryMaxDelayMs < o.retryInitialDelayMs) {
    invalidOption('retryMaxDelayMs', `at least \`retryInitialDelayMs\` (${o.retryInitialDelayMs})`, o.retryMaxDelayMs);
  }
  return o;
}

const anyValue = z.unknown().optional();
/** Values are checked where the envelope is built (`ERR_INVALID_EVENT`); keys here. */
export const PUBLISH_EVENT_OPTION_SHAPE = {
  context: z.custom<object>((v) => typeof v === 'object' && v !== null, { message: 'an object' }).optional(),
  websocketSessionId: anyValue,
  ids: z.strictObject({ appName: anyValue, userId: anyValue, sessionId: anyValue, invocationId: anyValue, agent: anyValue }).optional(),
  eventId: anyValue,
  timestamp: anyValue,
};
const publishOptionsSpec = defineOptions('publisher.publish(data, type, options)', PUBLISH_EVENT_OPTION_SHAPE);
const PUBLISH_OPTION_KEYS = new Set(Object.keys(PUBLISH_EVENT_OPTION_SHAPE));

/** Throws `ERR_INVALID_OPTION` for an unknown key. The hot path checks keys only; the schema runs to word the error (and check `ids`). */
export function checkPublishOptions(options: PublishEventOptions): void {
  if (typeof options !== 'object' || options === null || options.ids !== undefined || Object.keys(options).some((k) => !PUBLISH_OPTION_KEYS.has(k))) {
    parseOptions(publishOptionsSpec, options);
  }
}

/** The `publisher` option of `publishAgentEvent`, the tool and the mirror. */
export const publisherOption = z
  .custom<PubSubEventPublisher>((v) => typeof (v as { publish?: unknown } | null)?.publish === 'function', { message: 'a PubSubEventPublisher' })
  .optional();

/** How one `publish()` ended, by its deadline. */
export type PublishOutcome =
  | { status: 'published'; eventId: string; messageId: string }
  /** Not confirmed by the deadline (`ERR_PUBSUB_TIMEOUT`); still held, and published in order when Pub/Sub answers. */
  | { status: 'buffered'; eventId: string; error: StatusMessengerError }
  /** Neither published nor held: see `error.code`. `eventId` is absent when the event could not be built. */
  | { status: 'dropped'; eventId: string | undefined; error: StatusMessengerError };

/**
 * - `idle`: nothing published yet (the client is created on the first publish)
 * - `ready`: the topic exists and Pub/Sub answers
 * - `unreachable`: Pub/Sub did not answer; events are held and retried
 * - `topic_missing`: the topic does not exist; publishes fail fast until it is checked again
 * - `unavailable`: the client could not be created (`@google-cloud/pubsub` not installed)
 * - `closed`: after `close()`
 */
export type PublisherState = 'idle' | 'ready' | 'unreachable' | 'topic_missing' | 'unavailable' | 'closed';

export interface PubSubPublisherStats {
  state: PublisherState;
  /** Events taken into the buffer. */
  accepted: number;
  /** Events Pub/Sub confirmed with a message id. */
  published: number;
  /** Events held right now, and their bytes (JSON plus attributes). */
  buffered: number;
  bufferedBytes: number;
  /** The most events held at once, and the most bytes held at once. */
  peakBuffered: number;
  peakBufferedBytes: number;
  /** Events dropped because the buffer was full (`ERR_PUBSUB_BUFFER_FULL`). */
  overflowed: number;
  /** Events dropped for any other reason: invalid, topic missing, refused, closed, not installed. */
  failed: number;
  /** Publishes whose deadline passed before confirmation (the events stayed buffered). */
  timedOut: number;
  /** Sends after the first one, following a failure. */
  retried: number;
  /** Sessions (ordering keys) the publisher holds state for: events held, or a resume due. 0 once nothing is pending. */
  sessions: number;
}

export interface FlushResult {
  /** `true` when nothing was left unconfirmed. */
  flushed: boolean;
  /** Events still held when the wait ended. */
  pending: number;
}

export interface CloseResult {
  flushed: boolean;
  /** Events still unconfirmed when the wait ended: dropped and reported with `ERR_PUBSUB_CLOSED`. */
  dropped: number;
}
