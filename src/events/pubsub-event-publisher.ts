/**
 * `PubSubEventPublisher`: agent events to one topic. `@google-cloud/pubsub` batches, orders per key and retries with
 * backoff; this adds what it lacks (docs/pubsub.md, "Guarantees"): the envelope, the bounded outage buffer, a
 * deadline per `publish()`, the in-order resend of a session once the library gives up on it, and reporting.
 */
import { StatusMessengerError } from '../errors.js';
import { getDefaultLogger } from '../logger.js';
import type { Logger } from '../logger.js';
import { buildAgentEvent, checkPublishOptions } from './agent-event.js';
import type { PublishEventOptions } from './agent-event.js';
import { EventBuffer } from './event-buffer.js';
import { adminCall, classifyPubSubFailure, createClient, describePubSubFailure, topicOptions } from './event-topic.js';
import type { EventTopic, EventTopicMessage } from './event-topic.js';
import { resolvePublisherOptions } from './publisher-options.js';
import type { CloseResult, FlushResult, PublishErrorHandler, PublishOutcome, PubSubEventPublisherOptions, PubSubPublisherStats, ResolvedPublisherOptions } from './publisher-options.js';

const TOPIC_RECHECK_MS = 30_000; // a missing topic: publishes fail fast this long, then it is checked again
const ERROR_LOG_INTERVAL_MS = 10_000; // without `onError`: at most one log line per error code in this window

/**
 * `publisher[kPublishMessage](message, id)` publishes a message its caller built (the scale-out
 * relay's own) with everything `publish()` gives an agent event: the outage buffer, the order per
 * ordering key, the deadline, the resends. It returns `undefined` when the message was dropped at
 * once (closed, failing, buffer full; reported and counted as usual), else how it ended by the
 * deadline. A symbol rather than a method name: it is not part of the package's API.
 */
export const kPublishMessage = Symbol('kPublishMessage');

interface HeldEvent {
  readonly eventId: string;
  readonly seq: number; // its place in `accepted`
  readonly key: string | undefined;
  readonly bytes: number;
  readonly message: EventTopicMessage;
  inFlight: boolean; // handed to the client and not settled yet
  sent: boolean; // handed to the client at least once (a later send counts as `retried`)
  settle?: (outcome: PublishOutcome) => void; // resolves the caller's publish(); after its deadline, a no-op
}

export class PubSubEventPublisher {
  readonly #o: ResolvedPublisherOptions;
  readonly #report: PublishErrorHandler;
  readonly #buffer: EventBuffer<HeldEvent>;
  #topic: EventTopic | undefined;
  #closeClient: (() => Promise<void>) | undefined;
  /** Publishes fail fast with `error` until `until`: no client (for good), or the topic is missing. */
  #failure: { error: StatusMessengerError; until: number } | undefined;
  #ready = false; // the client exists and the topic check is done
  /**
   * One outage, one `ERR_PUBSUB_UNREACHABLE` (docs/pubsub.md, "When is an outage over"). It is over at a confirmation
   * with no held event overdue and no session waiting for a resend; a miss by an event accepted before then
   * (`seq <= #recoveredAt`) is still that outage's: it makes the state `unreachable` again, unreported.
   */
  #unreachable = false;
  #outageReported = false;
  #recoveredAt = 0;
  readonly #overdue = new Set<HeldEvent>(); // held past their deadline
  /**
   * Keys whose sends failed: the client stops such a key until `resumePublishing`, and a resend must not overtake
   * a send still in flight. The resend timer resumes each once none of its sends is in flight, then forgets it.
   */
  readonly #failedKeys = new Set<string | undefined>();
  #resendTimer: NodeJS.Timeout | undefined;
  readonly #drainWaiters = new Set<() => void>();
  readonly #counts = { accepted: 0, published: 0, overflowed: 0, failed: 0, timedOut: 0, retried: 0 };
  #opening: Promise<void> | undefined;
  #closing: Promise<CloseResult> | undefined;

  constructor(options: PubSubEventPublisherOptions) {
    this.#o = resolvePublisherOptions(options);
    this.#report = errorReporter(this.#o.onError, () => this.#logger);
    this.#buffer = new EventBuffer(this.#o.maxBufferedEvents, this.#o.maxBufferedBytes);
    this.#topic = this.#o.topic;
  }

  get #logger(): Logger {
    return this.#o.logger ?? getDefaultLogger();
  }

  /** Never rejects: resolves by the deadline to `published`, `buffered` (held, sent in order later) or `dropped` (reported). */
  publish(eventData: unknown, eventType = 'agent_event', options: PublishEventOptions = {}): Promise<PublishOutcome> {
    if (this.#closing) return this.#reject(undefined, new StatusMessengerError('ERR_PUBSUB_CLOSED', 'The PubSubEventPublisher is closed'));
    let held: HeldEvent;
    try {
      checkPublishOptions(options);
      const { event, message, bytes } = buildAgentEvent(eventData, eventType, options, { ordering: this.#o.messageOrdering, maxBytes: this.#o.maxEventBytes });
      held = { eventId: event.event_id, seq: this.#counts.accepted + 1, key: message.orderingKey, bytes, message, inFlight: false, sent: false };
    } catch (error) {
      if (StatusMessengerError.isInstance(error)) return this.#reject(undefined, error);
      const message = `The event could not be built: ${describePubSubFailure(error)}`;
      return this.#reject(undefined, new StatusMessengerError('ERR_INVALID_EVENT', message, { cause: error }));
    }
    return this.#hold(held).outcome;
  }

  [kPublishMessage](message: EventTopicMessage, eventId: string): Promise<PublishOutcome> | undefined {
    if (this.#closing) {
      void this.#reject(eventId, new StatusMessengerError('ERR_PUBSUB_CLOSED', 'The PubSubEventPublisher is closed'));
      return undefined;
    }
    const bytes = Object.entries(message.attributes).reduce((sum, [key, value]) => sum + Buffer.byteLength(key) + Buffer.byteLength(value), message.data.length);
    const held: HeldEvent = { eventId, seq: this.#counts.accepted + 1, key: message.orderingKey, bytes, message, inFlight: false, sent: false };
    const { outcome, taken } = this.#hold(held);
    return taken ? outcome : undefined;
  }

  /** Takes `held` into the buffer and sends it when it can; `taken: false` when it was dropped at once (reported). */
  #hold(held: HeldEvent): { outcome: Promise<PublishOutcome>; taken: boolean } {
    const failure = this.#currentFailure();
    if (failure) return { outcome: this.#reject(held.eventId, failure), taken: false };
    if (!this.#buffer.tryAdd(held)) {
      const { count, bytes, maxCount, maxBytes } = this.#buffer;
      const message = `The event buffer is full (${count} events, ${bytes} bytes; limits ${maxCount} events, ${maxBytes} bytes) while Pub/Sub does not confirm; the event was dropped`;
      return { outcome: this.#reject(held.eventId, new StatusMessengerError('ERR_PUBSUB_BUFFER_FULL', message), 'overflowed'), taken: false };
    }
    this.#counts.accepted += 1;
    const ms = this.#o.publishTimeoutMs;
    const outcome = new Promise<PublishOutcome>((resolve) => {
      const timer = setTimeout(() => {
        this.#counts.timedOut += 1;
        this.#overdue.add(held);
        this.#becameUnreachable(held, `no confirmation within ${ms} ms`);
        const error = new StatusMessengerError('ERR_PUBSUB_TIMEOUT', `Pub/Sub did not confirm the event within ${ms} ms; it stays buffered and is retried`);
        resolve({ status: 'buffered', eventId: held.eventId, error });
      }, ms);
      held.settle = (result) => {
        clearTimeout(timer);
        resolve(result);
      };
      // Healthy, every older event of this key is with the client already: hand over just this one (a
      // scan of the key per publish made a burst of n cost n²/2). Else it waits for the topic, or the resend.
      if (!this.#ready) this.#opening ??= this.#open();
      else if (!this.#failedKeys.has(held.key)) this.#send(held);
    });
    return { outcome, taken: true };
  }

  /** Waits until every held event is confirmed or dropped, or `timeoutMs` passes; resends failed sessions at once. */
  async flush(timeoutMs: number = this.#o.flushTimeoutMs): Promise<FlushResult> {
    if (this.#resendTimer) this.#resend();
    if (this.#buffer.count > 0) {
      let done!: () => void;
      const timer = setTimeout(() => done(), timeoutMs);
      await new Promise<void>((resolve) => this.#drainWaiters.add((done = resolve)));
      clearTimeout(timer);
      this.#drainWaiters.delete(done);
    }
    return { flushed: this.#buffer.count === 0, pending: this.#buffer.count };
  }

  /** Stops accepting events (`ERR_PUBSUB_CLOSED`), flushes up to `timeoutMs`, drops and reports the rest, closes its own client. */
  close(timeoutMs: number = this.#o.flushTimeoutMs): Promise<CloseResult> {
    this.#closing ??= this.#shutdown(timeoutMs);
    return this.#closing;
  }

  stats(): PubSubPublisherStats {
    const failure = this.#currentFailure();
    const { count, bytes, peakCount, peakBytes } = this.#buffer;
    const sessions = new Set([...this.#buffer.keys(), ...this.#failedKeys]);
    sessions.delete(undefined);
    const failed = failure?.code === 'ERR_PUBSUB_TOPIC_NOT_FOUND' ? 'topic_missing' : 'unavailable';
    const state = this.#closing ? 'closed' : failure ? failed : this.#unreachable ? 'unreachable' : this.#ready ? 'ready' : 'idle';
    return { state, ...this.#counts, buffered: count, bufferedBytes: bytes, peakBuffered: peakCount, peakBufferedBytes: peakBytes, sessions: sessions.size };
  }

  /** Why a publish must fail now without being buffered, if it must; once that expires, the topic is checked again. */
  #currentFailure(): StatusMessengerError | undefined {
    if (this.#failure && Date.now() >= this.#failure.until) this.#failure = this.#opening = undefined;
    return this.#failure?.error;
  }

  /** Hands the unsent events of `key` to the client, in order, once the topic is checked (and none is failing). */
  #pump(key: string | undefined): void {
    if (this.#ready && !this.#failedKeys.has(key)) for (const event of this.#buffer.eventsOf(key)) if (!event.inFlight) this.#send(event);
  }

  #send(event: HeldEvent): void {
    event.inFlight = true;
    if (event.sent) this.#counts.retried += 1;
    event.sent = true;
    const topic = this.#topic!;
    (async () => topic.publishMessage(event.message))().then(
      (messageId) => this.#published(event, messageId),
      (error: unknown) => this.#failed(event, error),
    );
  }

  /** Creates the client (unless given a topic), checks once that the topic exists, then sends what waited. */
  async #open(): Promise<void> {
    const { rpcTimeoutMs: timeout, createTopicIfMissing: autoCreate } = this.#o;
    try {
      if (!this.#topic) {
        const client = await createClient(this.#o.projectId, this.#o.clientConfig);
        this.#topic = client.topic(this.#o.topicName!, topicOptions(this.#o));
        this.#closeClient = () => client.close();
      }
      const topic = this.#topic;
      await adminCall(`the check of topic ${topic.name}`, async () => topic.get?.({ timeout, autoCreate }), timeout).catch((error: unknown) => {
        if (StatusMessengerError.isInstance(error, 'ERR_PUBSUB_TOPIC_NOT_FOUND')) throw error;
        // Unreachable, slow, or a publisher-only account that may not read topic metadata: the publishes will tell.
        this.#logger.debug(`Could not check that the Pub/Sub topic ${topic.name} exists (${(error as Error).message}); publishing anyway`);
      });
    } catch (error) {
      if (StatusMessengerError.isInstance(error, 'ERR_PUBSUB_TOPIC_NOT_FOUND')) return this.#topicMissing(error.cause);
      if (StatusMessengerError.isInstance(error)) return this.#failFast(error, Infinity); // ERR_PUBSUB_NOT_INSTALLED
      const message = `Could not create the Pub/Sub client: ${describePubSubFailure(error)}`;
      return this.#failFast(new StatusMessengerError('ERR_PUBSUB_PUBLISH_FAILED', message, { cause: error }), Infinity);
    }
    if (this.#failure) return;
    this.#ready = true;
    for (const key of this.#buffer.keys()) this.#pump(key);
  }

  #published(event: HeldEvent, messageId: string): void {
    event.inFlight = false;
    if (!this.#buffer.remove(event)) return;
    this.#overdue.delete(event);
    this.#counts.published += 1;
    if (this.#unreachable && this.#overdue.size === 0 && this.#failedKeys.size === 0) {
      if (this.#outageReported) this.#logger.info(`Pub/Sub confirms again; no held event is past its deadline (${this.#buffer.count} held, in flight)`);
      this.#unreachable = this.#outageReported = false;
      this.#recoveredAt = this.#counts.accepted;
    }
    event.settle?.({ status: 'published', eventId: event.eventId, messageId });
    this.#notifyDrained();
  }

  #failed(event: HeldEvent, error: unknown): void {
    event.inFlight = false;
    if (!this.#buffer.has(event)) return;
    const kind = classifyPubSubFailure(error);
    if (kind === 'not_found') return this.#topicMissing(error);
    this.#failedKeys.add(event.key);
    if (kind === 'transient') {
      this.#becameUnreachable(event, describePubSubFailure(error));
      return this.#scheduleResend();
    }
    // The client rejects the rest of the key with the same error: each event is dropped as its rejection arrives.
    this.#buffer.remove(event);
    this.#drop([event], new StatusMessengerError('ERR_PUBSUB_PUBLISH_FAILED', `Pub/Sub refused the event: ${describePubSubFailure(error)}`, { cause: error }));
  }

  #scheduleResend(): void {
    if (this.#resendTimer || this.#failedKeys.size === 0) return;
    // Unref'd: a resend alone does not keep a process alive; close() is the way to wait.
    this.#resendTimer = setTimeout(() => this.#resend(), this.#o.retryInitialDelayMs).unref();
  }

  /** Resumes and resends each failed key whose sends are all settled; the others wait for the next round. */
  #resend(): void {
    clearTimeout(this.#resendTimer);
    this.#resendTimer = undefined;
    for (const key of [...this.#failedKeys]) {
      if (this.#buffer.eventsOf(key).some((event) => event.inFlight)) continue;
      this.#failedKeys.delete(key);
      if (key !== undefined) this.#topic?.resumePublishing(key);
      this.#pump(key);
    }
    this.#scheduleResend();
  }

  #becameUnreachable(event: HeldEvent, why: string): void {
    this.#unreachable = true;
    if (this.#outageReported || event.seq <= this.#recoveredAt) return;
    this.#outageReported = true;
    const { maxBufferedEvents: events, maxBufferedBytes: bytes } = this.#o;
    const message = `Pub/Sub does not confirm (${why}); holding up to ${events} events / ${bytes} bytes and publishing them in order when it answers`;
    this.#report(new StatusMessengerError('ERR_PUBSUB_UNREACHABLE', message), { eventIds: [] });
  }

  #topicMissing(cause: unknown): void {
    const message =
      `The Pub/Sub topic ${this.#topic?.name ?? this.#o.topicName} does not exist: create it, or pass \`createTopicIfMissing: true\`. ` +
      `Events are dropped; the topic is checked again in ${TOPIC_RECHECK_MS / 1000} s.`;
    this.#failFast(new StatusMessengerError('ERR_PUBSUB_TOPIC_NOT_FOUND', message, { cause }), Date.now() + TOPIC_RECHECK_MS);
  }

  /** Drops everything held, and makes publishes fail fast with `error` until `until`. */
  #failFast(error: StatusMessengerError, until: number): void {
    this.#failure = { error, until };
    this.#ready = this.#unreachable = this.#outageReported = false;
    this.#drop(this.#buffer.clear(), error);
  }

  /** Settles and reports events just removed from the buffer. */
  #drop(events: HeldEvent[], error: StatusMessengerError): void {
    if (events.length === 0) return;
    for (const event of events) {
      // A key with a send in flight may be stopped in the client: resume it before its next send.
      if (event.inFlight) this.#failedKeys.add(event.key);
      this.#overdue.delete(event);
      this.#counts.failed += 1;
      event.settle?.({ status: 'dropped', eventId: event.eventId, error });
    }
    this.#report(error, { eventIds: events.map((event) => event.eventId) });
    this.#scheduleResend();
    this.#notifyDrained();
  }

  #notifyDrained(): void {
    if (this.#buffer.count === 0) for (const done of [...this.#drainWaiters]) done();
  }

  async #shutdown(timeoutMs: number): Promise<CloseResult> {
    const { flushed } = await this.flush(timeoutMs);
    const left = this.#buffer.count;
    this.#drop(this.#buffer.clear(), new StatusMessengerError('ERR_PUBSUB_CLOSED', `The publisher closed before Pub/Sub confirmed ${left} events`));
    clearTimeout(this.#resendTimer);
    this.#failedKeys.clear();
    await this.#opening;
    await this.#closeClient?.().catch((error: unknown) => this.#logger.debug('Closing the Pub/Sub client failed', error));
    return { flushed, dropped: left };
  }

  /** Drops an event that never entered the buffer. */
  #reject(eventId: string | undefined, error: StatusMessengerError, counter: 'failed' | 'overflowed' = 'failed'): Promise<PublishOutcome> {
    this.#counts[counter] += 1;
    this.#report(error, { eventIds: eventId === undefined ? [] : [eventId] });
    return Promise.resolve({ status: 'dropped', eventId, error });
  }
}

/** `onError` (a throw is logged), or the logger, throttled to one line per code per 10 s (drops are all in `stats()`). */
function errorReporter(onError: PublishErrorHandler | undefined, logger: () => Logger): PublishErrorHandler {
  if (onError) {
    return (error, details) => {
      try {
        onError(error, details);
      } catch (thrown) {
        logger().error('The PubSubEventPublisher `onError` callback threw', thrown);
      }
    };
  }
  const logged = new Map<string, { at: number; heldBack: number }>(); // per code: the last line, and the reports since
  return ({ code, message }, { eventIds: { length: dropped } }) => {
    const now = Date.now();
    const last = logged.get(code);
    if (last && now - last.at < ERROR_LOG_INTERVAL_MS) {
      last.heldBack += Math.max(dropped, 1);
      return;
    }
    logged.set(code, { at: now, heldBack: 0 });
    const more = last?.heldBack ?? 0;
    const line =
      `Pub/Sub events: ${code}: ${message}` +
      (dropped > 0 ? ` (${dropped} event${dropped === 1 ? '' : 's'} dropped)` : '') +
      (more > 0 ? ` [${more} similar report${more === 1 ? '' : 's'} in the last ${ERROR_LOG_INTERVAL_MS / 1000} s not logged]` : '');
    logger()[code === 'ERR_PUBSUB_UNREACHABLE' ? 'warn' : 'error'](line);
  };
}
