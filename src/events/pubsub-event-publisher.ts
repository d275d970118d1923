/**
 * `PubSubEventPublisher`: agent events to one Pub/Sub topic, without the seed's flaws. Every
 * `publish()` settles within `publishTimeoutMs`; events wait in a buffer bounded by count and
 * bytes until Pub/Sub confirms them and are resent in order (per session) after an outage;
 * whatever is dropped is counted and reported, never silent; `flush()`/`close()` for shutdown.
 */
import { StatusMessengerError } from '../errors.js';
import { getDefaultLogger } from '../logger.js';
import type { Logger } from '../logger.js';
import { createAgentEvent, encodeAgentEvent } from './agent-event.js';
import { DeliveryQueue } from './delivery-queue.js';
import type { QueuedEvent } from './delivery-queue.js';
import { describePubSubFailure } from './event-topic.js';
import type { EventTopicMessage } from './event-topic.js';
import { createOwnedTopic } from './load-pubsub.js';
import { createPublishErrorReporter } from './publish-error-reporter.js';
import type { CloseResult, FlushResult, PublishOutcome, PubSubPublisherStats } from './publish-outcome.js';
import { resolvePublisherOptions } from './publisher-options.js';
import type { PubSubEventPublisherOptions, PublishErrorHandler, ResolvedPublisherOptions } from './publisher-options.js';
import { resolveEventIds } from './resolve-event-ids.js';
import type { EventIdSources } from './resolve-event-ids.js';
import { TopicConnection } from './topic-connection.js';

export interface PublishEventOptions extends EventIdSources {
  /** Your own de-duplication id. @default a new UUID */
  eventId?: string;
  /** ISO-8601 time of the event. @default now */
  timestamp?: string;
}

export class PubSubEventPublisher {
  readonly #options: ResolvedPublisherOptions;
  readonly #connection: TopicConnection;
  readonly #queue: DeliveryQueue;
  readonly #report: PublishErrorHandler;
  #counts = { accepted: 0, overflowed: 0, rejected: 0, timedOut: 0 };
  #closing: Promise<CloseResult> | undefined;

  constructor(options: PubSubEventPublisherOptions) {
    const o = (this.#options = resolvePublisherOptions(options));
    this.#report = createPublishErrorReporter(o.onError, () => this.#logger);
    const publishOptions = {
      messageOrdering: o.messageOrdering,
      batching: o.batching,
      // Our retry loop owns retries: the client's own backoff (up to 60 s between tries) would
      // hold a batch long after Pub/Sub is back.
      gaxOpts: { timeout: o.rpcTimeoutMs, retry: { retryCodes: [] } },
    };
    const topicName = o.topicName?.trim() ?? '';
    const source = o.topic
      ? { topic: o.topic }
      : { name: topicName, create: () => createOwnedTopic({ topicName, projectId: o.projectId, clientConfig: o.clientConfig, publishOptions }) };
    const logger = (): Logger => this.#logger;
    this.#connection = new TopicConnection(
      { source, rpcTimeoutMs: o.rpcTimeoutMs, createTopicIfMissing: o.createTopicIfMissing, logger },
      {
        ready: () => this.#queue.ready(),
        missing: (error) => this.#queue.dropAll(error),
        unreachable: (cause) => this.#queue.becameUnreachable(cause),
        failed: (error) => this.#queue.dropAll(error),
      },
    );
    this.#queue = new DeliveryQueue({ ...o, connection: this.#connection, report: this.#report, logger });
  }

  get #logger(): Logger {
    return this.#options.logger ?? getDefaultLogger();
  }

  /**
   * Publishes one event. Never rejects: resolves by the deadline to `published`, `buffered`
   * (still held; sent in order when Pub/Sub answers) or `dropped` (also reported to `onError`).
   * The session id and ADK ids come from the bound status session and `options.context`.
   */
  publish(eventData: unknown, eventType = 'agent_event', options: PublishEventOptions = {}): Promise<PublishOutcome> {
    if (this.#closing) return this.#reject(undefined, new StatusMessengerError('ERR_PUBSUB_CLOSED', 'The PubSubEventPublisher is closed'));
    let queued: QueuedEvent;
    try {
      const { websocketSessionId, ids } = resolveEventIds(options);
      const event = createAgentEvent(eventData, eventType, { websocketSessionId, ids, eventId: options.eventId, timestamp: options.timestamp });
      const encoded = encodeAgentEvent(event, { ordering: this.#options.messageOrdering, maxBytes: this.#options.maxEventBytes });
      const message: EventTopicMessage = { data: encoded.data, attributes: encoded.attributes };
      if (encoded.orderingKey !== undefined) message.orderingKey = encoded.orderingKey;
      queued = { eventId: event.event_id, key: encoded.orderingKey, bytes: encoded.bytes, message, attempt: 0, sends: 0, settle: undefined };
    } catch (error) {
      const invalid = StatusMessengerError.isInstance(error)
        ? error
        : new StatusMessengerError('ERR_INVALID_EVENT', `The event could not be built: ${describePubSubFailure(error)}`, { cause: error });
      return this.#reject(undefined, invalid);
    }
    const failure = this.#connection.failure;
    if (failure) return this.#reject(queued.eventId, failure);
    const buffer = this.#queue.buffer;
    if (!buffer.tryAdd(queued)) {
      this.#counts.overflowed += 1;
      const { maxBufferedEvents, maxBufferedBytes } = this.#options;
      const error = new StatusMessengerError(
        'ERR_PUBSUB_BUFFER_FULL',
        `The event buffer is full (${buffer.count} events, ${buffer.bytes} bytes; limits ${maxBufferedEvents} events, ` +
          `${maxBufferedBytes} bytes) while Pub/Sub does not confirm; the event was dropped`,
      );
      this.#report(error, { eventIds: [queued.eventId] });
      return Promise.resolve({ status: 'dropped', eventId: queued.eventId, error });
    }
    this.#counts.accepted += 1;
    const outcome = new Promise<PublishOutcome>((resolve) => {
      const timer = setTimeout(() => {
        if (!queued.settle) return;
        this.#counts.timedOut += 1;
        const { publishTimeoutMs } = this.#options;
        const error = new StatusMessengerError(
          'ERR_PUBSUB_TIMEOUT',
          `Pub/Sub did not confirm the event within ${publishTimeoutMs} ms; it stays buffered and is retried`,
        );
        queued.settle({ status: 'buffered', eventId: queued.eventId, error });
      }, this.#options.publishTimeoutMs);
      queued.settle = (result) => {
        clearTimeout(timer);
        queued.settle = undefined;
        resolve(result);
      };
    });
    this.#queue.advance([queued.key]);
    return outcome;
  }

  /** Waits until every held event is confirmed or dropped, or `timeoutMs` passes; retries at once if Pub/Sub was unreachable. */
  async flush(timeoutMs: number = this.#options.flushTimeoutMs): Promise<FlushResult> {
    this.#queue.retryNow();
    await this.#queue.whenEmpty(timeoutMs);
    const pending = this.#queue.buffer.count;
    return { flushed: pending === 0, pending };
  }

  /**
   * Stops accepting events (later publishes are dropped with `ERR_PUBSUB_CLOSED`), flushes for
   * up to `timeoutMs`, drops and reports what is left, and closes the client it created.
   * Safe to call twice.
   */
  close(timeoutMs: number = this.#options.flushTimeoutMs): Promise<CloseResult> {
    this.#closing ??= this.#shutdown(timeoutMs);
    return this.#closing;
  }

  stats(): PubSubPublisherStats {
    const connection = this.#connection.state;
    const buffer = this.#queue.buffer;
    return {
      state: this.#closing
        ? 'closed'
        : connection === 'failed'
          ? 'unavailable'
          : connection === 'missing'
            ? 'topic_missing'
            : this.#queue.unreachable
              ? 'unreachable'
              : connection === 'ready'
                ? 'ready'
                : 'idle',
      accepted: this.#counts.accepted,
      published: this.#queue.counts.published,
      buffered: buffer.count,
      bufferedBytes: buffer.bytes,
      peakBuffered: buffer.peakCount,
      peakBufferedBytes: buffer.peakBytes,
      overflowed: this.#counts.overflowed,
      failed: this.#counts.rejected + this.#queue.counts.failed,
      timedOut: this.#counts.timedOut,
      retried: this.#queue.counts.retried,
    };
  }

  async #shutdown(timeoutMs: number): Promise<CloseResult> {
    const { flushed } = await this.flush(timeoutMs);
    const left = this.#queue.buffer.count;
    if (left > 0) {
      this.#queue.dropAll(new StatusMessengerError('ERR_PUBSUB_CLOSED', `The publisher closed before Pub/Sub confirmed ${left} events`));
    }
    this.#queue.stop();
    try {
      await this.#connection.close();
    } catch (error) {
      this.#logger.debug('Closing the Pub/Sub client failed', error);
    }
    return { flushed, dropped: left };
  }

  /** Drops an event that never entered the buffer. */
  #reject(eventId: string | undefined, error: StatusMessengerError): Promise<PublishOutcome> {
    this.#counts.rejected += 1;
    this.#report(error, { eventIds: eventId === undefined ? [] : [eventId] });
    return Promise.resolve({ status: 'dropped', eventId, error });
  }
}
