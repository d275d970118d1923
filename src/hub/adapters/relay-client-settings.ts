/**
 * How the `PubSubAdapter` uses the Pub/Sub client: its publisher's topic options, its
 * subscription's settings and its subscriber's options, with the reasons for each. The bench's
 * baseline (a bare publisher and subscriber on the same emulator) reads them from here, so that
 * it measures Pub/Sub with the relay's own settings.
 */
import { loadPubSub, topicOptions } from '../../events/event-topic.js';

/** The subscription's retention and expiry when the adapter's options do not say. */
export const RELAY_SUBSCRIPTION_DEFAULTS = Object.freeze({ retentionSeconds: 600, subscriptionTtlSeconds: 86_400 });

/**
 * The relay's publisher: each instance's statuses keep their session's order (ordering key =
 * session id). A batch of one: a status goes out at once, in the `hub.send` that made it,
 * instead of after a batching timer (which cost ~1.3 ms at the median, more under load, where a
 * timer has to wait for the CPU). Batching still happens where it pays: with an ordering key the
 * client library sends one batch per session at a time, and whatever is sent meanwhile (a burst)
 * waits in the next batch, up to Pub/Sub's 1,000 messages.
 */
export function relayTopicOptions(): Record<string, unknown> {
  return topicOptions({ messageOrdering: true, batching: { maxMessages: 1, maxMilliseconds: 1 }, rpcTimeoutMs: 10_000, retryInitialDelayMs: 100, retryMaxDelayMs: 2000 });
}

/** An instance's subscription, given at its creation. */
export function relaySubscriptionSettings(o: { retentionSeconds: number; subscriptionTtlSeconds: number } = RELAY_SUBSCRIPTION_DEFAULTS): Record<string, unknown> {
  return {
    enableMessageOrdering: true,
    ackDeadlineSeconds: 10,
    messageRetentionDuration: { seconds: o.retentionSeconds },
    expirationPolicy: { ttl: { seconds: o.subscriptionTtlSeconds } },
  };
}

/** How an instance's subscriber reads its subscription. */
export async function relaySubscriberOptions(): Promise<Record<string, unknown>> {
  // The subscriber reopens its stream after a failure with a backoff growing to 60 s, so after
  // an outage of half a minute statuses would trickle in a minute late: cap it at 2 s.
  const { Duration } = await loadPubSub();
  const streaming = Duration ? { streamingOptions: { retryMaxBackoff: Duration.from({ milliseconds: 2000 }) } } : {};
  // Acks go out within 5 ms, not the library's 100: ordered delivery of a session moves on with them.
  return { flowControl: { maxMessages: 1000 }, batching: { maxMilliseconds: 5 }, ...streaming };
}
