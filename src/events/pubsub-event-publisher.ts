/**
 * `PubSubEventPublisher`: agent events to one Pub/Sub topic, without the seed's flaws.
 *
 * `@google-cloud/pubsub` does what it does well and is left to do it: batching, ordering per
 * key, retrying a failed publish with backoff (bounded by `topicOptions`). This class adds only
 * what the library lacks: the seed's envelope; a bound on what is held while Pub/Sub does not
 * confirm (the library's queue has none, nodejs-pubsub #1906); a deadline on every `publish()`;
 * the in-order resend of a session's events once the library gives up on them (it rejects the
 * rest of the ordering key and needs `resumePublishing`); and reporting of whatever is dropped.
 */
import { z } from 'zod';
import { StatusMessengerError } from '../errors.js';
import { getDefaultLogger } from '../logger.js';
import type { Logger } from '../logger.js';
import { defineOptions, parseOptions } from '../options.js';
import { createAgentEvent, encodeAgentEvent } from './agent-event.js';
import { EventBuffer } from './event-buffer.js';
import { adminCall, classifyPubSubFailure, describePubSubFailure } from './event-topic.js';
import type { EventTopic, EventTopicMessage } from './event-topic.js';
import { createOwnedTopic, topicOptions } from './load-pubsub.js';
import { createPublishErrorReporter } from './publish-error-reporter.js';
import type { CloseResult, FlushResult, PublishOutcome, PubSubPublisherStats } from './publish-outcome.js';
import { resolvePublisherOptions } from './publisher-options.js';
import type { PubSubEventPublisherOptions, PublishErrorHandler, ResolvedPublisherOptions } from './publisher-options.js';
import { resolveEventIds } from './resolve-event-ids.js';
import type { EventIdSources } from './resolve-event-ids.js';

export interface PublishEventOptions extends EventIdSources {
  /** Your own de-duplication id. @default a new UUID */
  eventId?: string;
  /** ISO-8601 time of the event. @default now */
  timestamp?: string;
}

const anyObject = z.custom<object>((v) => typeof v === 'object' && v !== null, { message: 'an object' });
/** Values are checked where the envelope is built (`ERR_INVALID_EVENT`); keys here. */
export const PUBLISH_EVENT_OPTION_SHAPE = {
  context: anyObject.optional(),
  websocketSessionId: z.unknown().optional(),
  ids: z.strictObject({
    appName: z.unknown().optional(),
    userId: z.unknown().optional(),
    sessionId: z.unknown().optional(),
    invocationId: z.unknown().optional(),
    agent: z.unknown().optional(),
  }).optional(),
  eventId: z.unknown().optional(),
  timestamp: z.unknown().optional(),
};
const publishOptionsSpec = defineOptions('publisher.publish(data, type, options)', PUBLISH_EVENT_OPTION_SHAPE);
const PUBLISH_OPTION_KEYS = new Set(Object.keys(PUBLISH_EVENT_OPTION_SHAPE));

/** After a topic was found missing, publishes fail fast this long before it is checked again. */
export const TOPIC_RECHECK_MS = 30_000;

/** One event held until Pub/Sub confirms it. */
interface HeldEvent {
  readonly eventId: string;
  /** The ordering key (session id), if any. */
  readonly key: string | undefined;
  readonly bytes: number;
  readonly message: EventTopicMessage;
  /** Id of the send in flight; 0 while not handed to the client. */
  attempt: number;
  sends: number;
  /** Settles the caller's `publish()`; cleared once it settled (e.g. at its deadline). */
  settle: ((outcome: PublishOutcome) => void) | undefined;
}

/** `checking` covers creating the client too; `missing` lasts `TOPIC_RECHECK_MS`. */
type TopicState = 'idle' | 'checking' | 'ready' | 'missing' | 'failed';

export class PubSubEventPublisher {
  readonly #o: ResolvedPublisherOptions;
  readonly #report: PublishErrorHandler;
  readonly #buffer: EventBuffer<HeldEvent>;
  #topic: EventTopic | undefined;
  #closeClient: (() => Promise<void>) | undefined;
  #state: TopicState = 'idle';
  #failure: StatusMessengerError | undefined;
  #missingUntil = 0;
  #unreachable = false;
  /**
   * Keys whose events failed: the client stops such a key until `resumePublishing`, and a
   * resend must not overtake a send still in flight. The resend timer resumes each key once
   * none of its sends is in flight, then forgets it, so no per-session state outlives it.
   */
  readonly #failedKeys = new Set<string | undefined>();
  #resendTimer: NodeJS.Timeout | undefined;
  #attempts = 0;
  readonly #emptyWaiters = new Set<() => void>();
  readonly #counts = { accepted: 0, published: 0, overflowed: 0, failed: 0, timedOut: 0, retried: 0 };
  #opening: Promise<void> | undefined;
  #closing: Promise<CloseResult> | undefined;
  #closed = false;

  constructor(options: PubSubEventPublisherOptions) {
    this.#o = resolvePublisherOptions(options);
    this.#report = createPublishErrorReporter(this.#o.onError, () => this.#logger);
    this.#buffer = new EventBuffer(this.#o.maxBufferedEvents, this.#o.maxBufferedBytes);
    this.#topic = this.#o.topic;
  }

  get #logger(): Logger {
    return this.#o.logger ?? getDefaultLogger();
  }

  get #topicName(): string {
    return this.#topic?.name ?? this.#o.topicName ?? '';
  }

  /**
   * Publishes one event. Never rejects: resolves by the deadline to `published`, `buffered`
   * (still held; sent in order when Pub/Sub answers) or `dropped` (also reported to `onError`).
   * The session id and ADK ids come from the bound status session and `options.context`.
   */
  publish(eventData: unknown, eventType = 'agent_event', options: PublishEventOptions = {}): Promise<PublishOutcome> {
    if (this.#closing) return this.#reject(undefined, new StatusMessengerError('ERR_PUBSUB_CLOSED', 'The PubSubEventPublisher is closed'));
    let held: HeldEvent;
    try {
      // The hot path checks keys only; the schema runs to word the error (and check `ids`).
      if (typeof options !== 'object' || options === null || options.ids !== undefined || Object.keys(options).some((k) => !PUBLISH_OPTION_KEYS.has(k))) {
        parseOptions(publishOptionsSpec, options);
      }
      const { websocketSessionId, ids } = resolveEventIds(options);
      const event = createAgentEvent(eventData, eventType, { websocketSessionId, ids, eventId: options.eventId, timestamp: options.timestamp });
      const encoded = encodeAgentEvent(event, { ordering: this.#o.messageOrdering, maxBytes: this.#o.maxEventBytes });
      const message: EventTopicMessage = { data: encoded.data, attributes: encoded.attributes };
      if (encoded.orderingKey !== undefined) message.orderingKey = encoded.orderingKey;
      held = { eventId: event.event_id, key: encoded.orderingKey, bytes: encoded.bytes, message, attempt: 0, sends: 0, settle: undefined };
    } catch (error) {
      const invalid = StatusMessengerError.isInstance(error)
        ? (error as StatusMessengerError)
        : new StatusMessengerError('ERR_INVALID_EVENT', `The event could not be built: ${describePubSubFailure(error)}`, { cause: error });
      return this.#reject(undefined, invalid);
    }
    const failure = this.#currentFailure();
    if (failure) return this.#reject(held.eventId, failure);
    if (!this.#buffer.tryAdd(held)) {
      this.#counts.overflowed += 1;
      const { count, bytes } = this.#buffer;
      const error = new StatusMessengerError(
        'ERR_PUBSUB_BUFFER_FULL',
        `The event buffer is full (${count} events, ${bytes} bytes; limits ${this.#o.maxBufferedEvents} events, ` +
          `${this.#o.maxBufferedBytes} bytes) while Pub/Sub does not confirm; the event was dropped`,
      );
      this.#report(error, { eventIds: [held.eventId] });
      return Promise.resolve({ status: 'dropped', eventId: held.eventId, error });
    }
    this.#counts.accepted += 1;
    const outcome = new Promise<PublishOutcome>((resolve) => {
      const timer = setTimeout(() => {
        if (!held.settle) return;
        this.#counts.timedOut += 1;
        const { publishTimeoutMs } = this.#o;
        this.#becameUnreachable(`no confirmation within ${publishTimeoutMs} ms`);
        const error = new StatusMessengerError(
          'ERR_PUBSUB_TIMEOUT',
          `Pub/Sub did not confirm the event within ${publishTimeoutMs} ms; it stays buffered and is retried`,
        );
        held.settle({ status: 'buffered', eventId: held.eventId, error });
      }, this.#o.publishTimeoutMs);
      held.settle = (result) => {
        clearTimeout(timer);
        held.settle = undefined;
        resolve(result);
      };
    });
    this.#pump(held.key);
    return outcome;
  }

  /** Waits until every held event is confirmed or dropped, or `timeoutMs` passes; resends failed sessions at once. */
  async flush(timeoutMs: number = this.#o.flushTimeoutMs): Promise<FlushResult> {
    if (this.#resendTimer) {
      clearTimeout(this.#resendTimer);
      this.#resend();
    }
    if (this.#buffer.count > 0) {
      await new Promise<void>((resolve) => {
        const done = (): void => {
          clearTimeout(timer);
          this.#emptyWaiters.delete(check);
          resolve();
        };
        const check = (): void => {
          if (this.#buffer.count === 0) done();
        };
        const timer = setTimeout(done, timeoutMs);
        this.#emptyWaiters.add(check);
      });
    }
    const pending = this.#buffer.count;
    return { flushed: pending === 0, pending };
  }

  /**
   * Stops accepting events (later publishes are dropped with `ERR_PUBSUB_CLOSED`), flushes for
   * up to `timeoutMs`, drops and reports what is left, and closes the client it created.
   * Safe to call twice.
   */
  close(timeoutMs: number = this.#o.flushTimeoutMs): Promise<CloseResult> {
    this.#closing ??= this.#shutdown(timeoutMs);
    return this.#closing;
  }

  stats(): PubSubPublisherStats {
    const state = this.#currentState();
    const buffer = this.#buffer;
    const sessions = new Set([...buffer.keys(), ...this.#failedKeys]);
    sessions.delete(undefined);
    return {
      state: this.#closing
        ? 'closed'
        : state === 'failed'
          ? 'unavailable'
          : state === 'missing'
            ? 'topic_missing'
            : this.#unreachable
              ? 'unreachable'
              : state === 'ready'
                ? 'ready'
                : 'idle',
      accepted: this.#counts.accepted,
      published: this.#counts.published,
      buffered: buffer.count,
      bufferedBytes: buffer.bytes,
      peakBuffered: buffer.peakCount,
      peakBufferedBytes: buffer.peakBytes,
      overflowed: this.#counts.overflowed,
      failed: this.#counts.failed,
      timedOut: this.#counts.timedOut,
      retried: this.#counts.retried,
      sessions: sessions.size,
    };
  }

  #currentState(): TopicState {
    return this.#state === 'missing' && Date.now() >= this.#missingUntil ? 'idle' : this.#state;
  }

  /** Why a publish must fail right now without being buffered, if it must. */
  #currentFailure(): StatusMessengerError | undefined {
    const state = this.#currentState();
    return state === 'failed' || state === 'missing' ? this.#failure : undefined;
  }

  /** Hands the unsent events of `key` to the client, in order, once the topic is known. */
  #pump(key: string | undefined): void {
    const state = this.#currentState();
    if (state === 'idle') this.#opening = this.#open();
    if (state !== 'ready' || this.#failedKeys.has(key)) return;
    const topic = this.#topic!;
    for (const event of this.#buffer.eventsOf(key)) {
      if (event.attempt !== 0) continue;
      const attempt = (this.#attempts += 1);
      event.attempt = attempt;
      if (event.sends > 0) this.#counts.retried += 1;
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
  }

  /** Creates the client (unless a topic was given) and checks once that the topic exists. */
  async #open(): Promise<void> {
    this.#state = 'checking';
    try {
      if (!this.#topic) {
        const topicName = this.#o.topicName!;
        const { projectId, clientConfig } = this.#o;
        const owned = await createOwnedTopic({ topicName, projectId, clientConfig, publishOptions: topicOptions(this.#o) });
        this.#topic = owned.topic;
        this.#closeClient = owned.close;
      }
    } catch (error) {
      this.#state = 'failed';
      this.#failure = StatusMessengerError.isInstance(error)
        ? error
        : new StatusMessengerError('ERR_PUBSUB_PUBLISH_FAILED', `Could not create the Pub/Sub client: ${describePubSubFailure(error)}`, { cause: error });
      this.#dropAll(this.#failure);
      return;
    }
    const topic = this.#topic;
    if (typeof topic.get === 'function') {
      const { rpcTimeoutMs: timeout, createTopicIfMissing: autoCreate } = this.#o;
      try {
        await adminCall(`the check of topic ${topic.name}`, () => topic.get!({ timeout, autoCreate }), timeout);
      } catch (error) {
        if (StatusMessengerError.isInstance(error, 'ERR_PUBSUB_TOPIC_NOT_FOUND')) return this.#topicMissing(error.cause);
        // Unreachable, slow, or a publisher-only account that may not read topic metadata: go
        // ahead; the client retries the publishes, and they tell whether the topic exists.
        this.#logger.debug(`Could not check that the Pub/Sub topic ${topic.name} exists (${(error as Error).message}); publishing anyway`);
      }
    }
    if (this.#state !== 'checking') return;
    this.#state = 'ready';
    for (const key of this.#buffer.keys()) this.#pump(key);
  }

  #published(event: HeldEvent, messageId: string): void {
    if (!this.#buffer.remove(event)) return;
    this.#counts.published += 1;
    if (this.#unreachable) {
      this.#unreachable = false;
      this.#logger.info(`Pub/Sub confirms again; ${this.#buffer.count} held events follow in order`);
    }
    event.settle?.({ status: 'published', eventId: event.eventId, messageId });
    this.#notifyEmpty();
  }

  #failed(event: HeldEvent, attempt: number, error: unknown): void {
    if (event.attempt !== attempt || !this.#buffer.has(event)) return;
    const kind = classifyPubSubFailure(error);
    if (kind === 'not_found') return this.#topicMissing(error);
    event.attempt = 0;
    this.#failedKeys.add(event.key);
    if (kind === 'permanent') {
      // The client rejects the rest of the key with the same error: each event is dropped as
      // its own rejection arrives.
      this.#buffer.remove(event);
      this.#drop([event], new StatusMessengerError('ERR_PUBSUB_PUBLISH_FAILED', `Pub/Sub refused the event: ${describePubSubFailure(error)}`, { cause: error }));
    } else {
      this.#becameUnreachable(describePubSubFailure(error));
    }
    this.#scheduleResend();
  }

  #scheduleResend(): void {
    if (this.#resendTimer || this.#closed) return;
    // Unref'd: a resend alone does not keep a process alive; close() is the way to wait.
    this.#resendTimer = setTimeout(() => this.#resend(), this.#o.retryInitialDelayMs);
    this.#resendTimer.unref();
  }

  /** Resumes and resends each failed key whose sends are all settled; the others wait for the next round. */
  #resend(): void {
    this.#resendTimer = undefined;
    for (const key of [...this.#failedKeys]) {
      if (this.#buffer.eventsOf(key).some((event) => event.attempt !== 0)) continue;
      this.#failedKeys.delete(key);
      if (key !== undefined) this.#topic?.resumePublishing(key);
      this.#pump(key);
    }
    if (this.#failedKeys.size > 0) this.#scheduleResend();
  }

  #becameUnreachable(why: string): void {
    if (this.#unreachable) return;
    this.#unreachable = true;
    const { maxBufferedEvents, maxBufferedBytes } = this.#o;
    const message =
      `Pub/Sub does not confirm (${why}); holding up to ${maxBufferedEvents} events / ${maxBufferedBytes} bytes ` +
      'and publishing them in order when it answers';
    this.#report(new StatusMessengerError('ERR_PUBSUB_UNREACHABLE', message), { eventIds: [] });
  }

  #topicMissing(cause: unknown): void {
    this.#state = 'missing';
    this.#missingUntil = Date.now() + TOPIC_RECHECK_MS;
    this.#failure = new StatusMessengerError(
      'ERR_PUBSUB_TOPIC_NOT_FOUND',
      `The Pub/Sub topic ${this.#topicName} does not exist: create it, or pass \`createTopicIfMissing: true\`. ` +
        `Events are dropped; the topic is checked again in ${TOPIC_RECHECK_MS / 1000} s.`,
      { cause },
    );
    this.#dropAll(this.#failure);
  }

  #dropAll(error: StatusMessengerError): number {
    const events = this.#buffer.clear();
    this.#unreachable = false;
    this.#drop(events, error);
    return events.length;
  }

  /** Settles and reports events already removed from the buffer. */
  #drop(events: HeldEvent[], error: StatusMessengerError): void {
    if (events.length === 0) return;
    for (const event of events) {
      // A key with a send in flight may be stopped in the client: resume it before its next send.
      if (event.attempt !== 0) this.#failedKeys.add(event.key);
      event.attempt = -1;
      this.#counts.failed += 1;
      event.settle?.({ status: 'dropped', eventId: event.eventId, error });
    }
    this.#report(error, { eventIds: events.map((event) => event.eventId) });
    if (this.#failedKeys.size > 0) this.#scheduleResend();
    this.#notifyEmpty();
  }

  #notifyEmpty(): void {
    for (const check of [...this.#emptyWaiters]) check();
  }

  async #shutdown(timeoutMs: number): Promise<CloseResult> {
    const { flushed } = await this.flush(timeoutMs);
    const left = this.#buffer.count;
    if (left > 0) this.#dropAll(new StatusMessengerError('ERR_PUBSUB_CLOSED', `The publisher closed before Pub/Sub confirmed ${left} events`));
    this.#closed = true;
    clearTimeout(this.#resendTimer);
    this.#failedKeys.clear();
    await this.#opening;
    try {
      await this.#closeClient?.();
    } catch (error) {
      this.#logger.debug('Closing the Pub/Sub client failed', error);
    }
    return { flushed, dropped: left };
  }

  /** Drops an event that never entered the buffer. */
  #reject(eventId: string | undefined, error: StatusMessengerError): Promise<PublishOutcome> {
    this.#counts.failed += 1;
    this.#report(error, { eventIds: eventId === undefined ? [] : [eventId] });
    return Promise.resolve({ status: 'dropped', eventId, error });
  }
}
