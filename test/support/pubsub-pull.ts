/**
 * Reading published events back from the real emulator: create a topic and a subscription,
 * then pull (and ack) until the expected number of messages arrived. Each helper uses its own
 * client with a private gRPC subchannel pool, so it never shares a connection (or a reconnect
 * backoff) with the publisher under test.
 */
import { PubSub, v1 } from '@google-cloud/pubsub';
import type { AgentEvent } from '../../src/events/agent-event.js';

export const TEST_PROJECT = 'adk-status-messenger-test';

export interface ReceivedEvent {
  messageId: string;
  orderingKey: string;
  attributes: Record<string, string>;
  event: AgentEvent;
}

let counter = 0;
/** A unique, valid topic or subscription id. */
export function uniqueId(prefix: string): string {
  counter += 1;
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${counter}`;
}

function clientOptions(address: string | undefined): Record<string, unknown> {
  return {
    projectId: TEST_PROJECT,
    'grpc.use_local_subchannel_pool': 1,
    ...(address ? { apiEndpoint: address } : {}),
  };
}

/** Creates `topicId` and an ordered subscription on it; returns the subscription's full name. */
export async function createTopicAndSubscription(topicId: string, address?: string): Promise<string> {
  const pubsub = new PubSub(clientOptions(address));
  try {
    const [topic] = await pubsub.createTopic(topicId);
    const [subscription] = await topic.createSubscription(`${topicId}-sub`, { enableMessageOrdering: true });
    return subscription.name;
  } finally {
    await pubsub.close();
  }
}

/**
 * Pulls until `expected` messages arrived (counting duplicates), or nothing new came for
 * `idleMs`, or `timeoutMs` passed. Acks each batch before the next pull, as ordered delivery needs.
 */
export async function pullEvents(
  subscriptionName: string,
  options: { expected: number; address?: string; timeoutMs?: number; idleMs?: number },
): Promise<ReceivedEvent[]> {
  const { expected, address, timeoutMs = 60_000, idleMs = 5000 } = options;
  const pubsub = new PubSub(clientOptions(address));
  const subscriber = new v1.SubscriberClient((await pubsub.getClientConfig()) as ConstructorParameters<typeof v1.SubscriberClient>[0]);
  const received: ReceivedEvent[] = [];
  const deadline = Date.now() + timeoutMs;
  let lastNew = Date.now();
  try {
    while (received.length < expected && Date.now() < deadline && Date.now() - lastNew < idleMs) {
      // returnImmediately: an empty pull answers at once (the emulator honours it), so the
      // idle wait below is what ends the loop, not a long-poll.
      const [response] = await subscriber.pull(
        { subscription: subscriptionName, maxMessages: 1000, returnImmediately: true },
        { timeout: 10_000 },
      );
      const messages = response.receivedMessages ?? [];
      if (messages.length === 0) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        continue;
      }
      lastNew = Date.now();
      for (const { message } of messages) {
        received.push({
          messageId: String(message?.messageId),
          orderingKey: message?.orderingKey ?? '',
          attributes: { ...(message?.attributes ?? {}) },
          event: JSON.parse(Buffer.from(message?.data ?? '').toString('utf8')) as AgentEvent,
        });
      }
      await subscriber.acknowledge({ subscription: subscriptionName, ackIds: messages.map((m) => m.ackId!) });
    }
    return received;
  } finally {
    await subscriber.close();
    await pubsub.close();
  }
}
