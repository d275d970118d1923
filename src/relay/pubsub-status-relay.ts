/**
 * `PubSubStatusRelay`: many server instances behave as one hub. Every status an instance's hub
 * accepts is delivered to its own sockets at once (as always) and published to a relay topic;
 * every instance has its own subscription to that topic and delivers the other instances'
 * statuses to its sockets through `hub.deliverRelayed`, in order per session, once per socket.
 *
 * Built on the engine users already run (Cloud Pub/Sub), not a home-made broker. Outbound it
 * uses `PubSubEventPublisher`: bounded buffering while Pub/Sub is unreachable, ordering per
 * session, a deadline on every publish. Inbound, the subscription keeps unacknowledged messages
 * for `retentionSeconds`, so an instance that loses Pub/Sub for a while catches up after.
 */
import { randomBytes } from 'node:crypto';
import { invalidOption, StatusMessengerError } from '../errors.js';
import { getDefaultLogger } from '../logger.js';
import type { Logger } from '../logger.js';
import type { StatusFrame, StatusInput } from '../protocol.js';
import { adminCall, ADMIN_TIMEOUT_MS } from '../events/event-topic.js';
import { createClient, topicOptions } from '../events/load-pubsub.js';
import { PubSubEventPublisher } from '../events/pubsub-event-publisher.js';
import type { PubSubPublisherStats } from '../events/publish-outcome.js';
import type { EventTopic } from '../events/event-topic.js';
import { parseRelayMessage, RELAY_EVENT_TYPE, RelayDeduper } from './relay-message.js';

/** The hub the relay serves; `StatusHub` fits. */
export interface RelayHub {
  on(event: 'status', listener: RelayStatusListener): unknown;
  off(event: 'status', listener: RelayStatusListener): unknown;
  deliverRelayed(sessionId: string, status: StatusInput, meta: { origin: string; ts?: string }): number;
}
type RelayStatusListener = (sessionId: string, frame: StatusFrame, meta: { origin: string | undefined }) => void;

export interface PubSubStatusRelayOptions {
  hub: RelayHub;
  /** The relay topic: one per deployment, shared by all instances (not the agent-events topic). */
  topicName: string;
  /** @default the client library's (`GOOGLE_CLOUD_PROJECT`, credentials, metadata server) */
  projectId?: string;
  /** This instance's id, in every message it publishes. @default 12 random hex characters */
  instanceId?: string;
  /** @default `status-relay-<instanceId>` */
  subscriptionName?: string;
  /**
   * Pub/Sub deletes a subscription idle this long, e.g. a crashed instance's (at least 1 day, and
   * more than `retentionSeconds`). An instance restarted with the same `instanceId` before then
   * takes its subscription back, with whatever arrived meanwhile. @default 86400
   */
  subscriptionTtlSeconds?: number;
  /** How long the subscription keeps messages this instance has not taken yet: the catch-up window (600–604800). @default 600 */
  retentionSeconds?: number;
  /** Create the relay topic if it does not exist (needs `pubsub.topics.create`). @default false */
  createTopicIfMissing?: boolean;
  /** Each publish settles (published, or buffered for later) within this. @default 5000 */
  publishTimeoutMs?: number;
  /** Statuses held for other instances while Pub/Sub is unreachable; more are dropped and reported. @default 10000 */
  maxBufferedStatuses?: number;
  /** Deadline of each admin call (topic check, subscription create and delete); past it `start()` rejects with `ERR_PUBSUB_TIMEOUT`. @default 10000 */
  adminTimeoutMs?: number;
  /** More options for `new PubSub(...)`. @default {} */
  clientConfig?: Record<string, unknown>;
  /** Called for statuses that could not be relayed (and the reason). @default logs, rate-limited */
  onError?: (error: StatusMessengerError) => void;
  /** @default the default logger */
  logger?: Logger;
}

export interface RelayStats {
  instanceId: string;
  /** Local statuses handed to the publisher. */
  relayedOut: number;
  /** Messages taken from the subscription. */
  received: number;
  /** Other instances' statuses delivered to this hub. */
  applied: number;
  /** Redeliveries skipped (Pub/Sub delivers at least once). */
  duplicates: number;
  /** This instance's own statuses coming back (already delivered locally). */
  own: number;
  /** Messages that were not relay messages, or that the hub refused. */
  ignored: number;
  publisher: PubSubPublisherStats | undefined;
}

interface SubscriptionLike {
  on(event: 'message', listener: (message: { data: Buffer; ack(): void }) => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  removeAllListeners(): unknown;
  close(): Promise<void>;
  delete(gaxOpts?: Record<string, unknown>): Promise<unknown>;
}
interface RelayTopic extends EventTopic {
  get(gaxOpts?: Record<string, unknown>): Promise<unknown>;
  createSubscription(name: string, options: Record<string, unknown>): Promise<[SubscriptionLike, ...unknown[]]>;
  subscription(name: string, options?: Record<string, unknown>): SubscriptionLike;
}
interface RelayClient {
  topic(name: string, options?: Record<string, unknown>): RelayTopic;
  close(): Promise<void>;
}

const SUBSCRIPTION_NAME = /^[A-Za-z][A-Za-z0-9\-_.~+%]{2,254}$/;

export class PubSubStatusRelay {
  readonly instanceId: string;
  readonly #options: PubSubStatusRelayOptions;
  readonly #subscriptionName: string;
  readonly #dedupe = new RelayDeduper(30 * 60_000);
  #counter = 0;
  #client: RelayClient | undefined;
  #subscription: SubscriptionLike | undefined;
  #publisher: PubSubEventPublisher | undefined;
  #sweep: NodeJS.Timeout | undefined;
  #starting: Promise<void> | undefined;
  #closing: Promise<void> | undefined;
  #counts = { relayedOut: 0, received: 0, applied: 0, duplicates: 0, own: 0, ignored: 0 };

  constructor(options: PubSubStatusRelayOptions) {
    if (typeof options !== 'object' || options === null) invalidOption('options', 'an object', options);
    const { hub, topicName } = options;
    if (typeof hub?.on !== 'function' || typeof hub.deliverRelayed !== 'function') invalidOption('hub', 'a StatusHub', hub);
    if (typeof topicName !== 'string' || topicName.trim().length < 3) invalidOption('topicName', 'a topic id of at least 3 characters', topicName);
    this.instanceId = options.instanceId ?? randomBytes(6).toString('hex');
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(this.instanceId)) invalidOption('instanceId', 'up to 64 of [A-Za-z0-9_-]', this.instanceId);
    this.#subscriptionName = options.subscriptionName ?? `status-relay-${this.instanceId}`;
    if (!SUBSCRIPTION_NAME.test(this.#subscriptionName)) invalidOption('subscriptionName', 'a Pub/Sub subscription id', this.#subscriptionName);
    for (const name of ['publishTimeoutMs', 'maxBufferedStatuses', 'adminTimeoutMs'] as const) {
      const value = options[name];
      if (value !== undefined && (!Number.isSafeInteger(value) || value < 1)) invalidOption(name, 'a positive integer', value);
    }
    // Pub/Sub's own ranges, checked here rather than at start(): retention 10 minutes to 7 days;
    // expiration at least 1 day, and longer than the retention.
    const retention = options.retentionSeconds ?? 600;
    if (!Number.isSafeInteger(retention) || retention < 600 || retention > 604_800) {
      invalidOption('retentionSeconds', 'an integer from 600 to 604800', options.retentionSeconds);
    }
    const ttl = options.subscriptionTtlSeconds ?? 86_400;
    if (!Number.isSafeInteger(ttl) || ttl < 86_400 || ttl <= retention) {
      invalidOption('subscriptionTtlSeconds', `an integer ≥ 86400 and > retentionSeconds (${retention})`, options.subscriptionTtlSeconds);
    }
    this.#options = options;
  }

  get #logger(): Logger {
    return this.#options.logger ?? getDefaultLogger();
  }

  /**
   * Creates this instance's subscription and starts relaying both ways. Rejects (and leaves
   * nothing behind) when Pub/Sub or the topic is not there; local delivery works regardless.
   */
  start(): Promise<void> {
    if (this.#closing) return Promise.reject(new StatusMessengerError('ERR_PUBSUB_CLOSED', 'The relay is closed'));
    this.#starting ??= this.#start().catch(async (error: unknown) => {
      this.#starting = undefined;
      await this.#teardown();
      throw error;
    });
    return this.#starting;
  }

  async #start(): Promise<void> {
    const o = this.#options;
    const client = (this.#client = (await createClient(o.projectId, o.clientConfig)) as unknown as RelayClient);
    const deadline = o.adminTimeoutMs ?? ADMIN_TIMEOUT_MS;
    const gaxOpts = { timeout: deadline };
    const topic = client.topic(
      o.topicName,
      topicOptions({ messageOrdering: true, batching: { maxMessages: 100, maxMilliseconds: 2 }, rpcTimeoutMs: 10_000, retryInitialDelayMs: 100, retryMaxDelayMs: 2000 }),
    );
    // Resolves when the topic exists (creating it when asked); NOT_FOUND otherwise.
    await adminCall(`the check of relay topic ${o.topicName}`, () => topic.get({ ...gaxOpts, autoCreate: o.createTopicIfMissing === true }), deadline).catch(
      (error: unknown) => {
        if (!StatusMessengerError.isInstance(error, 'ERR_PUBSUB_TOPIC_NOT_FOUND')) throw error;
        throw new StatusMessengerError(
          'ERR_PUBSUB_TOPIC_NOT_FOUND',
          `The relay topic "${o.topicName}" does not exist; create it, or pass createTopicIfMissing: true`,
          { cause: error },
        );
      },
    );
    const subscriptionOptions = {
      enableMessageOrdering: true,
      ackDeadlineSeconds: 10,
      messageRetentionDuration: { seconds: o.retentionSeconds ?? 600 },
      expirationPolicy: { ttl: { seconds: o.subscriptionTtlSeconds ?? 86_400 } },
      flowControl: { maxMessages: 1000 },
    };
    let subscription: SubscriptionLike;
    try {
      [subscription] = await adminCall(
        `the creation of subscription ${this.#subscriptionName}`,
        () => topic.createSubscription(this.#subscriptionName, { ...subscriptionOptions, gaxOpts }),
        deadline,
      );
    } catch (error) {
      // 6 = ALREADY_EXISTS: this instance id ran before (a restart after a crash). Take the
      // subscription back; what it kept since is delivered now.
      if ((error as { grpcCode?: number }).grpcCode !== 6) throw error;
      subscription = topic.subscription(this.#subscriptionName, { flowControl: subscriptionOptions.flowControl });
    }
    this.#subscription = subscription;
    subscription.on('message', (message) => this.#onMessage(message));
    subscription.on('error', (error) => this.#logger.warn('The status relay subscription reported an error; it keeps retrying.', error));
    this.#publisher = new PubSubEventPublisher({
      topic,
      publishTimeoutMs: o.publishTimeoutMs ?? 5000,
      maxBufferedEvents: o.maxBufferedStatuses ?? 10_000,
      onError: (error) => this.#reportError(error),
      logger: o.logger,
    });
    o.hub.on('status', this.#onLocalStatus);
    this.#sweep = setInterval(() => this.#dedupe.sweep(Date.now()), 60_000);
    this.#sweep.unref();
  }

  /** Stops relaying, deletes this instance's subscription, and flushes what is buffered. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      await this.#starting?.catch(() => {});
      await this.#teardown();
    })();
    return this.#closing;
  }

  stats(): RelayStats {
    return { instanceId: this.instanceId, ...this.#counts, publisher: this.#publisher?.stats() };
  }

  async #teardown(): Promise<void> {
    this.#options.hub.off('status', this.#onLocalStatus);
    clearInterval(this.#sweep);
    const subscription = this.#subscription;
    this.#subscription = undefined;
    if (subscription) {
      subscription.removeAllListeners();
      await subscription.close().catch((error: unknown) => this.#logger.debug('closing the relay subscription failed', error));
      const deadline = this.#options.adminTimeoutMs ?? ADMIN_TIMEOUT_MS;
      await adminCall(`the deletion of subscription ${this.#subscriptionName}`, () => subscription.delete({ timeout: deadline }), deadline).catch(
        (error: unknown) => this.#logger.warn('Could not delete the relay subscription; it expires by itself.', error),
      );
    }
    await this.#publisher?.close().catch(() => {});
    this.#publisher = undefined;
    const client = this.#client;
    this.#client = undefined;
    await client?.close().catch(() => {});
  }

  readonly #onLocalStatus: RelayStatusListener = (sessionId, frame, meta) => {
    if (meta?.origin !== undefined || !this.#publisher) return; // relayed in: not ours to relay
    const data: Record<string, unknown> = { origin: this.instanceId, n: ++this.#counter, ts: frame.ts, message: frame.data };
    if (frame.level !== undefined) data.level = frame.level;
    if (frame.progress !== undefined) data.progress = frame.progress;
    if (frame.agent !== undefined) data.agent = frame.agent;
    if (frame.tool !== undefined) data.tool = frame.tool;
    this.#counts.relayedOut += 1;
    // Not awaited: local delivery already happened; publish() never rejects.
    void this.#publisher.publish(data, RELAY_EVENT_TYPE, { websocketSessionId: sessionId, timestamp: frame.ts });
  };

  #onMessage(message: { data: Buffer; ack(): void }): void {
    message.ack();
    this.#counts.received += 1;
    const relayed = parseRelayMessage(message.data);
    if (!relayed) {
      this.#counts.ignored += 1;
      return;
    }
    if (relayed.origin === this.instanceId) {
      this.#counts.own += 1;
      return;
    }
    if (!this.#dedupe.isNew(relayed, Date.now())) {
      this.#counts.duplicates += 1;
      return;
    }
    try {
      this.#options.hub.deliverRelayed(relayed.sessionId, relayed.status, { origin: relayed.origin, ts: relayed.ts });
      this.#counts.applied += 1;
    } catch (error) {
      this.#counts.ignored += 1;
      this.#logger.warn('A relayed status was refused by the hub', error);
    }
  }

  #reportError(error: StatusMessengerError): void {
    try {
      if (this.#options.onError) this.#options.onError(error);
      else this.#logger.warn(`Status relay: ${error.message}`);
    } catch (callbackError) {
      this.#logger.error('The relay onError callback threw', callbackError);
    }
  }
}
