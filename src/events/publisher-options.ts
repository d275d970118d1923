/**
 * `PubSubEventPublisher` options: each documented with its default, defaults merged once, and
 * every invariant checked up front with a message naming the option and the value.
 */
import { invalidOption } from '../errors.js';
import type { StatusMessengerError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { EventTopic } from './event-topic.js';

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
   * `{ messageOrdering: true }`; `batching` and `clientConfig` do not apply to it, and
   * `close()` leaves its client open. Give either `topic` or `topicName`.
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
  /** One publish RPC (and the topic check) gives up after this and is retried. @default 10000 */
  rpcTimeoutMs?: number;
  /** Events held until Pub/Sub confirms them; one more is dropped and counted. @default 10000 */
  maxBufferedEvents?: number;
  /** Bytes (JSON + attributes) held until confirmed; past it events are dropped and counted. @default 16777216 (16 MiB) */
  maxBufferedBytes?: number;
  /** The largest single event (JSON + attributes), at most 10 MB (Pub/Sub's limit). @default 1048576 (1 MiB) */
  maxEventBytes?: number;
  /** First wait before retrying after Pub/Sub was unreachable; doubles up to `retryMaxDelayMs`. @default 250 */
  retryInitialDelayMs?: number;
  /** @default 2000 */
  retryMaxDelayMs?: number;
  /** Create the topic when the existence check finds none (needs the `pubsub.topics.create` permission). @default false */
  createTopicIfMissing?: boolean;
  /** How long `flush()` and `close()` wait by default. @default 10000 */
  flushTimeoutMs?: number;
  /**
   * Called for every dropped event (buffer full, topic missing, permanent failure, closed,
   * invalid) and when Pub/Sub becomes unreachable. Must not throw (a throw is logged).
   * @default logs through `logger`, at most one line per error code every 10 s
   */
  onError?: PublishErrorHandler;
  /** @default the default logger */
  logger?: Logger;
}

export const PUBLISHER_DEFAULTS = {
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
} as const;

/** Pub/Sub's limit for one message (data plus attributes). */
const PUBSUB_MAX_MESSAGE_BYTES = 10_000_000;

export type ResolvedPublisherOptions = Omit<PubSubEventPublisherOptions, keyof typeof PUBLISHER_DEFAULTS> & {
  -readonly [K in keyof typeof PUBLISHER_DEFAULTS]: (typeof PUBLISHER_DEFAULTS)[K] extends boolean ? boolean : number;
};

function positiveInteger(name: string, value: unknown): void {
  if (!Number.isSafeInteger(value) || (value as number) < 1) invalidOption(name, 'a positive integer', value);
}

export function resolvePublisherOptions(options: PubSubEventPublisherOptions): ResolvedPublisherOptions {
  if (typeof options !== 'object' || options === null) invalidOption('options', 'an object', options);
  const resolved: ResolvedPublisherOptions = { ...PUBLISHER_DEFAULTS };
  for (const [key, value] of Object.entries(options)) {
    if (value !== undefined) (resolved as Record<string, unknown>)[key] = value;
  }
  const { topic, topicName } = resolved;
  if ((topic === undefined) === (topicName === undefined)) {
    invalidOption('topic', 'given, or else `topicName` (exactly one of the two)', topic === undefined ? undefined : '[topic]');
  }
  if (topic !== undefined && (typeof topic !== 'object' || topic === null || typeof topic.publishMessage !== 'function')) {
    invalidOption('topic', 'a @google-cloud/pubsub Topic (or an object with publishMessage)', topic);
  }
  if (topicName !== undefined && (typeof topicName !== 'string' || topicName.trim() === '')) {
    invalidOption('topicName', 'a non-empty string', topicName);
  }
  if (resolved.projectId !== undefined && (typeof resolved.projectId !== 'string' || resolved.projectId === '')) {
    invalidOption('projectId', 'a non-empty string', resolved.projectId);
  }
  for (const name of ['publishTimeoutMs', 'rpcTimeoutMs', 'maxBufferedEvents', 'maxBufferedBytes', 'maxEventBytes',
    'retryInitialDelayMs', 'retryMaxDelayMs', 'flushTimeoutMs'] as const) {
    positiveInteger(name, resolved[name]);
  }
  if (resolved.maxEventBytes > Math.min(resolved.maxBufferedBytes, PUBSUB_MAX_MESSAGE_BYTES)) {
    invalidOption('maxEventBytes', `at most \`maxBufferedBytes\` and ${PUBSUB_MAX_MESSAGE_BYTES}`, resolved.maxEventBytes);
  }
  if (resolved.retryMaxDelayMs < resolved.retryInitialDelayMs) {
    invalidOption('retryMaxDelayMs', `at least \`retryInitialDelayMs\` (${resolved.retryInitialDelayMs})`, resolved.retryMaxDelayMs);
  }
  for (const name of ['messageOrdering', 'createTopicIfMissing'] as const) {
    if (typeof resolved[name] !== 'boolean') invalidOption(name, 'a boolean', resolved[name]);
  }
  if (resolved.batching !== undefined) {
    if (typeof resolved.batching !== 'object' || resolved.batching === null) invalidOption('batching', 'an object', resolved.batching);
    for (const [name, value] of Object.entries(resolved.batching)) {
      if (value !== undefined) positiveInteger(`batching.${name}`, value);
    }
  }
  if (resolved.onError !== undefined && typeof resolved.onError !== 'function') invalidOption('onError', 'a function', resolved.onError);
  if (resolved.clientConfig !== undefined && (typeof resolved.clientConfig !== 'object' || resolved.clientConfig === null)) {
    invalidOption('clientConfig', 'an object', resolved.clientConfig);
  }
  return resolved;
}
