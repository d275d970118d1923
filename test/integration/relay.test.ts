/**
 * PubSubAdapter over the REAL Pub/Sub emulator: two server instances in their own processes
 * share one relay topic (runs on one reach sockets on the other), and the adapter in this
 * process for what is seen from inside (the message it publishes, its subscription).
 */
import { InMemoryRunner, LlmAgent } from '@google/adk';
import { PubSub } from '@google-cloud/pubsub';
import { PubSubAdapter, runWithStatus, silentLogger, StatusHub, statusMessageTool, withStatusSession } from '../../src/index.js';
import { sleep, TestClient } from '../support/hub-server.js';
import { relaySubscriptionSettings } from '../../src/hub/adapters/relay-client-settings.js';
import { describeIfEmulator } from '../support/pubsub-emulator.js';
import { pullEvents, TEST_PROJECT, uniqueId } from '../support/pubsub-pull.js';
import { range, startRelayInstance, stopRelayInstance, until, Viewer } from '../support/relay-instance.js';
import type { RelayInstance } from '../support/relay-instance.js';
import { callTools, reply, ScriptedLlm } from '../support/scripted-llm.js';
import { startTcpGate } from '../support/tcp-gate.js';

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

describeIfEmulator('PubSubAdapter across two server processes', () => {
  let a: RelayInstance;
  let b: RelayInstance;
  const topic = uniqueId('relay');

  beforeAll(async () => {
    const pubsub = new PubSub({ projectId: TEST_PROJECT });
    await pubsub.createTopic(topic);
    await pubsub.close();
    [a, b] = await Promise.all([startRelayInstance('A', { RELAY_TOPIC: topic }), startRelayInstance('B', { RELAY_TOPIC: topic })]);
  }, 90_000);
  afterAll(async () => {
    await Promise.all([stopRelayInstance(a), stopRelayInstance(b)]);
  });

  it('delivers runs on B to sockets on A and B, in order, once each; a late socket on A gets the latest', async () => {
    const onA = await TestClient.open(a.ws('shared'));
    const onB = await TestClient.open(b.ws('shared'));
    const elsewhere = await TestClient.open(a.ws('other-session'));
    const COUNT = 50;
    await b.post(`/run?session=shared&count=${COUNT}&label=B`);
    await onA.waitFor((c) => c.runEnds.length === 1, 20_000);
    await onB.waitFor((c) => c.runEnds.length === 1, 20_000);
    const expected = Array.from({ length: COUNT }, (_, i) => `B ${i}`);
    const strip = (texts: string[]) => texts.map((text) => text.split(' ').slice(0, 2).join(' '));
    expect(strip(onA.statusTexts)).toEqual(expected);
    expect(strip(onB.statusTexts)).toEqual(expected); // local, and not again through the relay
    expect(onA.statuses.map((f) => f.seq)).toEqual(Array.from({ length: COUNT }, (_, i) => i + 1));
    expect(elsewhere.statuses).toHaveLength(0);

    const late = await TestClient.open(a.ws('shared'));
    // The run ended: what a late socket gets is its end-of-run status, relayed with its `state`.
    await late.waitFor((c) => c.runEnds.length === 1);
    expect(late.statuses).toEqual([]);
    expect(late.runEnds[0]).toMatchObject({ data: 'Done', state: 'done', replay: true });
    await Promise.all([onA.close(), onB.close(), elsewhere.close(), late.close()]);
  }, 60_000);

  it('measures cross-instance latency through the emulator', async () => {
    const onA = await TestClient.open(a.ws('latency'));
    const received: number[] = [];
    onA.socket.on('message', (data) => {
      const frame = JSON.parse(data.toString()) as { type: string; data?: string; state?: string };
      if (frame.type === 'status' && frame.data && !frame.state) received.push(Number(process.hrtime.bigint()) / 1e6 - Number(frame.data.split(' ')[2]));
    });
    for (let round = 0; round < 10; round += 1) await b.post(`/run?session=latency&count=20&label=L${round}`);
    await onA.waitFor(() => received.length >= 200, 30_000);
    console.log(
      `relay latency B → emulator → A (200 statuses): p50 ${percentile(received, 50).toFixed(1)} ms, p99 ${percentile(received, 99).toFixed(1)} ms, max ${Math.max(...received).toFixed(1)} ms`,
    );
    expect(received).toHaveLength(200);
    await onA.close();
  }, 60_000);

  it('never holds other statuses behind one its publisher dropped: the others show a gap at once', async () => {
    // P reaches Pub/Sub through a gate of its own, and holds at most 5 statuses while cut off.
    const [host, port] = process.env.PUBSUB_EMULATOR_HOST!.split(':');
    const gate = await startTcpGate(host!, Number(port));
    const p = await startRelayInstance('P', { RELAY_TOPIC: topic, PUBSUB_EMULATOR_HOST: `127.0.0.1:${gate.port}`, MAX_BUFFERED_STATUSES: '5' });
    const viewer = new Viewer();
    try {
      await viewer.connect(a.ws('dropped'));
      await p.post('/stream?session=dropped&count=2&intervalMs=0&label=S');
      await viewer.waitForCount(2);
      gate.close();
      const streaming = p.post('/stream?session=dropped&count=10&intervalMs=0&label=D');
      await until(async () => ((await p.stats()).relay as { publisher: { overflowed: number } }).publisher.overflowed === 5, '5 statuses dropped by P');
      gate.open();
      await streaming; // the 5 it held are confirmed
      const sentAt = Date.now();
      await p.post('/stream?session=dropped&count=1&intervalMs=0&label=after');
      await viewer.waitForText('after 0', 20_000);
      const ms = Date.now() - sentAt;
      expect(viewer.labels()).toEqual([...range('S', 0, 2), ...range('D', 0, 5), 'after 0']);
      expect(viewer.gapFrames).toEqual([{ type: 'gap', from: 8, to: 12, reason: 'expired' }]);
      // Waiting for the dropped ones took 15 s; a relay hop is tens of milliseconds.
      expect(ms).toBeLessThan(5000);
      console.log(`[relay] 5 of 12 statuses dropped by a full outage buffer: the next reached the other instance ${ms} ms after it was sent, after a gap frame for seq 8–12`);
    } finally {
      await viewer.close();
      await stopRelayInstance(p);
      await gate.dispose();
    }
  }, 120_000);
});

describeIfEmulator('PubSubAdapter', () => {
  const topic = uniqueId('relay-own');

  beforeAll(async () => {
    const pubsub = new PubSub({ projectId: TEST_PROJECT });
    await pubsub.createTopic(topic);
    await pubsub.close();
  });

  it('publishes its own small message, with no agent-event envelope and no ADK ids, also during a bound run', async () => {
    const pubsub = new PubSub({ projectId: TEST_PROJECT });
    const [peek] = await pubsub.topic(topic).createSubscription(uniqueId('peek'));
    const adapter = new PubSubAdapter({ topicName: topic, projectId: TEST_PROJECT, logger: silentLogger });
    const hub = new StatusHub({ adapter, logger: silentLogger });
    await adapter.start();
    const model = new ScriptedLlm(({ step }) => (step === 0 ? callTools({ name: 'status_message', args: { message: 'Looking it up' } }) : reply('done')));
    const runner = new InMemoryRunner({ agent: new LlmAgent({ name: 'worker', model, instruction: 'x', tools: [statusMessageTool] }), appName: 'shop' });
    await runner.sessionService.createSession({ appName: 'shop', userId: 'alice@example.com', sessionId: 'adk-run' });
    for await (const _event of runWithStatus(runner, { hub, userId: 'alice@example.com', sessionId: 'adk-run', newMessage: { role: 'user', parts: [{ text: 'go' }] } })) {
      // drain
    }
    withStatusSession({ hub, sessionId: 'adk-run' }, () => hub.send('adk-run', 'sent while bound'));
    const received = await pullEvents(peek.name, { expected: 3, idleMs: 2000 });
    expect(received.map((m) => (m.event as unknown as { frame: { data: string } }).frame.data)).toEqual(['Looking it up', 'Done', 'sent while bound']);
    for (const message of received) {
      expect(Object.keys(message.event).sort()).toEqual(['epoch', 'frame', 'life', 'n', 'origin', 'prev', 'seq', 'session', 'v']);
      expect(JSON.stringify(message.event)).not.toContain('alice');
      expect(message.orderingKey).toBe('adk-run');
    }
    await hub.close();
    await peek.delete();
    await pubsub.close();
  }, 60_000);

  it('takes back the subscription a crashed instance with the same instance id left behind, with what was published meanwhile', async () => {
    const producer = new PubSubAdapter({ topicName: topic, projectId: TEST_PROJECT, logger: silentLogger });
    const producingHub = new StatusHub({ adapter: producer, logger: silentLogger });
    await producer.start();
    // A crash leaves the instance's subscription behind (no close()), made with the relay's own
    // settings. Not a SIGKILLed child here: the emulator never drops a killed process's streaming
    // pulls, so what is published after the kill may go to them and come back after one ack
    // deadline, several, or none within 45 s (measured with the bare client library) — Pub/Sub's
    // redelivery on the emulator, not the relay. The SIGKILL runs are in the scale-out soak.
    const pubsub = new PubSub({ projectId: TEST_PROJECT });
    const subscriptionName = `${topic}-pod-7`;
    await pubsub.topic(topic).createSubscription(subscriptionName, relaySubscriptionSettings());
    producingHub.send('restarted', 'while it was down');
    const again = new PubSubAdapter({ topicName: topic, projectId: TEST_PROJECT, instanceId: 'pod-7', logger: silentLogger });
    const hub = new StatusHub({ adapter: again, logger: silentLogger });
    const received: string[] = [];
    hub.on('status', (sessionId, frame, meta) => {
      if (meta.origin !== undefined) received.push(`${sessionId}: ${frame.data}`);
    });
    try {
      await again.start();
      producingHub.send('restarted', 'after the restart');
      await until(() => received.length === 2, 'both statuses on the restarted instance', 20_000).catch((error: unknown) => {
        throw new Error(`${(error as Error).message}: got ${JSON.stringify(received)}; relay ${JSON.stringify(again.stats())}`);
      });
      // Only a subscription made before the status was sent holds it: this one was taken back.
      expect(received).toEqual(['restarted: while it was down', 'restarted: after the restart']);
      const [subscriptions] = await pubsub.topic(topic).getSubscriptions();
      expect(subscriptions.filter((s) => s.name.endsWith(`/${subscriptionName}`))).toHaveLength(1);
    } finally {
      await Promise.all([hub.close(), producingHub.close()]);
      await pubsub.close();
    }
  }, 60_000);

  it('keeps two deployments apart when their instances share an instance id (e.g. the pod name)', async () => {
    // A second app on its own relay topic, in the same project, whose instance ids are the same
    // pod names: each instance hears its own deployment's statuses, never the other's.
    const otherTopic = uniqueId('relay-other');
    const pubsub = new PubSub({ projectId: TEST_PROJECT });
    await pubsub.createTopic(otherTopic);
    const hubs: StatusHub[] = [];
    const instance = async (topicName: string, instanceId: string) => {
      const adapter = new PubSubAdapter({ topicName, projectId: TEST_PROJECT, instanceId, logger: silentLogger });
      const hub = new StatusHub({ adapter, logger: silentLogger });
      hubs.push(hub);
      const relayed: string[] = [];
      hub.on('status', (sessionId, frame, meta) => {
        if (meta.origin !== undefined) relayed.push(`${sessionId}: ${frame.data}`);
      });
      await adapter.start();
      return { hub, relayed };
    };
    try {
      const first = await instance(topic, 'web-0');
      const second = await instance(otherTopic, 'web-0');
      const firstProducer = await instance(topic, 'web-1');
      const secondProducer = await instance(otherTopic, 'web-1');
      firstProducer.hub.send('twins', 'for the first app');
      secondProducer.hub.send('twins', 'for the second app');
      await until(() => first.relayed.length >= 1 && second.relayed.length >= 1, 'a status on each web-0', 20_000).catch((error: unknown) => {
        throw new Error(`${(error as Error).message}: first ${JSON.stringify(first.relayed)}, second ${JSON.stringify(second.relayed)}`);
      });
      await sleep(500); // window: the other app's status would arrive in it if the deployments were not kept apart
      expect(first.relayed).toEqual(['twins: for the first app']);
      expect(second.relayed).toEqual(['twins: for the second app']);

      // A subscription name given by hand that belongs to another topic is refused, not read from.
      const [taken] = await pubsub.topic(topic).createSubscription(uniqueId('taken'));
      const squatter = new PubSubAdapter({ topicName: otherTopic, projectId: TEST_PROJECT, subscriptionName: taken.name.split('/').pop()!, logger: silentLogger });
      await expect(squatter.start()).rejects.toMatchObject({ code: 'ERR_PUBSUB_SUBSCRIPTION_CONFLICT', message: expect.stringContaining(topic) });
      await squatter.close();
      await taken.delete();
    } finally {
      await Promise.all(hubs.map((hub) => hub.close()));
      await pubsub.topic(otherTopic).delete();
      await pubsub.close();
    }
  }, 90_000);
});
