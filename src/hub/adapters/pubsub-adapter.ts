/**
 * `PubSubAdapter`: many hub instances behave as one over Cloud Pub/Sub. Every status this
 * instance's core accepts is published, numbered, to one relay topic; every instance has its
 * own subscription and hands the others' statuses to its core WITH their numbers, so `epoch`
 * and `seq` mean the same on every instance and a client resumes anywhere (docs/RELIABILITY.md,
 * "One numbering across instances").
 *
 * Numbering rules on arrival (the core adopts what this adapter delivers):
 * - a session this adapter knows nothing of, or a higher seq in its epoch: as numbered;
 * - a newer epoch (epochs start with their creation time, so "newer" is a string compare):
 *   as numbered; the core switches the session to it (a producer that restarted);
 * - a seq already taken in the session's epoch by another producer's status, or an older
 *   epoch (two instances producing for one session at once): renumbered after the highest
 *   seq known here, never dropped (`stats().renumbered`).
 * Each producer life's statuses of a session are applied in the producer's order (a late one is
 * waited for, up to 15 s) and redeliveries are skipped, per producer life (`origin` + `life`), so
 * a restart with the same `instanceId` is a new producer, not a stale one. A message names as
 * its predecessor only a message that went to Pub/Sub: a status the publisher dropped (its
 * outage buffer full) holds nothing up; the others see the hole at once, as a gap.
 *
 * A client that resumes here in an epoch this instance has not seen is taken up only when the
 * epoch began after this instance's subscription was receiving (its creation time is in its
 * name): then every status of it comes here. Otherwise the core answers with a `reset` gap.
 */
import { createHash, randomBytes } from 'node:crypto';
import { z } from 'zod';
import { StatusMessengerError } from '../../errors.js';
import { getDefaultLogger } from '../../logger.js';
import type { Logger } from '../../logger.js';
import { defineOptions, opt, parseOptions } from '../../options.js';
import { adminCall, ADMIN_TIMEOUT_MS, createClient } from '../../events/event-topic.js';
import type { EventTopic } from '../../events/event-topic.js';
import type { PubSubPublisherStats } from '../../events/publisher-options.js';
import { kPublishMessage, PubSubEventPublisher } from '../../events/pubsub-event-publisher.js';
import type { AdapterHost, HubAdapter, NumberedStatus } from './hub-adapter.js';
import { RELAY_SUBSCRIPTION_DEFAULTS, relaySubscriberOptions, relaySubscriptionSettings, relayTopicOptions } from './relay-client-settings.js';
import { encodeRelayMessage, parseRelayMessage, RelayOrderer } from './relay-message.js';
import type { RelayMessage } from './relay-message.js';

export interface PubSubAdapterOptions {
  /** The relay topic: one per deployment, shared by all instances (not the agent-events topic). */
  topicName: string;
  /** @default the client library's (`GOOGLE_CLOUD_PROJECT`, credentials, metadata server) */
  projectId?: string;
  /** This instance's id, in every message it publishes (a StatefulSet pod name, say). @default 12 random hex characters */
  instanceId?: string;
  /** @default `<topic id>-<instanceId>`; one that exists on another topic makes `start()` reject (`ERR_PUBSUB_SUBSCRIPTION_CONFLICT`). */
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
  /** Deadline of each admin call (topic check, subscription create and delete). @default 10000 */
  adminTimeoutMs?: number;
  /** More options for `new PubSub(...)`. @default {} */
  clientConfig?: Record<string, unknown>;
  /** Called for statuses that could not be relayed (and the reason); a throw is caught and logged. @default logs, rate-limited */
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
  /** Of those, renumbered because another producer's status had their seq here (or an older epoch). */
  renumbered: number;
  /** Redeliveries skipped (Pub/Sub delivers at least once). */
  duplicates: number;
  /** This instance's own statuses coming back (already delivered locally). */
  own: number;
  /** Messages that were not relay messages. */
  ignored: number;
  publisher: PubSubPublisherStats | undefined;
}

const pubSubAdapterShape = {
  topicName: z.string().trim().min(3),
  projectId: z.string().min(1).optional(),
  instanceId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'up to 64 of [A-Za-z0-9_-]').optional(),
  subscriptionName: z.string().regex(/^[A-Za-z][A-Za-z0-9\-_.~+%]{2,254}$/, 'a Pub/Sub subscription id').optional(),
  subscriptionTtlSeconds: z.number().int().min(86_400).default(RELAY_SUBSCRIPTION_DEFAULTS.subscriptionTtlSeconds),
  // Pub/Sub's own range: 10 minutes to 7 days.
  retentionSeconds: z.number().int().min(600).max(604_800).default(RELAY_SUBSCRIPTION_DEFAULTS.retentionSeconds),
  createTopicIfMissing: z.boolean().default(false),
  publishTimeoutMs: opt.positiveInt().default(5000),
  maxBufferedStatuses: opt.positiveInt().default(10_000),
  adminTimeoutMs: opt.positiveInt().default(ADMIN_TIMEOUT_MS),
  clientConfig: z.custom<Record<string, unknown>>((v) => typeof v === 'object' && v !== null, { message: 'an object' }).optional(),
  onError: opt.fn<(error: StatusMessengerError) => void>().optional(),
  logger: z.custom<Logger>((v) => typeof (v as Logger | null)?.warn === 'function', { message: 'a logger' }).optional(),
};
const spec = defineOptions('new PubSubAdapter(options)', pubSubAdapterShape);
type ResolvedOptions = z.output<typeof spec.schema>;

function resolvePubSubAdapterOptions(options: unknown): ResolvedOptions {
  const o = parseOptions(spec, options);
  if (o.subscriptionTtlSeconds <= o.retentionSeconds) {
    throw new StatusMessengerError(
      'ERR_INVALID_OPTION',
      `Expected \`subscriptionTtlSeconds\` to be > \`retentionSeconds\` (${o.retentionSeconds}), got \`${o.subscriptionTtlSeconds}\``,
    );
  }
  return o;
}

interface Subscription {
  on(event: 'message', listener: (message: { data: Buffer; ack(): void }) => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  on(event: 'debug', listener: (message: { message?: string }) => void): unknown;
  open(): void;
  removeAllListeners(): unknown;
  close(): Promise<void>;
  delete(gaxOpts?: Record<string, unknown>): Promise<unknown>;
  getMetadata(gaxOpts?: Record<string, unknown>): Promise<[{ topic?: string | null }, ...unknown[]]>;
}
interface RelayTopic extends EventTopic {
  get(gaxOpts?: Record<string, unknown>): Promise<unknown>;
  createSubscription(name: string, options: Record<string, unknown>): Promise<[Subscription, ...unknown[]]>;
  subscription(name: string, options?: Record<string, unknown>): Subscription;
}
interface RelayClient {
  topic(name: string, options?: Record<string, unknown>): RelayTopic;
  close(): Promise<void>;
}

/** Idle per-session bookkeeping (order marks, highest numbers) is forgotten after this. */
const FORGET_AFTER_MS = 30 * 60_000;
/** After a subscriber stream failed, reopen the subscription if nothing arrived for this long. */
const STALL_MS = 10_000;
/** How long a relayed status waits for an earlier one of its producer that is late (redelivery after an outage). */
const HOLD_MS = 15_000;
/** How far instances' clocks may differ, for the creation times in epochs. */
const CLOCK_SKEW_MS = 2000;
/** An epoch made by `newEpoch`: its creation time in base-36 milliseconds (9 characters), then random ones. */
const TIMED_EPOCH = /^[0-9a-z]{9}[A-Za-z0-9_-]{6}$/;

const topicId = (topicName: string): string => topicName.slice(topicName.lastIndexOf('/') + 1);

/**
 * `<topic id>-<instanceId>`: the topic is in the name, so two deployments (two relay topics) whose
 * instances share ids — pod names, `web-0` — never share a subscription. A name past Pub/Sub's
 * 255 characters keeps the topic id's start and a hash of it.
 */
function defaultSubscriptionName(topicName: string, instanceId: string): string {
  const id = topicId(topicName);
  const name = `${id}-${instanceId}`;
  if (name.length <= 255) return name;
  const hash = createHash('sha256').update(id).digest('hex').slice(0, 8);
  return `${id.slice(0, 255 - instanceId.length - hash.length - 2)}-${hash}-${instanceId}`;
}

export class PubSubAdapter implements HubAdapter {
  readonly instanceId: string;
  readonly #o: ResolvedOptions;
  readonly #subscriptionName: string;
  /** Drawn at each construction: a restarted process with the same instanceId is a new producer. */
  readonly #life = randomBytes(6).toString('base64url');
  readonly #orderer = new RelayOrderer(HOLD_MS, FORGET_AFTER_MS, (message) => this.#apply(message));
  /** Per session, the `n` of the last status this life handed to Pub/Sub for it, and that one's `prev`. */
  readonly #lastPublished = new Map<string, { n: number; prev: number; at: number }>();
  /** The highest numbers known here per session, from both paths. */
  readonly #high = new Map<string, { epoch: string; seq: number; at: number }>();
  #host: AdapterHost | undefined;
  #counter = 0;
  #client: RelayClient | undefined;
  #subscription: Subscription | undefined;
  #publisher: PubSubEventPublisher | undefined;
  #sweep: NodeJS.Timeout | undefined;
  /** When this instance's subscription was known to exist: every status published after it comes here. */
  #receivingSince: number | undefined;
  /** Since when a subscriber stream failed with nothing received after; cleared by a message. */
  #streamTrouble: number | undefined;
  #reopening = false;
  #starting: Promise<void> | undefined;
  #closing: Promise<void> | undefined;
  readonly #counts = { relayedOut: 0, received: 0, applied: 0, renumbered: 0, duplicates: 0, own: 0, ignored: 0 };

  constructor(options: PubSubAdapterOptions) {
    this.#o = resolvePubSubAdapterOptions(options);
    this.instanceId = this.#o.instanceId ?? randomBytes(6).toString('hex');
    this.#subscriptionName = this.#o.subscriptionName ?? defaultSubscriptionName(this.#o.topicName, this.instanceId);
  }

  get #logger(): Logger {
    return this.#o.logger ?? getDefaultLogger();
  }

  attach(host: AdapterHost): void {
    this.#host = host;
  }

  /**
   * Checks the topic, creates (or takes back) this instance's subscription, and starts relaying
   * both ways. Rejects with a `StatusMessengerError` (leaving nothing behind) when Pub/Sub or the
   * topic is not there, each admin call within `adminTimeoutMs`; local delivery works regardless.
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
    const o = this.#o;
    const client = (this.#client = (await createClient(o.projectId, o.clientConfig)) as unknown as RelayClient);
    const deadline = o.adminTimeoutMs;
    const gaxOpts = { timeout: deadline };
    const topic = client.topic(o.topicName, relayTopicOptions());
    await adminCall(`the check of relay topic ${o.topicName}`, () => topic.get({ ...gaxOpts, autoCreate: o.createTopicIfMissing }), deadline).catch(
      (error: unknown) => {
        if (!StatusMessengerError.isInstance(error, 'ERR_PUBSUB_TOPIC_NOT_FOUND')) throw error;
        throw new StatusMessengerError(
          'ERR_PUBSUB_TOPIC_NOT_FOUND',
          `The relay topic "${o.topicName}" does not exist; create it, or pass createTopicIfMissing: true`,
          { cause: error },
        );
      },
    );
    try {
      await adminCall(
        `the creation of subscription ${this.#subscriptionName}`,
        () => topic.createSubscription(this.#subscriptionName, { ...relaySubscriptionSettings(o), gaxOpts }),
        deadline,
      );
    } catch (error) {
      // 6 = ALREADY_EXISTS: this instance id ran before (a restart after a crash). Take the
      // subscription back; what it kept since is delivered now — if it is this topic's.
      if ((error as { grpcCode?: number }).grpcCode !== 6) throw error;
      await this.#checkSubscriptionTopic(topic, deadline);
    }
    this.#receivingSince = Date.now();
    const subscription = topic.subscription(this.#subscriptionName, await relaySubscriberOptions());
    this.#subscription = subscription;
    subscription.on('message', (message) => this.#onMessage(message));
    subscription.on('error', (error) => this.#logger.warn('The status relay subscription reported an error; it keeps retrying.', error));
    subscription.on('debug', (debug) => {
      if (String(debug?.message).includes('has ended with status')) this.#streamTrouble ??= Date.now();
    });
    this.#publisher = new PubSubEventPublisher({
      topic,
      publishTimeoutMs: o.publishTimeoutMs,
      maxBufferedEvents: o.maxBufferedStatuses,
      onError: (error) => this.#reportError(error),
      logger: o.logger,
    });
    this.#sweep = setInterval(() => this.#forgetIdle(Date.now()), 60_000);
    this.#sweep.unref();
    this.#watchdog = setInterval(() => void this.#checkStall(), STALL_MS / 2);
    this.#watchdog.unref();
  }

  #watchdog: NodeJS.Timeout | undefined;

  /**
   * A subscription that already exists under this name is taken back only when it reads this
   * topic: one on another topic (another deployment with the same `subscriptionName`, or a
   * deleted topic's) would never carry a status of this one.
   */
  async #checkSubscriptionTopic(topic: RelayTopic, deadline: number): Promise<void> {
    const existing = topic.subscription(this.#subscriptionName);
    const [metadata] = await adminCall(`the check of subscription ${this.#subscriptionName}`, () => existing.getMetadata({ timeout: deadline }), deadline);
    const reads = metadata.topic ?? '';
    const same = topic.name.includes('{{') ? reads.endsWith(`/topics/${topicId(this.#o.topicName)}`) : reads === topic.name;
    if (same) return;
    throw new StatusMessengerError(
      'ERR_PUBSUB_SUBSCRIPTION_CONFLICT',
      `The subscription "${this.#subscriptionName}" already exists and reads ${reads || 'no topic'}, not the relay topic ${topic.name}: ` +
        'another deployment uses the same subscription name. Pass a subscriptionName (or instanceId) of this deployment’s own',
    );
  }

  /**
   * After an outage the subscriber's streams sometimes reconnect and stay silent (seen on the
   * emulator: one of three instances received nothing more for minutes). A subscription whose
   * stream failed and that got nothing since is closed and opened again: new streams.
   */
  async #checkStall(): Promise<void> {
    const subscription = this.#subscription;
    const since = this.#streamTrouble;
    if (!subscription || since === undefined || this.#reopening || Date.now() - since < STALL_MS) return;
    this.#reopening = true;
    this.#streamTrouble = Date.now();
    try {
      await subscription.close();
      if (this.#subscription === subscription) subscription.open();
    } catch (error) {
      this.#logger.debug('Reopening the relay subscription failed; trying again later', error);
    } finally {
      this.#reopening = false;
    }
  }

  /** Epochs begin with their creation time (fixed width), so every instance orders them alike. */
  newEpoch(_sessionId: string): string {
    return Date.now().toString(36).padStart(9, '0') + randomBytes(4).toString('base64url');
  }

  /**
   * Whether every status of `epoch` for the session is still to come here: this instance has
   * seen nothing of that epoch nor of a newer one, and the epoch began after this instance's
   * subscription was receiving, by its creation time (a time in the future is a forgery). An
   * epoch seen and forgotten since (idle for 30 minutes) is older than that horizon.
   */
  stillComing(sessionId: string, epoch: string): boolean {
    const since = this.#receivingSince;
    if (since === undefined || !TIMED_EPOCH.test(epoch)) return false;
    const known = this.#high.get(sessionId);
    if (known && epoch <= known.epoch) return false;
    const born = Number.parseInt(epoch.slice(0, 9), 36);
    const now = Date.now();
    return born > since + CLOCK_SKEW_MS && born <= now + CLOCK_SKEW_MS && now - born < FORGET_AFTER_MS;
  }

  published(status: NumberedStatus): void {
    const { sessionId } = status;
    this.#note(sessionId, status.epoch, status.seq);
    const publisher = this.#publisher;
    if (!publisher) return; // not started (or closed): local delivery only
    this.#counts.relayedOut += 1;
    const n = ++this.#counter;
    const prev = this.#lastPublished.get(sessionId)?.n ?? 0;
    const message = encodeRelayMessage({ origin: this.instanceId, life: this.#life, n, prev, sessionId, epoch: status.epoch, seq: status.seq, frame: status.frame });
    // Not awaited: local delivery already happened. A message dropped at once is never named as a `prev`.
    const outcome = publisher[kPublishMessage](message, `${this.instanceId}:${this.#life}:${n}`);
    if (!outcome) return;
    this.#lastPublished.set(sessionId, { n, prev, at: Date.now() });
    void outcome.then(({ status: result }) => {
      // Dropped later (the topic vanished, Pub/Sub refused it): the next message names the one before.
      const last = this.#lastPublished.get(sessionId);
      if (result === 'dropped' && last?.n === n) this.#lastPublished.set(sessionId, { ...last, n: prev });
    });
  }

  /** Stops relaying, deletes this instance's subscription (within `adminTimeoutMs`), and flushes what is buffered. */
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

  #onMessage(message: { data: Buffer; ack(): void }): void {
    message.ack();
    this.#streamTrouble = undefined;
    this.#counts.received += 1;
    const relayed = parseRelayMessage(message.data);
    if (!relayed) {
      this.#counts.ignored += 1;
      return;
    }
    if (relayed.origin === this.instanceId && relayed.life === this.#life) {
      this.#counts.own += 1;
      return;
    }
    if (this.#orderer.offer(relayed, Date.now()) === 'duplicate') this.#counts.duplicates += 1;
  }

  /** A relayed status, in its producer's order: numbered by the rules above, then delivered. */
  #apply(relayed: RelayMessage): void {
    const { sessionId } = relayed;
    let { epoch, seq } = relayed;
    const known = this.#high.get(sessionId);
    if (known && (epoch === known.epoch ? seq <= known.seq : epoch < known.epoch)) {
      // Another producer took this number here first (or numbers in an epoch this session left):
      // keep the status, after the highest seq known here.
      epoch = known.epoch;
      seq = known.seq + 1;
      this.#counts.renumbered += 1;
    }
    this.#note(sessionId, epoch, seq);
    this.#counts.applied += 1;
    this.#host?.deliver({ sessionId, epoch, seq, frame: { ...relayed.frame, seq }, origin: relayed.origin });
  }

  #note(sessionId: string, epoch: string, seq: number): void {
    const known = this.#high.get(sessionId);
    if (known && known.epoch === epoch && known.seq > seq) return;
    this.#high.set(sessionId, { epoch, seq, at: Date.now() });
  }

  #forgetIdle(now: number): void {
    this.#orderer.sweep(now);
    for (const [sessionId, entry] of this.#lastPublished) if (now - entry.at > FORGET_AFTER_MS) this.#lastPublished.delete(sessionId);
    for (const [sessionId, entry] of this.#high) if (now - entry.at > FORGET_AFTER_MS) this.#high.delete(sessionId);
  }

  async #teardown(): Promise<void> {
    clearInterval(this.#sweep);
    clearInterval(this.#watchdog);
    this.#receivingSince = undefined;
    this.#orderer.clear();
    // Flush first: the other instances get what this one accepted last.
    const publisher = this.#publisher;
    this.#publisher = undefined;
    await publisher?.close().catch(() => {});
    const subscription = this.#subscription;
    this.#subscription = undefined;
    if (subscription) {
      subscription.removeAllListeners();
      await subscription.close().catch((error: unknown) => this.#logger.debug('closing the relay subscription failed', error));
      const deadline = this.#o.adminTimeoutMs;
      await adminCall(`the deletion of subscription ${this.#subscriptionName}`, () => subscription.delete({ timeout: deadline }), deadline).catch(
        (error: unknown) => this.#logger.warn('Could not delete the relay subscription; it expires by itself.', error),
      );
    }
    const client = this.#client;
    this.#client = undefined;
    await client?.close().catch(() => {});
  }

  #reportError(error: StatusMessengerError): void {
    try {
      if (this.#o.onError) this.#o.onError(error);
      else this.#logger.warn(`Status relay: ${error.message}`);
    } catch (callbackError) {
      this.#logger.error('The relay onError callback threw', callbackError);
    }
  }
}
