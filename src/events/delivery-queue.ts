/**
 * `DeliveryQueue`: the publisher's engine. It holds events in a bounded `EventBuffer` until
 * Pub/Sub confirms them, hands them to the client in order per ordering key, and when Pub/Sub
 * is unreachable stops sending, probes with backoff (one probe at a time, not one per session),
 * and resends each session's events in order once a probe succeeds.
 */
import { StatusMessengerError } from '../errors.js';
import type { Logger } from '../logger.js';
import { EventBuffer } from './event-buffer.js';
import { classifyPubSubFailure, describePubSubFailure } from './event-topic.js';
import type { EventTopicMessage } from './event-topic.js';
import type { PublishOutcome } from './publish-outcome.js';
import type { PublishErrorHandler } from './publisher-options.js';
import type { TopicConnection } from './topic-connection.js';

/** One event on its way to Pub/Sub. */
export interface QueuedEvent {
  readonly eventId: string;
  /** The ordering key (session id), if any. */
  readonly key: string | undefined;
  readonly bytes: number;
  readonly message: EventTopicMessage;
  /** Id of the current send; 0 while not handed to the client, -1 once dropped. */
  attempt: number;
  sends: number;
  /** Settles the caller's `publish()` promise; cleared once it settled (e.g. at its deadline). */
  settle: ((outcome: PublishOutcome) => void) | undefined;
}

export interface DeliveryQueueOptions {
  maxBufferedEvents: number;
  maxBufferedBytes: number;
  retryInitialDelayMs: number;
  retryMaxDelayMs: number;
  connection: TopicConnection;
  report: PublishErrorHandler;
  logger: () => Logger;
}

export class DeliveryQueue {
  readonly buffer: EventBuffer<QueuedEvent>;
  readonly #options: DeliveryQueueOptions;
  readonly #blockedKeys = new Set<string>();
  readonly #emptyWaiters = new Set<() => void>();
  #attempts = 0;
  #unreachable = false;
  #streak = 0;
  #retryTimer: NodeJS.Timeout | undefined;
  /** Confirmed, dropped (not counting overflow, which never enters), and resent events. */
  readonly counts = { published: 0, failed: 0, retried: 0 };

  constructor(options: DeliveryQueueOptions) {
    this.#options = options;
    this.buffer = new EventBuffer(options.maxBufferedEvents, options.maxBufferedBytes);
  }

  get unreachable(): boolean {
    return this.#unreachable;
  }

  /** Hands unsent events of `keys` (default: all) to the client, when the topic is ready and reachable. */
  advance(keys: Iterable<string | undefined> = this.buffer.keys()): void {
    if (this.#unreachable || !this.#options.connection.ensure()) return;
    for (const key of keys) this.#pump(key);
  }

  /** The topic became ready (first check, or a successful probe). */
  ready(): void {
    if (!this.#unreachable) return this.advance();
    const held = this.buffer.count;
    this.#setReachable();
    this.#options.logger().info(`Pub/Sub is reachable again; publishing ${held} held events in order`);
    this.advance();
  }

  /** Pub/Sub did not answer: stop sending, report once, and probe with backoff. */
  becameUnreachable(cause: unknown): void {
    if (!this.#unreachable) {
      this.#unreachable = true;
      const { maxBufferedEvents, maxBufferedBytes } = this.#options;
      const message =
        `Pub/Sub is unreachable (${describePubSubFailure(cause)}); holding up to ${maxBufferedEvents} events / ` +
        `${maxBufferedBytes} bytes and retrying in order`;
      this.#options.report(new StatusMessengerError('ERR_PUBSUB_UNREACHABLE', message, { cause }), { eventIds: [] });
    }
    this.#scheduleRetry();
  }

  /** Drops everything held with `error` (topic missing, client unavailable, closed). */
  dropAll(error: StatusMessengerError): number {
    const events = this.buffer.clear();
    this.#setReachable();
    this.#drop(events, error);
    return events.length;
  }

  /** Probes now instead of at the end of the backoff (used by `flush()`). */
  retryNow(): void {
    if (!this.#retryTimer) return;
    clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
    this.#retry();
  }

  /** Resolves when nothing is held, or after `timeoutMs`. */
  async whenEmpty(timeoutMs: number): Promise<void> {
    if (this.buffer.count === 0) return;
    await new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.#emptyWaiters.delete(check);
        resolve();
      };
      const check = (): void => {
        if (this.buffer.count === 0) done();
      };
      const timer = setTimeout(done, timeoutMs);
      this.#emptyWaiters.add(check);
    });
  }

  stop(): void {
    clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
  }

  /** Sends the unsent events of `key` in order (only the first, for a probe); returns how many. */
  #pump(key: string | undefined, onlyFirst = false): number {
    const topic = this.#options.connection.topic;
    if (!topic) return 0;
    const events = this.buffer.eventsOf(key);
    const unsent = events.filter((event) => event.attempt === 0);
    if (unsent.length === 0) return 0;
    if (onlyFirst) unsent.length = 1;
    if (key !== undefined && this.#blockedKeys.has(key)) {
      // The client refuses a failed key until resumePublishing(key). Resume only once the
      // rejections of the key's events still in flight are in: resuming a key with a batch in
      // flight lets the client drop its queue, and the next batch could overtake that one.
      if (events.some((event) => event.attempt > 0)) return 0;
      this.#blockedKeys.delete(key);
      topic.resumePublishing(key);
    }
    for (const event of unsent) {
      const attempt = (this.#attempts += 1);
      event.attempt = attempt;
      if (event.sends > 0) this.counts.retried += 1;
      event.sends += 1;
      let sent: Promise<string>;
      try {
        sent = topic.publishMessage(event.message);
      } catch (error) {
        sent = Promise.reject(error);
      }
      sent.then(
        (messageId) => this.#published(event, messageId),
        (error: unknown) => this.#failed(event, attempt, error),
      );
    }
    return unsent.length;
  }

  #published(event: QueuedEvent, messageId: string): void {
    if (!this.buffer.remove(event)) return;
    this.counts.published += 1;
    if (this.#unreachable) this.ready();
    event.settle?.({ status: 'published', eventId: event.eventId, messageId });
    this.#notifyEmpty();
  }

  #failed(event: QueuedEvent, attempt: number, error: unknown): void {
    if (event.attempt !== attempt || !this.buffer.has(event)) return;
    const { key } = event;
    const kind = classifyPubSubFailure(error);
    if (kind === 'not_found') return this.#options.connection.topicMissing(error);
    if (key !== undefined) this.#blockedKeys.add(key);
    if (kind === 'permanent') {
      // Each refused event is dropped as its own rejection arrives (the client rejects the rest
      // of the key with the same error); one that was merely queued behind may still succeed.
      this.buffer.remove(event);
      const reason = `Pub/Sub refused the event: ${describePubSubFailure(error)}`;
      this.#drop([event], new StatusMessengerError('ERR_PUBSUB_PUBLISH_FAILED', reason, { cause: error }));
      this.advance([key]);
      return;
    }
    // A transient failure fails an ordered key as a whole: the client rejects everything queued
    // behind the failed batch, so all of the key's sent events go back to unsent, in order.
    const affected = key === undefined ? [event] : this.buffer.eventsOf(key).filter((e) => e.attempt > 0);
    for (const e of affected) e.attempt = 0;
    this.becameUnreachable(error);
  }

  #scheduleRetry(): void {
    if (this.#retryTimer) return;
    const { retryInitialDelayMs, retryMaxDelayMs } = this.#options;
    const delay = Math.min(retryMaxDelayMs, retryInitialDelayMs * 2 ** Math.min(this.#streak, 20));
    this.#streak += 1;
    // Unref'd: retries alone do not keep a process alive; close() is the way to wait for them.
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      this.#retry();
    }, delay);
    this.#retryTimer.unref();
  }

  /**
   * One probe: the topic check if it is still due, else the oldest unsent event alone. When it
   * is confirmed, `ready()` sends everything else, each session in order behind it.
   */
  #retry(): void {
    if (!this.#options.connection.ensure()) return;
    const tried = new Set<string | undefined>();
    for (const event of this.buffer) {
      if (event.attempt !== 0 || tried.has(event.key)) continue;
      if (this.#pump(event.key, true) > 0) return;
      tried.add(event.key);
    }
    // Everything held is in flight (or waits behind events in flight): their outcome decides;
    // look again later in case none comes.
    if (this.buffer.count > 0) this.#scheduleRetry();
    else this.#setReachable();
  }

  #setReachable(): void {
    this.#unreachable = false;
    this.#streak = 0;
    this.stop();
  }

  /** Settles and reports events already removed from the buffer. */
  #drop(events: QueuedEvent[], error: StatusMessengerError): void {
    if (events.length === 0) return;
    for (const event of events) {
      if (event.key !== undefined && event.attempt > 0) this.#blockedKeys.add(event.key);
      event.attempt = -1;
      this.counts.failed += 1;
      event.settle?.({ status: 'dropped', eventId: event.eventId, error });
    }
    this.#options.report(error, { eventIds: events.map((event) => event.eventId) });
    this.#notifyEmpty();
  }

  #notifyEmpty(): void {
    for (const check of [...this.#emptyWaiters]) check();
  }
}
