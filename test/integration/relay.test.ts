/**
 * Scale-out over the REAL Pub/Sub emulator, with real processes: two server instances on
 * different ports share one relay topic; runs on one reach sockets on the other.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { PubSub } from '@google-cloud/pubsub';
import { describeIfEmulator } from '../support/pubsub-emulator.js';
import { TEST_PROJECT, uniqueId } from '../support/pubsub-pull.js';
import { sleep, TestClient } from '../support/hub-server.js';

const root = path.resolve(__dirname, '..', '..');

interface Instance {
  name: string;
  port: number;
  child: ChildProcess;
  post(pathAndQuery: string): Promise<unknown>;
  ws(sessionId: string): string;
  stop(): Promise<void>;
}

async function startInstance(name: string, topic: string): Promise<Instance> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join('test', 'support', 'relay-node.ts')], {
    cwd: root,
    env: { ...process.env, RELAY_TOPIC: topic, GOOGLE_CLOUD_PROJECT: TEST_PROJECT },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stderr!.on('data', (chunk) => (output += chunk));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start: ${output}`)), 40_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk;
      const match = /listening (\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
    child.once('exit', (code) => reject(new Error(`${name} exited with ${code}: ${output}`)));
  });
  return {
    name,
    port,
    child,
    post: async (pathAndQuery) => {
      const response = await fetch(`http://127.0.0.1:${port}${pathAndQuery}`, { method: 'POST' });
      if (!response.ok) throw new Error(`${name} ${pathAndQuery}: ${response.status} ${await response.text()}`);
      return response.json();
    },
    ws: (sessionId) => `ws://127.0.0.1:${port}/ws/${sessionId}`,
    stop: async () => {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    },
  };
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

describeIfEmulator('PubSubStatusRelay across two server processes', () => {
  let a: Instance;
  let b: Instance;
  const topic = uniqueId('relay');

  beforeAll(async () => {
    const pubsub = new PubSub({ projectId: TEST_PROJECT });
    await pubsub.createTopic(topic);
    await pubsub.close();
    [a, b] = await Promise.all([startInstance('A', topic), startInstance('B', topic)]);
  }, 90_000);
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
  });

  it('delivers runs on B to sockets on A and B, in order, once each; a late socket on A gets the latest', async () => {
    const onA = await TestClient.open(a.ws('shared'));
    const onB = await TestClient.open(b.ws('shared'));
    const elsewhere = await TestClient.open(a.ws('other-session'));
    await sleep(300);
    const COUNT = 50;
    await b.post(`/run?session=shared&count=${COUNT}&label=B`);
    await onA.waitFor((c) => c.statuses.length >= COUNT, 20_000);
    await onB.waitFor((c) => c.statuses.length >= COUNT, 20_000);
    await sleep(300);
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
      if (frame.type === 'status' && frame.data && !frame.state) received.push(Date.now() - Number(frame.data.split(' ')[2]));
    });
    for (let round = 0; round < 10; round += 1) {
      await b.post(`/run?session=latency&count=20&label=L${round}`);
      await sleep(50);
    }
    await onA.waitFor((c) => c.statuses.length >= 200, 30_000);
    console.log(
      `relay latency B → emulator → A (200 statuses): p50 ${percentile(received, 50)} ms, p99 ${percentile(received, 99)} ms, max ${Math.max(...received)} ms`,
    );
    expect(received).toHaveLength(200);
    await onA.close();
  }, 60_000);

  it('keeps local delivery while the relay is stopped, and relays again after a restart', async () => {
    const onA = await TestClient.open(a.ws('outage'));
    const onB = await TestClient.open(b.ws('outage'));
    await b.post('/run?session=outage&count=3&label=before');
    await onA.waitFor((c) => c.statuses.length === 3, 20_000);

    await a.post('/relay/stop');
    await b.post('/run?session=outage&count=3&label=during');
    await a.post('/run?session=outage&count=2&label=local-on-A');
    await onB.waitFor((c) => c.statusTexts.some((t) => t.startsWith('during 2')), 20_000);
    await onA.waitFor((c) => c.statusTexts.some((t) => t.startsWith('local-on-A 1')), 20_000);
    await sleep(500);
    const labels = (client: TestClient) => client.statusTexts.map((t) => t.split(' ').slice(0, 2).join(' '));
    expect(labels(onA)).toEqual(['before 0', 'before 1', 'before 2', 'local-on-A 0', 'local-on-A 1']);

    await a.post('/relay/start');
    await b.post('/run?session=outage&count=2&label=after');
    await onA.waitFor((c) => c.statusTexts.some((t) => t.startsWith('after 1')), 20_000);
    expect(labels(onA).slice(-2)).toEqual(['after 0', 'after 1']);
    // B still saw A's local statuses? No: A's relay was stopped while they were produced.
    expect(labels(onB).filter((l) => l.startsWith('local-on-A'))).toEqual([]);
    await Promise.all([onA.close(), onB.close()]);
  }, 60_000);

  it('takes its subscription back when restarted with the same instance id, and validates Pub/Sub ranges up front', async () => {
    const { PubSubStatusRelay } = await import('../../src/relay/pubsub-status-relay.js');
    const { StatusHub } = await import('../../src/hub/status-hub.js');
    const hub = new StatusHub();
    expect(() => new PubSubStatusRelay({ hub, topicName: topic, retentionSeconds: 60 })).toThrow(/retentionSeconds/);
    expect(() => new PubSubStatusRelay({ hub, topicName: topic, subscriptionTtlSeconds: 3600 })).toThrow(/subscriptionTtlSeconds/);

    const crashed = new PubSubStatusRelay({ hub, topicName: topic, projectId: TEST_PROJECT, instanceId: 'pod-7' });
    await crashed.start();
    // A crash: the subscription stays behind (no close()).
    const again = new PubSubStatusRelay({ hub, topicName: topic, projectId: TEST_PROJECT, instanceId: 'pod-7' });
    await again.start();
    const received = new Promise<string>((resolve) => {
      hub.on('status', (sessionId, frame, meta) => {
        if (meta.origin !== undefined) resolve(`${sessionId}: ${frame.data.split(' ').slice(0, 2).join(' ')}`);
      });
    });
    await b.post('/run?session=restarted&count=1&label=after-restart');
    expect(await received).toBe('restarted: after-restart 0');
    await again.close();
    await (crashed as unknown as { close(): Promise<void> }).close().catch(() => {});
    await hub.close();
  }, 60_000);
});
