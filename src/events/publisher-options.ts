/** The `PubSubEventPublisher`'s options (one strict schema, frozen defaults) and what it reports back; see docs/pubsub.md. */
import { z } from 'zod';
import { invalidOption } from '../errors.js';
import type { StatusMessengerError } from '../errors.js';
import type { Logger } from '../logger.js';
import { defineOptions, frozenDefaults, opt, parseOptions } from '../options.js';
import type { EventTopic } from './event-topic.js';

/** `eventIds`: the events dropped with this error (may be empty). */
export interface PublishErrorDetails {
  eventIds: readonly string[];
}

export type PublishErrorHandler = (error: StatusMessengerError, details: PublishErrorDetails) => void;

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

const { positiveInt: int, fn } = opt;
const object = <T>(message: string, test: (value: Record<string, unknown>) => boolean = () => true) =>
  z.custom<T>((v) => typeof v === 'object' && v !== null && test(v as Record<string, unknown>), { message });
const D = PUBLISHER_DEFAULTS;

/** The options, documented once: the schema and the type (`PubSubEventPublisherOptions`) both come from it. */
const PUBLISHER_OPTION_SHAPE = {
  /** A ready `Topic` (or any `EventTopic`), made with `{ messageOrdering: true }`; `close()` leaves its client open. Give this or `topicName`. */
  topic: object<EventTopic>('a @google-cloud/pubsub Topic (an object with publishMessage)', (v) => typeof v.publishMessage === 'function').optional(),
  /** A topic id (with `projectId`) or a full `projects/<project>/topics/<topic>` name. */
  topicName: z.string().trim().min(1).optional(),
  /** @default the client library's: `GOOGLE_CLOUD_PROJECT`, credentials, or metadata server */
  projectId: z.string().min(1).optional(),
  /** More options for `new PubSub(...)` (`apiEndpoint`, `credentials`, `grpc.*`). @default {} */
  clientConfig: object<Record<string, unknown>>('an object').optional(),
  /** The client library's batching. @default { maxMessages: 100, maxBytes: 1048576 (1 MiB), maxMilliseconds: 10 } */
  batching: z.strictObject({ maxMessages: int().optional(), maxBytes: int().optional(), maxMilliseconds: int().optional() }).optional(),
  /** Ordering key = websocket session id, so each session's events stay in order. @default true */
  messageOrdering: z.boolean().default(D.messageOrdering),
  /** Every `publish()` settles within this: published, or still buffered and retried. @default 5000 */
  publishTimeoutMs: int().default(D.publishTimeoutMs),
  /** One publish RPC attempt (and the topic check) gives up after this; the client library retries. @default 10000 */
  rpcTimeoutMs: int().default(D.rpcTimeoutMs),
  /** Events held until confirmed; past it, events are dropped and counted. @default 10000 */
  maxBufferedEvents: int().default(D.maxBufferedEvents),
  /** Bytes (JSON + attributes) held until confirmed. @default 16777216 (16 MiB) */
  maxBufferedBytes: int().default(D.maxBufferedBytes),
  /** The largest single event (JSON + attributes), at most 10 MB (Pub/Sub's limit). @default 1048576 (1 MiB) */
  maxEventBytes: int().default(D.maxEventBytes),
  /** The client library's first retry delay after a failed publish RPC (doubling, with jitter). @default 250 */
  retryInitialDelayMs: int().default(D.retryInitialDelayMs),
  /** The longest retry delay: how late, at worst, publishing resumes after an outage. @default 2000 */
  retryMaxDelayMs: int().default(D.retryMaxDelayMs),
  /** Create the topic when the existence check finds none (needs `pubsub.topics.create`). @default false */
  createTopicIfMissing: z.boolean().default(D.createTopicIfMissing),
  /** How long `flush()` and `close()` wait by default. @default 10000 */
  flushTimeoutMs: int().default(D.flushTimeoutMs),
  /** Called for every dropped event and when Pub/Sub stops confirming; a throw is logged. @default logs, one line per code every 10 s */
  onError: fn<PublishErrorHandler>().optional(),
  /** @default the default logger */
  logger: object<Logger>('a logger (debug, info, warn, error)', (v) => typeof v.warn === 'function' && typeof v.error === 'function').optional(),
};
const publisherOptionsSpec = defineOptions('new PubSubEventPublisher(options)', PUBLISHER_OPTION_SHAPE);

export type PubSubEventPublisherOptions = z.input<z.ZodObject<typeof PUBLISHER_OPTION_SHAPE>>;
/** The client library's batching (defaults: `PubSubEventPublisherOptions.batching`). */
export type PubSubBatchingOptions = NonNullable<PubSubEventPublisherOptions['batching']>;
export type ResolvedPublisherOptions = z.output<z.ZodObject<typeof PUBLISHER_OPTION_SHAPE>>;

export function resolvePublisherOptions(options: PubSubEventPublisherOptions): ResolvedPublisherOptions {
  const o = parseOptions(publisherOptionsSpec, options);
  if ((o.topic === undefined) === (o.topicName === undefined)) {
    invalidOption('topic', 'given, or else `topicName` (exactly one of the two)', o.topic === undefined ? undefined : '[topic]');
  }
  if (o.maxEventBytes > Math.min(o.maxBufferedBytes, PUBSUB_MAX_MESSAGE_BYTES)) {
    invalidOption('maxEventBytes', `at most \`maxBufferedBytes\` and ${PUBSUB_MAX_MESSAGE_BYTES}`, o.maxEventBytes);
  }
  if (o.retryMaxDelayMs < o.retryInitialDelayMs) invalidOption('retryMaxDelayMs', `at least \`retryInitialDelayMs\` (${o.retryInitialDelayMs})`, o.retryMaxDelayMs);
  return o;
}

/** How one `publish()` ended, by its deadline. */
export type PublishOutcome =
  | { status: 'published'; eventId: string; messageId: string }
  /** Not confirmed by the deadline (`ERR_PUBSUB_TIMEOUT`): still held, published in order when Pub/Sub answers. */
  | { status: 'buffered'; eventId: string; error: StatusMessengerError }
  /** Neither published nor held: see `error.code`. No `eventId` when the event could not be built. */
  | { status: 'dropped'; eventId: string | undefined; error: StatusMessengerError };

/** `idle` (nothing published yet), `ready`, `unreachable` (events held and retried), `topic_missing`, `unavailable` (no client), `closed`. */
export type PublisherState = 'idle' | 'ready' | 'unreachable' | 'topic_missing' | 'unavailable' | 'closed';

/** Counters since the publisher was created (meanings: docs/pubsub.md, "Guarantees"). */
export interface PubSubPublisherStats {
  state: PublisherState;
  /** Events taken into the buffer. */ accepted: number;
  /** Events Pub/Sub confirmed. */ published: number;
  /** Events held now, and their bytes. */ buffered: number;
  bufferedBytes: number;
  /** The most held at once. */ peakBuffered: number;
  peakBufferedBytes: number;
  /** Dropped because the buffer was full. */ overflowed: number;
  /** Dropped for any other reason. */ failed: number;
  /** Publishes whose deadline passed before confirmation (the events stayed held). */ timedOut: number;
  /** Sends after the first, following a failure. */ retried: number;
  /** Sessions with anything pending (events held, or a resume due). */ sessions: number;
}

export interface FlushResult {
  /** `true` when nothing was left unconfirmed. */ flushed: boolean;
  /** Events still held when the wait ended. */ pending: number;
}

export interface CloseResult {
  flushed: boolean;
  /** Events unconfirmed when the wait ended: dropped and reported with `ERR_PUBSUB_CLOSED`. */ dropped: number;
}
