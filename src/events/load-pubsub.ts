/**
 * Loads `@google-cloud/pubsub` (an optional peer dependency) on first use, with a dynamic
 * `import()`, so apps that never publish never load it, and creates the publisher's own client
 * and topic. A missing package becomes `ERR_PUBSUB_NOT_INSTALLED` with the install command.
 */
import { StatusMessengerError } from '../errors.js';
import type { EventTopic } from './event-topic.js';

/** The parts of the package's `PubSub` client used here (kept structural: no type import). */
interface PubSubClient {
  topic(name: string, options?: Record<string, unknown>): EventTopic;
  close(): Promise<void>;
}
interface PubSubModule {
  PubSub: new (options?: Record<string, unknown>) => PubSubClient;
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
  return { PubSub };
}

export interface OwnedTopicConfig {
  topicName: string;
  projectId: string | undefined;
  clientConfig: Record<string, unknown> | undefined;
  /** Options for `pubsub.topic(name, options)`: batching, messageOrdering, gaxOpts. */
  publishOptions: Record<string, unknown>;
}

/** A client and topic the publisher created, and so closes. */
export interface OwnedTopic {
  topic: EventTopic;
  close(): Promise<void>;
}

export async function createOwnedTopic(config: OwnedTopicConfig): Promise<OwnedTopic> {
  const { PubSub } = await loadPubSub();
  const options: Record<string, unknown> = { ...GRPC_RECONNECT_DEFAULTS, ...config.clientConfig };
  if (config.projectId !== undefined) options.projectId = config.projectId;
  const client = new PubSub(options);
  return { topic: client.topic(config.topicName, config.publishOptions), close: () => client.close() };
}
