/**
 * PubSubAdapter through a 30 s Pub/Sub outage, with REAL processes on the REAL emulator: three
 * server instances reach Pub/Sub through one TCP gate, which the test shuts while one of them
 * produces. Soak-sized (a 30 s outage and its catch-up): `npm run test:soak`.
 */
import { PubSub } from '@google-cloud/pubsub';
import { sleep } from '../support/hub-server.js';
import { describeIfEmulator } from '../support/pubsub-emulator.js';
import { TEST_PROJECT, uniqueId } from '../support/pubsub-pull.js';
import { range, startRelayInstance, stopRelayInstance, Viewer } from '../support/relay-instance.js';
import type { RelayInstance } from '../support/relay-instance.js';
import { startTcpGate } from '../support/tcp-gate.js';
import type { TcpGate } from '../support/tcp-gate.js';

describeIfEmulator('PubSubAdapter across three server processes, Pub/Sub cut off', () => {
  const topic = uniqueId('outage');
  let gate: TcpGate;
  let a: RelayInstance;
  let b: RelayInstance;
  let c: RelayInstance;

  beforeAll(async () => {
    const pubsub = new PubSub({ projectId: TEST_PROJECT });
    await pubsub.createTopic(topic);
    await pubsub.close();
    const [host, port] = process.env.PUBSUB_EMULATOR_HOST!.split(':');
    gate = await startTcpGate(host!, Number(port));
    const env = { RELAY_TOPIC: topic, PUBSUB_EMULATOR_HOST: `127.0.0.1:${gate.port}` };
    [a, b, c] = await Promise.all([
      startRelayInstance('A', { ...env, INSTANCE_ID: 'pod-a' }),
      startRelayInstance('B', { ...env, INSTANCE_ID: 'pod-b' }),
      startRelayInstance('C', { ...env, INSTANCE_ID: 'pod-c' }),
    ]);
  }, 120_000);

  afterAll(async () => {
    await Promise.all([stopRelayInstance(a), stopRelayInstance(b), stopRelayInstance(c)]);
    await gate?.dispose();
  });

  it('keeps local delivery while Pub/Sub is unreachable for 30 s; relayed statuses catch up in order within the buffer bound', async () => {
    const local = new Viewer();
    await local.connect(a.ws('outage'));
    const remote = new Viewer();
    await remote.connect(c.ws('outage'));
    await a.post('/stream?session=outage&count=5&intervalMs=10&label=up');
    await remote.waitForCount(5);

    gate.close();
    const cutAt = Date.now();
    const OUTAGE_MS = 30_000;
    const COUNT = 300; // 10 per second while cut off
    const streaming = a.post(`/stream?session=outage&count=${COUNT}&intervalMs=${OUTAGE_MS / COUNT}&label=down`);
    await local.waitForCount(5 + COUNT / 2, 40_000);
    const remoteMidway = remote.seen.length;
    await sleep(Math.max(0, OUTAGE_MS - (Date.now() - cutAt))); // window: Pub/Sub stays cut off for OUTAGE_MS, the scenario under test
    gate.open();
    const openedAt = Date.now();
    const stats = (await streaming) as { relay: { publisher: { peakBuffered: number; overflowed: number; failed: number } } };
    await local.waitForCount(5 + COUNT);
    await remote.waitForCount(5 + COUNT, 90_000).catch(async (error: unknown) => {
      // Say where it stuck: A's publisher, or C's subscription.
      const stats = await Promise.all([a, c].map((i) => fetch(`http://127.0.0.1:${i.port}/stats`).then((r) => r.json())));
      throw new Error(`${(error as Error).message}; relay stats A, C: ${JSON.stringify(stats.map((x) => (x as { relay: unknown }).relay))}`);
    });
    const caughtUpMs = Date.now() - openedAt;
    await sleep(300); // window: a duplicate or stray status would arrive in it
    const expected = [...range('up', 0, 5), ...range('down', 0, COUNT)];
    expect(local.labels()).toEqual(expected);
    expect(remote.labels()).toEqual(expected);
    expect(remoteMidway).toBe(5); // nothing could come through while cut off
    expect(local.duplicates + remote.duplicates).toBe(0);
    const publisher = stats.relay.publisher;
    expect(publisher.overflowed).toBe(0);
    expect(publisher.failed).toBe(0);
    expect(publisher.peakBuffered).toBeLessThanOrEqual(10_000);
    console.log(
      `[scale-out] Pub/Sub cut off ${Math.round((openedAt - cutAt) / 1000)} s while A produced ${COUNT}: A's own client got every one live; ` +
        `C's caught up ${COUNT} in order ${caughtUpMs} ms after Pub/Sub was back; peak relay buffer ${publisher.peakBuffered} (limit 10,000), 0 overflowed`,
    );
    await Promise.all([local.close(), remote.close()]);
  }, 180_000);
});
