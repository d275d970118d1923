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
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createClient } from '../../src/events/event-topic.js';
import { relaySubscriberOptions, relayTopicOptions } from '../../src/hub/adapters/pubsub-adapter.js';

interface Topic {
  publishMessage(message: { data: Buffer; orderingKey?: string }): Promise<string>;
  subscription(name: string, options?: Record<string, unknown>): Subscription;
}
interface Subscription {
  on(event: 'message', listener: (message: { data: Buffer; orderingKey?: string; ack(): void }) => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  close(): Promise<void>;
}

const monotonicMs = () => Number(process.hrtime.bigint()) / 1e6;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const role = process.env.PEER_ROLE;
const client = (await createClient(process.env.GOOGLE_CLOUD_PROJECT, undefined)) as unknown as { topic(name: string, options?: Record<string, unknown>): Topic; close(): Promise<void> };
const topic = client.topic(process.env.PEER_TOPIC!, relayTopicOptions());

/** Per ordering key: latencies so far, and who waits for how many. */
const arrived = new Map<string, { latencies: number[]; receivedAt: number[]; waiting?: { count: number; done: () => void } }>();
let subscription: Subscription | undefined;
if (role === 'subscribe') {
  subscription = topic.subscription(process.env.PEER_SUBSCRIPTION!, await relaySubscriberOptions());
  subscription.on('error', (error) => process.stderr.write(`pubsub-peer: ${error.message}\n`));
  subscription.on('message', (message) => {
    message.ack();
    const now = monotonicMs();
    const key = message.orderingKey ?? '';
    let entry = arrived.get(key);
    if (!entry) arrived.set(key, (entry = { latencies: [], receivedAt: [] }));
    entry.latencies.push(now - Number(message.data.toString('utf8').split(' ')[2]));
    entry.receivedAt.push(now);
    if (entry.waiting && entry.latencies.length >= entry.waiting.count) entry.waiting.done();
  });
}

const server = http.createServer((request, response) => {
  const url = new URL(request.url ?? '/', 'http://x');
  const session = url.searchParams.get('session') ?? 'S';
  const count = Number(url.searchParams.get('count') ?? '1');
  const done = (body: unknown) => {
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify(body));
  };
  void (async () => {
    try {
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
        return done({ ok: true, sendMs, failed: settled.filter((outcome) => outcome.status === 'rejected').length });
      }
      if (role === 'subscribe' && url.pathname === '/expect') {
        let entry = arrived.get(session);
        if (!entry) arrived.set(session, (entry = { latencies: [], receivedAt: [] }));
        if (entry.latencies.length < count) await new Promise<void>((resolve) => (entry.waiting = { count, done: resolve }));
        entry.waiting = undefined;
        arrived.delete(session);
        return done({ latencies: entry.latencies.slice(0, count), lastAt: entry.receivedAt[count - 1] });
      }
      response.writeHead(404).end();
    } catch (error) {
      response.writeHead(500).end(String(error));
    }
  })();
});

server.listen(0, '127.0.0.1', () => console.log(`listening ${(server.address() as AddressInfo).port}`));
process.on('SIGTERM', () => {
  void (async () => {
    await subscription?.close().catch(() => {});
    await client.close().catch(() => {});
    process.exit(0);
  })();
});
