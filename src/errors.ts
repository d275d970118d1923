/**
 * One error class with a stable `code`. Every code is listed in the README's "Error codes".
 *
 * We throw only for wiring bugs (bad options, bad arguments). Runtime conditions such as a
 * closed tab or an unreachable Pub/Sub are reported as results, never thrown into an agent run.
 */

export type StatusMessengerErrorCode =
  /** An option passed to a constructor or function is invalid. */
  | 'ERR_INVALID_OPTION'
  /** A session id is not safe in one URL path segment (see `SESSION_ID_PATTERN`) or is longer than 256 characters. */
  | 'ERR_INVALID_SESSION_ID'
  /** A chat message cannot become an ADK message (`toAdkContent`): not a user message, nothing to send, or a file ADK cannot take. */
  | 'ERR_INVALID_MESSAGE'
  /** A status is not a non-empty string (or has a bad `level`/`progress`). */
  | 'ERR_INVALID_STATUS'
  /** A status is longer than `maxStatusLength`. */
  | 'ERR_STATUS_TOO_LONG'
  /** The hub was used after `close()`. */
  | 'ERR_HUB_CLOSED'
  /** An agent event is not JSON-serialisable or is too large. */
  | 'ERR_INVALID_EVENT'
  /** `@google-cloud/pubsub` is not installed. */
  | 'ERR_PUBSUB_NOT_INSTALLED'
  /** The configured topic does not exist. */
  | 'ERR_PUBSUB_TOPIC_NOT_FOUND'
  /** The relay's subscription name is already taken by a subscription of another topic. */
  | 'ERR_PUBSUB_SUBSCRIPTION_CONFLICT'
  /** A publish did not settle within its deadline. */
  | 'ERR_PUBSUB_TIMEOUT'
  /** A publish failed for a reason a retry cannot fix (e.g. permission denied); the events were dropped. */
  | 'ERR_PUBSUB_PUBLISH_FAILED'
  /** Pub/Sub could not be reached; events wait in the publisher's buffer and are retried in order. */
  | 'ERR_PUBSUB_UNREACHABLE'
  /** The publisher's outage buffer was full; the event was dropped. */
  | 'ERR_PUBSUB_BUFFER_FULL'
  /** The publisher was used after `close()`. */
  | 'ERR_PUBSUB_CLOSED'
  /** A Pub/Sub admin call (topic check, subscription create or delete) failed for a reason a retry cannot fix, e.g. permission denied. */
  | 'ERR_PUBSUB_REQUEST_FAILED';

const MARKER = Symbol.for('adk-status-messenger.error');

export class StatusMessengerError extends Error {
  readonly code: StatusMessengerErrorCode;
  readonly [MARKER] = true;

  constructor(code: StatusMessengerErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StatusMessengerError';
    this.code = code;
  }

  /** True for errors of this class, also across duplicate copies of the package (ESM + CJS). */
  static isInstance(error: unknown, code?: StatusMessengerErrorCode): error is StatusMessengerError {
    return (
      typeof error === 'object' &&
      error !== null &&
      (error as Record<symbol, unknown>)[MARKER] === true &&
      (code === undefined || (error as StatusMessengerError).code === code)
    );
  }
}

/** Throws `ERR_INVALID_OPTION` naming the option and the value, in the style of ws and p-queue. */
export function invalidOption(name: string, expected: string, value: unknown): never {
  let shown: string;
  try {
    shown = typeof value === 'function' ? 'a function' : (JSON.stringify(value) ?? String(value));
  } catch {
    shown = String(value);
  }
  throw new StatusMessengerError('ERR_INVALID_OPTION', `Expected \`${name}\` to be ${expected}, got \`${shown}\``);
}
