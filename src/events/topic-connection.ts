/**
 * `TopicConnection`: gets the publisher from "configured" to "a topic known to exist". It loads
 * `@google-cloud/pubsub` and creates the client on first use (unless a topic was injected),
 * checks once that the topic exists (creating it when asked), remembers a missing topic for a
 * while so publishes fail fast, and reports every outcome to its owner.
 */
import { StatusMessengerError } from '../errors.js';
import type { Logger } from '../logger.js';
import { classifyPubSubFailure, describePubSubFailure, GRPC_CODES, grpcCode } from './event-topic.js';
import type { EventTopic } from './event-topic.js';
import type { OwnedTopic } from './load-pubsub.js';

/** After a topic was found missing, publishes fail fast this long before it is checked again. */
export const TOPIC_RECHECK_MS = 30_000;

export type TopicConnectionState = 'idle' | 'opening' | 'unchecked' | 'checking' | 'ready' | 'missing' | 'failed' | 'closed';

export interface TopicConnectionEvents {
  /** The topic exists (or cannot be checked); publishing may start. */
  ready(): void;
  /** The topic does not exist; buffered events should be dropped with `error`. */
  missing(error: StatusMessengerError): void;
  /** Pub/Sub did not answer the check; retry later through `ensure()`. */
  unreachable(cause: unknown): void;
  /** The client cannot be created (e.g. the package is not installed); nothing can be published. */
  failed(error: StatusMessengerError): void;
}

export interface TopicConnectionOptions {
  /** An injected topic, or how to create one (and the client behind it). */
  source: { topic: EventTopic } | { create: () => Promise<OwnedTopic>; name: string };
  rpcTimeoutMs: number;
  createTopicIfMissing: boolean;
  logger: () => Logger;
  now?: () => number;
}

export class TopicConnection {
  readonly #options: TopicConnectionOptions;
  readonly #events: TopicConnectionEvents;
  readonly #now: () => number;
  #state: TopicConnectionState;
  #topic: EventTopic | undefined;
  #owned: OwnedTopic | undefined;
  #opening: Promise<void> | undefined;
  #failure: StatusMessengerError | undefined;
  #missingUntil = 0;

  constructor(options: TopicConnectionOptions, events: TopicConnectionEvents) {
    this.#options = options;
    this.#events = events;
    this.#now = options.now ?? Date.now;
    this.#topic = 'topic' in options.source ? options.source.topic : undefined;
    this.#state = this.#topic ? 'unchecked' : 'idle';
  }

  get state(): TopicConnectionState {
    if (this.#state === 'missing' && this.#now() >= this.#missingUntil) return this.#topic ? 'unchecked' : 'idle';
    return this.#state;
  }

  get name(): string {
    return this.#topic?.name ?? ('name' in this.#options.source ? this.#options.source.name : '');
  }

  /** The topic, once it is known to exist. */
  get topic(): EventTopic | undefined {
    return this.#state === 'ready' ? this.#topic : undefined;
  }

  /** Why a publish must fail right now without being buffered, if it must. */
  get failure(): StatusMessengerError | undefined {
    if (this.#state === 'failed') return this.#failure;
    if (this.state === 'missing') return this.#failure;
    return undefined;
  }

  /** `true` when ready; otherwise starts whatever step comes next and reports through the events. */
  ensure(): boolean {
    const state = this.state;
    if (state === 'ready') return true;
    if (state === 'idle') this.#open();
    else if (state === 'unchecked') this.#check();
    return false;
  }

  /** A publish found the topic missing: remember it, and tell the owner. */
  topicMissing(cause: unknown): void {
    if (this.#state === 'closed') return;
    this.#state = 'missing';
    this.#missingUntil = this.#now() + TOPIC_RECHECK_MS;
    this.#failure = new StatusMessengerError(
      'ERR_PUBSUB_TOPIC_NOT_FOUND',
      `The Pub/Sub topic ${this.name} does not exist: create it, or pass \`createTopicIfMissing: true\`. ` +
        `Events are dropped; the topic is checked again in ${TOPIC_RECHECK_MS / 1000} s.`,
      { cause },
    );
    this.#events.missing(this.#failure);
  }

  /** Closes the client if this connection created it. */
  async close(): Promise<void> {
    this.#state = 'closed';
    await this.#opening;
    const owned = this.#owned;
    this.#owned = undefined;
    if (owned) await owned.close();
  }

  #open(): void {
    const source = this.#options.source;
    if (this.#opening || !('create' in source)) return;
    this.#state = 'opening';
    this.#opening = source.create().then(
      (owned) => {
        this.#opening = undefined;
        this.#owned = owned;
        this.#topic = owned.topic;
        if (this.#state === 'closed') return;
        this.#state = 'unchecked';
        this.#check();
      },
      (error: unknown) => {
        this.#opening = undefined;
        if (this.#state === 'closed') return;
        this.#state = 'failed';
        this.#failure = StatusMessengerError.isInstance(error)
          ? error
          : new StatusMessengerError('ERR_PUBSUB_PUBLISH_FAILED', `Could not create the Pub/Sub client: ${describePubSubFailure(error)}`, { cause: error });
        this.#events.failed(this.#failure);
      },
    );
  }

  #check(): void {
    const topic = this.#topic!;
    if (typeof topic.get !== 'function') {
      this.#state = 'ready';
      this.#events.ready();
      return;
    }
    this.#state = 'checking';
    const { rpcTimeoutMs: timeout, createTopicIfMissing: autoCreate } = this.#options;
    topic.get({ timeout, autoCreate }).then(
      () => this.#checked(undefined),
      (error: unknown) => this.#checked(error),
    );
  }

  #checked(error: unknown): void {
    if (this.#state !== 'checking') return;
    if (error === undefined) {
      this.#state = 'ready';
      this.#events.ready();
      return;
    }
    const kind = classifyPubSubFailure(error);
    if (kind === 'not_found') return this.topicMissing(error);
    if (kind === 'transient') {
      this.#state = 'unchecked';
      this.#events.unreachable(error);
      return;
    }
    // A publisher-only account (roles/pubsub.publisher) may not read topic metadata: go ahead,
    // and let the publishes themselves say whether the topic exists.
    const why = grpcCode(error) === GRPC_CODES.PERMISSION_DENIED ? 'no permission to read the topic' : describePubSubFailure(error);
    this.#options.logger().debug(`Could not check that the Pub/Sub topic ${this.name} exists (${why}); publishing anyway`);
    this.#state = 'ready';
    this.#events.ready();
  }
}
