/**
 * Loads `@google-cloud/pubsub` (an optional peer dependency) on first use, with a dynamic
 * `import()`, so apps that never publish never load it, and creates the publisher's own client
 * and topic. A missing package becomes `ERR_PUBSUB_NOT_INSTALLED` with the install command.
 */
import { StatusMessengerError } from '../errors.js';
import type { EventTopic } from './event-topic.js';

/** The parts of the package's `PubSub` client used here (kept structural: no type import). */
export interface PubSubClient {
  topic(name: string, options?: Record<string, unknown>): EventTopic;
  close(): Promise<void>;
}
interface PubSubModule {
  PubSub: new (options?: Record<string, unknown>) => PubSubClient;
  /** The package's `Duration` (subscriber stream options take one). */
  Duration?: { from(value: { milliseconds: number }): unknown };
}

export const PUBSUB_PACKAGE = '@google-cloud/pubsub';

/**
 * gRPC reconnects after a failure with a backoff that grows to 120 s by default, so after an
 * outage of half a minute the client can sit idle for many seconds after Pub/Sub is back.
 * A 2 s ceiling keeps recovery quick; `clientConfig` may override these.
 */
const GRPC_RECONNECT_DEFAULTS = {
  'grpc.initial_reconnect_backoff_ms': 250,
  'grpc.max_reconnect_backoff_ms': 2000,
};

function isModuleNotFound(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  return (
    (code === 'MODULE_NOT_FOUND' || code === 'ERR_MODULE_NOT_FOUND') &&
    (typeof message !== 'string' || message.includes(PUBSUB_PACKAGE))
  );
}

export async function loadPubSub(): Promise<PubSubModule> {
  let loaded: unknown;
  try {
    loaded = await import('@google-cloud/pubsub');
  } catch (error) {
    if (isModuleNotFound(error)) {
      throw new StatusMessengerError(
        'ERR_PUBSUB_NOT_INSTALLED',
        `Publishing agent events needs the optional package ${PUBSUB_PACKAGE}: npm install ${PUBSUB_PACKAGE}`,
        { cause: error },
      );
    }
    throw error;
  }
  // Native import() of this CommonJS package may put the exports under `default`.
  const mod = loaded as Partial<PubSubModule> & { default?: Partial<PubSubModule> };
  const PubSub = mod.PubSub ?? mod.default?.PubSub;
  if (typeof PubSub !== 'function') {
    throw new StatusMessengerError('ERR_PUBSUB_NOT_INSTALLED', `${PUBSUB_PACKAGE} did not export a PubSub class`);
  }
  return { PubSub, Duration: mod.Duration ?? mod.default?.Duration };
}

/** Codes the client library retries a publish on (its own list for Publish). */
const PUBLISH_RETRY_CODES = [1, 2, 4, 8, 10, 13, 14]; // CANCELLED UNKNOWN DEADLINE_EXCEEDED RESOURCE_EXHAUSTED ABORTED INTERNAL UNAVAILABLE

export interface PublishSettings {
  messageOrdering: boolean;
  batching?: Record<string, number | undefined>;
  rpcTimeoutMs: number;
  retryInitialDelayMs: number;
  retryMaxDelayMs: number;
}

/**
 * Options for `pubsub.topic(name, options)`. The client library batches, keeps each ordering
 * key in order, and retries a failed publish with backoff; we only bound it: each attempt ends
 * after `rpcTimeoutMs` (a silent endpoint, nodejs-pubsub #436), the delay between attempts
 * grows to `retryMaxDelayMs` rather than the library's 60 s (so publishing resumes within
 * seconds of an outage's end), and it gives up after 10 minutes (then the publisher resends).
 */
export function topicOptions(settings: PublishSettings): Record<string, unknown> {
  const { rpcTimeoutMs, retryInitialDelayMs, retryMaxDelayMs } = settings;
  const options: Record<string, unknown> = {
    messageOrdering: settings.messageOrdering,
    gaxOpts: {
      retry: {
        retryCodes: PUBLISH_RETRY_CODES,
        backoffSettings: {
          initialRetryDelayMillis: retryInitialDelayMs,
          retryDelayMultiplier: 2,
          maxRetryDelayMillis: retryMaxDelayMs,
          initialRpcTimeoutMillis: rpcTimeoutMs,
          rpcTimeoutMultiplier: 1,
          maxRpcTimeoutMillis: rpcTimeoutMs,
          totalTimeoutMillis: 600_000,
        },
      },
    },
  };
  if (settings.batching) options.batching = settings.batching;
  return options;
}

export interface OwnedTopicConfig {
  topicName: string;
  projectId: string | undefined;
  clientConfig: Record<string, unknown> | undefined;
  /** Options for `pubsub.topic(name, options)`, see `topicOptions`. */
  publishOptions: Record<string, unknown>;
}

/** A client and topic the publisher created, and so closes. */
export interface OwnedTopic {
  topic: EventTopic;
  close(): Promise<void>;
}

/** A client of our own: gRPC reconnects quickly after an outage. */
export async function createClient(projectId: string | undefined, clientConfig: Record<string, unknown> | undefined): Promise<PubSubClient> {
  const { PubSub } = await loadPubSub();
  const options: Record<string, unknown> = { ...GRPC_RECONNECT_DEFAULTS, ...clientConfig };
  if (projectId !== undefined) options.projectId = projectId;
  return new PubSub(options);
}

export async function createOwnedTopic(config: OwnedTopicConfig): Promise<OwnedTopic> {
  const client = await createClient(config.projectId, config.clientConfig);
  return { topic: client.topic(config.topicName, config.publishOptions), close: () => client.close() };
}
