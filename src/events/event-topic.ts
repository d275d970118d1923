/**
 * The seam to `@google-cloud/pubsub` (an optional peer, loaded with a dynamic `import()`): the client and topic
 * options we set, the few `Topic` methods used (so unit tests can fake them), failure classes, admin-call deadlines.
 */
import { StatusMessengerError } from '../errors.js';

/** One message, as `topic.publishMessage` takes it. */
export interface EventTopicMessage {
  data: Buffer;
  attributes: Record<string, string>;
  orderingKey?: string;
}

/** Per-call options: google-gax `CallOptions`' `timeout`, plus `Topic.get`'s `autoCreate`. */
export interface EventTopicCallOptions {
  timeout?: number;
  autoCreate?: boolean;
}

/** The part of a `@google-cloud/pubsub` `Topic` the publisher uses; a real one (`{ messageOrdering: true }`) fits. */
export interface EventTopic {
  /** `projects/<project>/topics/<topic>`. */
  readonly name: string;
  /** Resolves to the message id; rejects with a gRPC-style error (`code`). */
  publishMessage(message: EventTopicMessage): Promise<string>;
  /** Unblocks an ordering key the client stopped after a failed publish. */
  resumePublishing(orderingKey: string): void;
  /** Resolves when the topic exists (or was created, with `autoCreate`); rejects with `code: 5` when not. */
  get?(options?: EventTopicCallOptions): Promise<unknown>;
}

/** The parts of the package's `PubSub` client used here (structural: no type import). */
export interface PubSubClient {
  topic(name: string, options?: Record<string, unknown>): EventTopic;
  close(): Promise<void>;
}
interface PubSubModule {
  PubSub: new (options?: Record<string, unknown>) => PubSubClient;
  Duration?: { from(value: { milliseconds: number }): unknown };
}

const PUBSUB_PACKAGE = '@google-cloud/pubsub';

/** Loads the package; a missing one is `ERR_PUBSUB_NOT_INSTALLED` with the install command. */
export async function loadPubSub(): Promise<PubSubModule> {
  const loaded = (await import('@google-cloud/pubsub').catch((error: unknown) => {
    const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
    const missing = (code === 'MODULE_NOT_FOUND' || code === 'ERR_MODULE_NOT_FOUND') && (typeof message !== 'string' || message.includes(PUBSUB_PACKAGE));
    if (!missing) throw error;
    const hint = `Publishing agent events needs the optional package ${PUBSUB_PACKAGE}: npm install ${PUBSUB_PACKAGE}`;
    throw new StatusMessengerError('ERR_PUBSUB_NOT_INSTALLED', hint, { cause: error });
  })) as Partial<PubSubModule> & { default?: Partial<PubSubModule> };
  // Native import() of this CommonJS package may put the exports under `default`.
  const { PubSub, Duration } = typeof loaded.PubSub === 'function' ? loaded : (loaded.default ?? {});
  if (typeof PubSub !== 'function') throw new StatusMessengerError('ERR_PUBSUB_NOT_INSTALLED', `${PUBSUB_PACKAGE} did not export a PubSub class`);
  return { PubSub, Duration };
}

/**
 * A client of our own. gRPC's reconnect backoff grows to 120 s, which after a 30 s outage leaves the client idle
 * for seconds after Pub/Sub is back; a 2 s ceiling keeps recovery quick (`clientConfig` may override it).
 */
export async function createClient(projectId: string | undefined, clientConfig: Record<string, unknown> | undefined): Promise<PubSubClient> {
  const { PubSub } = await loadPubSub();
  const options: Record<string, unknown> = { 'grpc.initial_reconnect_backoff_ms': 250, 'grpc.max_reconnect_backoff_ms': 2000, ...clientConfig };
  if (projectId !== undefined) options.projectId = projectId;
  return new PubSub(options);
}

/** What `topicOptions` reads: the publisher's resolved options of these names. */
export interface TopicSettings {
  messageOrdering: boolean;
  batching?: { maxMessages?: number | undefined; maxBytes?: number | undefined; maxMilliseconds?: number | undefined } | undefined;
  rpcTimeoutMs: number;
  retryInitialDelayMs: number;
  retryMaxDelayMs: number;
}

/**
 * Options for `pubsub.topic(name, options)`: the library batches, orders per key and retries with backoff (its own
 * retry codes); we bound each attempt (`rpcTimeoutMs`, a silent endpoint: nodejs-pubsub #436), the delay between
 * attempts (`retryMaxDelayMs`, not the library's 60 s), and give up after 10 minutes (then the publisher resends).
 */
export function topicOptions(o: TopicSettings): Record<string, unknown> {
  const { messageOrdering, batching, rpcTimeoutMs: rpc } = o;
  const backoff = { initialRetryDelayMillis: o.retryInitialDelayMs, retryDelayMultiplier: 2, maxRetryDelayMillis: o.retryMaxDelayMs };
  const timeouts = { initialRpcTimeoutMillis: rpc, rpcTimeoutMultiplier: 1, maxRpcTimeoutMillis: rpc, totalTimeoutMillis: 600_000 };
  // Without `retryCodes`, google-gax merges these settings into the library's own retry for Publish.
  return { messageOrdering, gaxOpts: { retry: { backoffSettings: { ...backoff, ...timeouts } } }, ...(batching && { batching }) };
}

/** INVALID_ARGUMENT, PERMISSION_DENIED, FAILED_PRECONDITION, OUT_OF_RANGE, UNIMPLEMENTED: a retry cannot succeed. */
const PERMANENT_CODES = new Set([3, 7, 9, 11, 12]);

function grpcCode(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

/** `not_found`: no such topic. `permanent`: a permanent code, or a client-side error without one. `transient`: any other code. */
export function classifyPubSubFailure(error: unknown): 'not_found' | 'permanent' | 'transient' {
  const code = grpcCode(error);
  if (code === undefined || PERMANENT_CODES.has(code)) return 'permanent';
  return code === 5 ? 'not_found' : 'transient';
}

/** A short, log-safe description of a Pub/Sub failure. */
export const describePubSubFailure = (error: unknown): string => (error instanceof Error ? error.message : String(error)).split('\n')[0]!.slice(0, 300);

/** The default deadline of an admin call (topic check, subscription create/delete). */
export const ADMIN_TIMEOUT_MS = 10_000;

/**
 * Resolves with `call()`, or rejects by `timeoutMs` (`ERR_PUBSUB_TIMEOUT`, unref'd timer) or when it fails:
 * `ERR_PUBSUB_TOPIC_NOT_FOUND`, `ERR_PUBSUB_UNREACHABLE` (transient) or `ERR_PUBSUB_REQUEST_FAILED`, with the raw
 * error as `cause` and its gRPC code as `grpcCode`.
 */
export function adminCall<T>(what: string, call: () => Promise<T>, timeoutMs: number = ADMIN_TIMEOUT_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new StatusMessengerError('ERR_PUBSUB_TIMEOUT', `Pub/Sub did not answer ${what} within ${timeoutMs} ms`)), timeoutMs).unref();
  });
  const settled = Promise.race([(async () => call())(), deadline]).finally(() => clearTimeout(timer));
  return settled.catch((error: unknown) => Promise.reject(adminError(what, error)));
}

function adminError(what: string, error: unknown): StatusMessengerError {
  if (StatusMessengerError.isInstance(error)) return error;
  const kind = classifyPubSubFailure(error);
  const code = kind === 'not_found' ? 'ERR_PUBSUB_TOPIC_NOT_FOUND' : kind === 'transient' ? 'ERR_PUBSUB_UNREACHABLE' : 'ERR_PUBSUB_REQUEST_FAILED';
  const wrapped = new StatusMessengerError(code, `Pub/Sub refused ${what}: ${describePubSubFailure(error)}`, { cause: error });
  return Object.assign(wrapped, { grpcCode: grpcCode(error) });
}
