/**
 * The seam between the publisher and Pub/Sub: the few methods of a `@google-cloud/pubsub`
 * `Topic` the publisher calls, so the publishing logic can run against a fake in unit tests
 * and against a real topic everywhere else. Also: which Pub/Sub failures a retry can fix, and
 * the deadline every admin call gets.
 */
import { StatusMessengerError } from '../errors.js';

/** One message, as `topic.publishMessage` takes it. */
export interface EventTopicMessage {
  data: Buffer;
  attributes: Record<string, string>;
  orderingKey?: string;
}

/** Per-call options, a subset of google-gax `CallOptions` plus `Topic.get`'s `autoCreate`. */
export interface EventTopicCallOptions {
  timeout?: number;
  autoCreate?: boolean;
}

/**
 * The part of a `@google-cloud/pubsub` `Topic` the publisher uses. A real `Topic` fits as is;
 * create it with `{ messageOrdering: true }` so events of one session keep their order.
 */
export interface EventTopic {
  /** `projects/<project>/topics/<topic>`. */
  readonly name: string;
  /** Resolves to the Pub/Sub message id; rejects with a gRPC-style error (`code`). */
  publishMessage(message: EventTopicMessage): Promise<string>;
  /** Unblocks an ordering key after a failed publish (the client stops a key on failure). */
  resumePublishing(orderingKey: string): void;
  /**
   * Resolves when the topic exists (creating it when `autoCreate` is set); rejects with
   * `code: 5` (NOT_FOUND) when it does not. Without it, a missing topic shows at the first publish.
   */
  get?(options?: EventTopicCallOptions): Promise<unknown>;
}

/** gRPC status codes (google.rpc.Code) the publisher tells apart. */
export const GRPC_CODES = {
  INVALID_ARGUMENT: 3,
  NOT_FOUND: 5,
  PERMISSION_DENIED: 7,
  FAILED_PRECONDITION: 9,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  UNAVAILABLE: 14,
} as const;

/**
 * - `not_found`: the topic does not exist.
 * - `permanent`: retrying the same messages cannot succeed (bad request, no permission, or a
 *   client-side error without a gRPC code); they are dropped and reported.
 * - `transient`: Pub/Sub is unreachable, slow or overloaded (UNAVAILABLE, DEADLINE_EXCEEDED,
 *   RESOURCE_EXHAUSTED, INTERNAL, ABORTED, CANCELLED, UNKNOWN, UNAUTHENTICATED); the messages
 *   stay buffered and are retried in order.
 */
export type PubSubFailureKind = 'not_found' | 'permanent' | 'transient';

const PERMANENT_CODES = new Set<number>([
  GRPC_CODES.INVALID_ARGUMENT,
  GRPC_CODES.PERMISSION_DENIED,
  GRPC_CODES.FAILED_PRECONDITION,
  GRPC_CODES.OUT_OF_RANGE,
  GRPC_CODES.UNIMPLEMENTED,
]);

export function grpcCode(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

export function classifyPubSubFailure(error: unknown): PubSubFailureKind {
  const code = grpcCode(error);
  if (code === undefined) return 'permanent';
  if (code === GRPC_CODES.NOT_FOUND) return 'not_found';
  return PERMANENT_CODES.has(code) ? 'permanent' : 'transient';
}

/** A short, log-safe description of a Pub/Sub failure. */
export function describePubSubFailure(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0]!.slice(0, 300);
}

/** The default deadline of an admin call (topic check, subscription create/delete). */
export const ADMIN_TIMEOUT_MS = 10_000;

/**
 * Bounds an admin call: resolves with it, or rejects with a `StatusMessengerError` by
 * `timeoutMs` (`ERR_PUBSUB_TIMEOUT`) or when it fails (`ERR_PUBSUB_TOPIC_NOT_FOUND` for
 * NOT_FOUND, `ERR_PUBSUB_UNREACHABLE` for a transient code, `ERR_PUBSUB_REQUEST_FAILED` else;
 * the raw error is the `cause`, its gRPC code is kept as `grpcCode`). The timer is unref'd.
 */
export function adminCall<T>(what: string, call: () => Promise<T>, timeoutMs: number = ADMIN_TIMEOUT_MS): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new StatusMessengerError('ERR_PUBSUB_TIMEOUT', `Pub/Sub did not answer ${what} within ${timeoutMs} ms`)),
      timeoutMs,
    );
    timer.unref();
    let pending: Promise<T>;
    try {
      pending = call();
    } catch (error) {
      pending = Promise.reject(error);
    }
    pending.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(adminError(what, error));
      },
    );
  });
}

function adminError(what: string, error: unknown): StatusMessengerError {
  if (StatusMessengerError.isInstance(error)) return error;
  const kind = classifyPubSubFailure(error);
  const code = kind === 'not_found' ? 'ERR_PUBSUB_TOPIC_NOT_FOUND' : kind === 'transient' ? 'ERR_PUBSUB_UNREACHABLE' : 'ERR_PUBSUB_REQUEST_FAILED';
  const wrapped = new StatusMessengerError(code, `Pub/Sub refused ${what}: ${describePubSubFailure(error)}`, { cause: error });
  return Object.assign(wrapped, { grpcCode: grpcCode(error) });
}
