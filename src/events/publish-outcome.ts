/**
 * What a `PubSubEventPublisher` reports back: how one publish ended, what `flush()` and
 * `close()` achieved, and its counters.
 */
import type { StatusMessengerError } from '../errors.js';

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
