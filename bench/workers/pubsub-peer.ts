/**
 * Bench worker: the emulator's own path between two processes, the baseline of the relay case.
 * One process publishes (PEER_ROLE=publish), another subscribes (PEER_ROLE=subscribe), each
 * with the relay's own client settings (`createClient`, `relayTopicOptions`,
 * `relaySubscriberOptions`; the bench creates the subscription with `relaySubscriptionSettings`),
 * so what it lacks is exactly the relay: the hubs, the envelope, the ordering by `prev`, the
 * WebSocket to the client. Started and controlled like test/support/relay-node.ts, over HTTP:
 *
 *   publish:   POST /stream?session=S&count=N&intervalMs=M&label=L
 *                → N messages "L i <sent-at>" with ordering key S, M ms apart, not awaited
 *                  (as `hub.send` does not wait for Pub/Sub); answers once all are confirmed,
 *                  with how long the sending took (`sendMs`)
 *   subscribe: POST /expect?session=S&count=N
 *                → answers once N messages of S arrived: each one's receipt − sent-at, and
 *                  when the Nth arrived (`lastAt`)
 *
 * Times are on the system-wide monotonic clock (comparable across processes), as relay-node's.
 * Env: PEER_ROLE, PEER_TOPIC, PEER_SUBSCRIPTION (subscribe), PUBSUB_EMULATOR_HOST,
 * GOOGLE_CLOUD_PROJECT. Prints "listening <port>".
 */
import { createClient } from '../../src/events/event-topic.js';
import { relaySubscriberOptions, relayTopicOptions } from '../../src/hub/adapters/relay-client-settings.js';
import { monotonicMs } from '../support/monotonic.js';
import { serveControl, StampedArrivals } from '../support/stamped-arrivals.js';

interface Topic {
  publishMessage(message: { data: Buffer; orderingKey?: string }): Promise<string>;
  subscription(name: string, options?: Record<string, unknown>): Subscription;
}
interface Subscription {
  on(event: 'message', listener: (message: { data: Buffer; orderingKey?: string; ack(): void }) => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  close(): Promise<void>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const role = process.env.PEER_ROLE;
const client = (await createClient(process.env.GOOGLE_CLOUD_PROJECT, undefined)) as unknown as { topic(name: string, options?: Record<string, unknown>): Topic; close(): Promise<void> };
const topic = client.topic(process.env.PEER_TOPIC!, relayTopicOptions());

/** Per ordering key. */
const arrived = new Map<string, StampedArrivals>();
const arrivalsOf = (key: string): StampedArrivals => {
  let entry = arrived.get(key);
  if (!entry) arrived.set(key, (entry = new StampedArrivals()));
  return entry;
};
let subscription: Subscription | undefined;
if (role === 'subscribe') {
  subscription = topic.subscription(process.env.PEER_SUBSCRIPTION!, await relaySubscriberOptions());
  subscription.on('error', (error) => process.stderr.write(`pubsub-peer: ${error.message}\n`));
  subscription.on('message', (message) => {
    message.ack();
    arrivalsOf(message.orderingKey ?? '').record(message.data.toString('utf8'));
  });
}

serveControl(async (url) => {
  const session = url.searchParams.get('session') ?? 'S';
  const count = Number(url.searchParams.get('count') ?? '1');
  if (role === 'publish' && url.pathname === '/stream') {
    const intervalMs = Number(url.searchParams.get('intervalMs') ?? '0');
    const label = url.searchParams.get('label') ?? 'S';
    const confirmations: Promise<unknown>[] = [];
    const begin = monotonicMs();
    for (let i = 0; i < count; i += 1) {
      confirmations.push(topic.publishMessage({ data: Buffer.from(`${label} ${i} ${monotonicMs()}`), orderingKey: session }));
      if (intervalMs > 0) await sleep(intervalMs);
    }
    const sendMs = monotonicMs() - begin;
    const settled = await Promise.allSettled(confirmations);
    return { ok: true, sendMs, failed: settled.filter((outcome) => outcome.status === 'rejected').length };
  }
  if (role === 'subscribe' && url.pathname === '/expect') {
    const result = await arrivalsOf(session).first(count);
    arrived.delete(session);
    return result;
  }
  return undefined;
});

process.on('SIGTERM', () => {
  void (async () => {
    await subscription?.close().catch(() => {});
    await client.close().catch(() => {});
    process.exit(0);
  })();
});
