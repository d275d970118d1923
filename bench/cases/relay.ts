/**
 * Case 7: the Pub/Sub relay between two server PROCESSES on the REAL emulator. Relay latency
 * (a status sent on B → a WebSocket client of A) divided by the emulator's own latency measured
 * in the same run and the same way (publish with an ordering key → streaming pull, in this
 * process): the limit for any relay on it. Then relayed statuses per second, B → A. Rounds
 * alternate raw and relay. Skipped, saying so, where the emulator package is absent.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PubSub } from '@google-cloud/pubsub';
import WebSocket from 'ws';
import { EmulatorProcess, findEmulatorLauncher, freePort } from '../../test/support/pubsub-emulator.js';
import { interleave } from '../support/interleave.js';
import { median, percentile } from '../support/stats.js';
import type { BenchCase } from '../types.js';

const PROJECT = 'adk-status-messenger-bench';
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function startNode(env: Record<string, string>): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join('test', 'support', 'relay-node.ts')], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stderr!.on('data', (chunk) => (output += chunk));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`relay node did not start: ${output}`)), 60_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk;
      const match = /listening (\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
  });
  return { child, port };
}

/** A WebSocket client of A that records, per status, now − the send time B wrote into its text. */
async function watch(port: number, sessionId: string): Promise<{ latencies: number[]; received: () => number; close(): void }> {
  const socket = new WebSocket(`ws://127.0.0.1:${port}/ws/${sessionId}`);
  const latencies: number[] = [];
  socket.on('message', (data) => {
    const frame = JSON.parse(data.toString()) as { type: string; data?: string; replay?: boolean };
    if (frame.type === 'status' && !frame.replay && frame.data) latencies.push(Date.now() - Number(frame.data.split(' ')[2]));
  });
  await once(socket, 'open');
  return { latencies, received: () => latencies.length, close: () => socket.close() };
}

async function until(predicate: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await sleep(5);
  }
}

export const relayCase: BenchCase = {
  id: 'relay',
  title: 'Relay between two processes over the Pub/Sub emulator vs the emulator itself',
  async run({ quick }) {
    const launcher = findEmulatorLauncher();
    if (!launcher) {
      return { rows: [], targets: [], chart: [], notes: ['SKIPPED: the google-cloud-cli-pubsub-emulator package is not installed on this machine.'] };
    }
    const emulator = new EmulatorProcess(launcher, await freePort());
    await emulator.start(true);
    const previousHost = process.env.PUBSUB_EMULATOR_HOST;
    process.env.PUBSUB_EMULATOR_HOST = emulator.address;
    const client = new PubSub({ projectId: PROJECT });
    const nodes: ChildProcess[] = [];
    try {
      const [rawTopic] = await client.createTopic('bench-raw');
      const [rawSubscription] = await rawTopic.createSubscription('bench-raw-sub', { enableMessageOrdering: true });
      await client.createTopic('bench-relay');
      const env = { RELAY_TOPIC: 'bench-relay', GOOGLE_CLOUD_PROJECT: PROJECT, PUBSUB_EMULATOR_HOST: emulator.address };
      const [a, b] = await Promise.all([startNode({ ...env, INSTANCE_ID: 'bench-a' }), startNode({ ...env, INSTANCE_ID: 'bench-b' })]);
      nodes.push(a.child, b.child);
      const post = (port: number, query: string) => fetch(`http://127.0.0.1:${port}${query}`, { method: 'POST' }).then((r) => r.json());

      // The emulator's own latency, measured the relay's way: same batching window (1 ms),
      // an ordering key, one streaming-pull subscriber, sends 10 ms apart.
      const publisher = client.topic('bench-raw', { messageOrdering: true, batching: { maxMessages: 100, maxMilliseconds: 1 } });
      const rawLatencies: number[] = [];
      rawSubscription.on('message', (message) => {
        message.ack();
        rawLatencies.push(Date.now() - Number(message.data.toString()));
      });
      const PER_ROUND = quick ? 100 : 200;
      let round = 0;
      const samples = await interleave({
        rounds: quick ? 2 : 4,
        warmup: 1,
        log: (line) => process.stderr.write(`  relay: ${line}\n`),
        variants: {
          raw: async () => {
            const before = rawLatencies.length;
            for (let i = 0; i < PER_ROUND; i += 1) {
              void publisher.publishMessage({ data: Buffer.from(String(Date.now())), orderingKey: 'bench' });
              await sleep(10);
            }
            await until(() => rawLatencies.length >= before + PER_ROUND, 30_000);
            return rawLatencies.slice(before, before + PER_ROUND);
          },
          relay: async () => {
            const session = `latency-${(round += 1)}`;
            const viewer = await watch(a.port, session);
            await sleep(200);
            await post(b.port, `/stream?session=${session}&count=${PER_ROUND}&intervalMs=10&label=L`);
            await until(() => viewer.received() >= PER_ROUND, 30_000);
            viewer.close();
            return viewer.latencies.slice(0, PER_ROUND);
          },
        },
      });
      const raw = samples.raw.flat();
      const relay = samples.relay.flat();
      const p50 = { raw: percentile(raw, 50), relay: percentile(relay, 50) };
      const p99 = { raw: percentile(raw, 99), relay: percentile(relay, 99) };
      const ratio50 = p50.relay / p50.raw;
      const ratio99 = p99.relay / p99.raw;

      // Throughput: B sends as fast as hub.send goes; A's client counts.
      const THROUGHPUT = quick ? 2000 : 5000;
      const rates: number[] = [];
      for (let r = 0; r < (quick ? 1 : 3); r += 1) {
        const session = `throughput-${r}`;
        const viewer = await watch(a.port, session);
        await sleep(200);
        const started = Date.now();
        await post(b.port, `/stream?session=${session}&count=${THROUGHPUT}&intervalMs=0&label=T`);
        await until(() => viewer.received() >= THROUGHPUT, 120_000);
        rates.push(THROUGHPUT / ((Date.now() - started) / 1000));
        viewer.close();
      }
      await publisher.flush();
      await rawSubscription.close();
      const rate = median(rates);
      return {
        rows: [
          { label: 'emulator itself: publish (ordering key) → streaming pull, p50', value: p50.raw, unit: 'ms', rounds: samples.raw.length },
          { label: 'relay: hub.send on B → Pub/Sub → WebSocket client of A, p50', value: p50.relay, unit: 'ms', ratio: { value: ratio50, to: 'emulator' }, rounds: samples.relay.length },
          { label: 'emulator itself, p99', value: p99.raw, unit: 'ms' },
          { label: 'relay, p99', value: p99.relay, unit: 'ms', ratio: { value: ratio99, to: 'emulator' } },
          { label: `relayed statuses per second, B → A (${THROUGHPUT} per round, one session)`, value: rate, unit: 'msg/s', rounds: rates.length },
        ],
        targets: [
          { name: 'relay p50 ≤ 1.2× the emulator’s own latency', measured: `${ratio50.toFixed(2)}×`, actual: ratio50, met: ratio50 <= 1.2 },
          { name: 'relay p99 ≤ 1.2× the emulator’s own latency', measured: `${ratio99.toFixed(2)}×`, actual: ratio99, met: ratio99 <= 1.2 },
        ],
        chart: [{ label: 'relay p50 latency vs emulator', ratio: ratio50, target: 1.2 }],
        notes: [
          `${PER_ROUND} messages per round, 10 ms apart, rounds alternating raw and relay; both on the same emulator, ordering key on, 1 ms batching window.`,
          'Latency is end to end on one machine: the relay adds the hub on both sides, the envelope, one JSON parse and a WebSocket hop to the emulator’s own publish → streaming pull.',
        ],
      };
    } finally {
      for (const child of nodes) child.kill('SIGTERM');
      await Promise.all(nodes.map((child) => (child.exitCode === null ? once(child, 'exit') : undefined)));
      await client.close().catch(() => {});
      await emulator.stop();
      if (previousHost === undefined) delete process.env.PUBSUB_EMULATOR_HOST;
      else process.env.PUBSUB_EMULATOR_HOST = previousHost;
    }
  },
};
