/**
 * Case 7: the Pub/Sub relay between two server PROCESSES on the REAL emulator. Relay latency (a
 * status sent on B → a WebSocket client of A) divided by the emulator's own latency between two
 * processes, measured in the same run: a publisher process and a subscriber process with the
 * relay's own client settings (bench/workers/pubsub-peer.ts), the limit for any relay between
 * two processes on this emulator. Then messages per second through each, B → A and publisher →
 * subscriber, one session (one ordering key). Rounds alternate the variants. Skipped, saying
 * so, where the emulator package is absent.
 *
 * Times: every sender stamps the system-wide monotonic clock into the text, every receiver
 * subtracts it from its own reading of that clock at receipt (sub-millisecond, comparable
 * across the processes of one machine). Senders and receivers are processes of their own on
 * both paths: B and a WebSocket client of A (bench/workers/relay-viewer.ts) for the relay, a
 * publisher and a subscriber for the limit; this process only directs them.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PubSub } from '@google-cloud/pubsub';
import { relaySubscriberOptions, relaySubscriptionSettings, relayTopicOptions } from '../../src/hub/adapters/relay-client-settings.js';
import { EmulatorProcess, findEmulatorLauncher, freePort } from '../../test/support/pubsub-emulator.js';
import { interleave } from '../support/interleave.js';
import { monotonicMs } from '../support/monotonic.js';
import { sentAt } from '../support/stamped-arrivals.js';
import { median, pairedRatios, percentile, spread } from '../support/stats.js';
import type { BenchCase } from '../types.js';

const PROJECT = 'adk-status-messenger-bench';
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** The third word of a bench text ("L i <sent-at>"): the sender's monotonic clock. */
/** Starts a tsx-loaded process that prints "listening <port>" (relay-node, pubsub-peer, relay-viewer). */
async function startProcess(file: string, env: Record<string, string>): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, ['--import', 'tsx', file], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stderr!.on('data', (chunk) => (output += chunk));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${file} did not start: ${output}`)), 60_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk;
      const match = /listening (\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
    child.once('exit', (code) => reject(new Error(`${file} exited (${code}): ${output}`)));
  });
  return { child, port };
}

const post = <T>(port: number, query: string): Promise<T> =>
  fetch(`http://127.0.0.1:${port}${query}`, { method: 'POST', signal: AbortSignal.timeout(120_000) }).then(async (response) => {
    if (!response.ok) throw new Error(`POST ${query}: ${response.status} ${await response.text()}`);
    return (await response.json()) as T;
  });

/** Per-round ratios, and their median: how much of a pooled ratio is one round's stall. */
function describeRounds(ratios: number[]): string {
  return `per round ${ratios.map((r) => r.toFixed(2)).join(' ')} (median ${median(ratios).toFixed(2)})`;
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
  title: 'Relay between two processes over the Pub/Sub emulator vs the emulator itself between two processes',
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
    const children: ChildProcess[] = [];
    let closeInProcess = async () => {};
    try {
      // The raw path's topic and subscriptions get the relay's settings (retention and expiry at
      // the adapter's defaults): the emulator treats them as it treats the relay's.
      const settings = relaySubscriptionSettings();
      const [rawTopic] = await client.createTopic('bench-raw');
      await rawTopic.createSubscription('bench-raw-peer', settings);
      await rawTopic.createSubscription('bench-raw-local', settings);
      await client.createTopic('bench-relay');
      const common = { GOOGLE_CLOUD_PROJECT: PROJECT, PUBSUB_EMULATOR_HOST: emulator.address };
      const relayNode = path.join('test', 'support', 'relay-node.ts');
      const peer = path.join('bench', 'workers', 'pubsub-peer.ts');
      const started = await Promise.all([
        startProcess(relayNode, { ...common, RELAY_TOPIC: 'bench-relay', INSTANCE_ID: 'bench-a' }),
        startProcess(relayNode, { ...common, RELAY_TOPIC: 'bench-relay', INSTANCE_ID: 'bench-b' }),
        // The relay's WebSocket client, in its own process as the baseline's subscriber is.
        startProcess(path.join('bench', 'workers', 'relay-viewer.ts'), {}),
        startProcess(peer, { ...common, PEER_ROLE: 'publish', PEER_TOPIC: 'bench-raw' }),
        startProcess(peer, { ...common, PEER_ROLE: 'subscribe', PEER_TOPIC: 'bench-raw', PEER_SUBSCRIPTION: 'bench-raw-peer' }),
      ]);
      children.push(...started.map(({ child }) => child));
      const [a, b, viewer, publisher, subscriber] = started.map(({ port }) => port) as [number, number, number, number, number];

      // For scale only: the old baseline, publisher and subscriber inside this process.
      const localTopic = client.topic('bench-raw', relayTopicOptions());
      const localSubscription = client.subscription('bench-raw-local', await relaySubscriberOptions());
      const local = new Map<string, number[]>();
      localSubscription.on('message', (message) => {
        message.ack();
        const now = monotonicMs();
        const key = message.orderingKey ?? '';
        if (!local.has(key)) local.set(key, []);
        local.get(key)!.push(now - sentAt(message.data.toString('utf8')));
      });
      closeInProcess = async () => {
        await localTopic.flush();
        await localSubscription.close();
      };

      // Many short rounds rather than a few long ones: a stall of the shared machine (a busy
      // neighbour, a GC of the emulator's JVM) lands in one variant's round and moves its p99,
      // so the more often the variants alternate, the more evenly such stalls are shared.
      const PER_ROUND = 100;
      const INTERVAL_MS = 10;
      let round = 0;
      const samples = await interleave({
        rounds: quick ? 2 : 10,
        warmup: 1,
        log: (line) => process.stderr.write(`  relay: ${line}\n`),
        variants: {
          raw: async () => {
            const session = `raw-${(round += 1)}`;
            const arrived = post<{ latencies: number[] }>(subscriber, `/expect?session=${session}&count=${PER_ROUND}`);
            await post(publisher, `/stream?session=${session}&count=${PER_ROUND}&intervalMs=${INTERVAL_MS}&label=L`);
            return (await arrived).latencies;
          },
          relay: async () => {
            const session = `latency-${(round += 1)}`;
            await post(viewer, `/watch?port=${a}&session=${session}`);
            await sleep(200);
            const arrived = post<{ latencies: number[] }>(viewer, `/expect?session=${session}&count=${PER_ROUND}`);
            await post(b, `/stream?session=${session}&count=${PER_ROUND}&intervalMs=${INTERVAL_MS}&label=L`);
            return (await arrived).latencies;
          },
          inProcess: async () => {
            // Not awaited, as the publisher peer does not await.
            const session = `local-${(round += 1)}`;
            for (let i = 0; i < PER_ROUND; i += 1) {
              void localTopic.publishMessage({ data: Buffer.from(`L ${i} ${monotonicMs()}`), orderingKey: session }).catch(() => {});
              await sleep(INTERVAL_MS);
            }
            await until(() => (local.get(session)?.length ?? 0) >= PER_ROUND, 30_000);
            return local.get(session)!.slice(0, PER_ROUND);
          },
        },
      });
      const raw = samples.raw.flat();
      const relay = samples.relay.flat();
      const inProcess = samples.inProcess.flat();
      const p50 = { raw: percentile(raw, 50), relay: percentile(relay, 50), inProcess: percentile(inProcess, 50) };
      const p99 = { raw: percentile(raw, 99), relay: percentile(relay, 99), inProcess: percentile(inProcess, 99) };
      const ratio50 = p50.relay / p50.raw;
      const ratio99 = p99.relay / p99.raw;
      // Per-round ratios too: how much of the pooled ratio is one noisy round.
      const perRound = (p: number) =>
        pairedRatios(
          samples.relay.map((values) => percentile(values, p)),
          samples.raw.map((values) => percentile(values, p)),
        );

      // Throughput, one session: the sender sends as fast as it goes, the receiver counts; from
      // just before the request to the sender until the last message arrived.
      const THROUGHPUT = quick ? 2000 : 5000;
      let burst = 0;
      // How long the sender's own loop took (hub.send × N on B, publishMessage × N on the publisher).
      const sendMs: { raw: number[]; relay: number[] } = { raw: [], relay: [] };
      const rates = await interleave({
        rounds: quick ? 1 : 3,
        warmup: 0,
        log: (line) => process.stderr.write(`  relay throughput: ${line}\n`),
        variants: {
          raw: async () => {
            const session = `raw-burst-${(burst += 1)}`;
            const arrived = post<{ lastAt: number }>(subscriber, `/expect?session=${session}&count=${THROUGHPUT}`);
            const begin = monotonicMs();
            sendMs.raw.push((await post<{ sendMs: number }>(publisher, `/stream?session=${session}&count=${THROUGHPUT}&intervalMs=0&label=T`)).sendMs);
            return THROUGHPUT / (((await arrived).lastAt - begin) / 1000);
          },
          relay: async () => {
            const session = `throughput-${(burst += 1)}`;
            await post(viewer, `/watch?port=${a}&session=${session}`);
            await sleep(200);
            const arrived = post<{ lastAt: number }>(viewer, `/expect?session=${session}&count=${THROUGHPUT}`);
            const begin = monotonicMs();
            sendMs.relay.push((await post<{ sendMs: number }>(b, `/stream?session=${session}&count=${THROUGHPUT}&intervalMs=0&label=T`)).sendMs);
            return THROUGHPUT / (((await arrived).lastAt - begin) / 1000);
          },
        },
      });
      const rateRatios = pairedRatios(rates.relay, rates.raw);
      return {
        rows: [
          { label: 'emulator itself, two processes: publish (ordering key) → streaming pull, p50', value: p50.raw, unit: 'ms', rounds: samples.raw.length },
          {
            label: 'relay: hub.send on B → Pub/Sub → WebSocket client of A, p50',
            value: p50.relay,
            unit: 'ms',
            ratio: { value: ratio50, to: 'emulator' },
            rounds: samples.relay.length,
            detail: describeRounds(perRound(50)),
          },
          { label: 'emulator itself, two processes, p99', value: p99.raw, unit: 'ms' },
          { label: 'relay, p99', value: p99.relay, unit: 'ms', ratio: { value: ratio99, to: 'emulator' }, detail: describeRounds(perRound(99)) },
          {
            label: 'for scale: emulator, publisher and subscriber in one process, p50 / p99',
            value: p50.inProcess,
            unit: 'ms',
            detail: `p99 ${p99.inProcess.toFixed(1)} ms`,
          },
          {
            label: `emulator itself: messages per second, one ordering key, publisher → subscriber (${THROUGHPUT} per round)`,
            value: median(rates.raw),
            unit: 'msg/s',
            rounds: rates.raw.length,
            spread: spread(rates.raw),
            detail: `publishMessage loop ${median(sendMs.raw).toFixed(0)} ms`,
          },
          {
            label: `relayed statuses per second, B → A (${THROUGHPUT} per round, one session)`,
            value: median(rates.relay),
            unit: 'msg/s',
            ratio: { value: median(rateRatios), to: 'emulator' },
            rounds: rates.relay.length,
            spread: spread(rates.relay),
            detail: `hub.send loop on B ${median(sendMs.relay).toFixed(0)} ms`,
          },
        ],
        targets: [
          { name: 'relay p50 ≤ 1.2× the emulator’s own latency (two processes)', measured: `${ratio50.toFixed(2)}×`, actual: ratio50, met: ratio50 <= 1.2 },
          { name: 'relay p99 ≤ 1.2× the emulator’s own latency (two processes)', measured: `${ratio99.toFixed(2)}×`, actual: ratio99, met: ratio99 <= 1.2 },
        ],
        chart: [{ label: 'relay p50 latency vs emulator', ratio: ratio50, target: 1.2 }],
        notes: [
          `${PER_ROUND} messages per round, ${INTERVAL_MS} ms apart, one new session (ordering key) per round; rounds rotate the emulator-alone, relay and in-process variants; the percentiles pool every round's messages.`,
          'The limit: a publisher process and a subscriber process with the relay’s own client settings (ordering key, a status sent at once, flow control, 5 ms ack batching; relay-client-settings.ts), on the same emulator, stamping and reading the same monotonic clock. The relay’s WebSocket client is a process of its own too (bench/workers/relay-viewer.ts). The relay adds the hub on both sides, its own message and its checks, and the WebSocket hop from A to that client.',
          'The emulator hands a streaming pull its messages in polls 50 ms apart, so most of either latency is waiting for the next poll: uniform over 0–50 ms.',
          'Throughput of one session is capped by the emulator: an ordered subscription gets at most 100 messages per poll of the stream its key is assigned to, so ≤ 2,000/s per ordering key; sessions relay in parallel.',
        ],
      };
    } finally {
      await closeInProcess().catch(() => {});
      for (const child of children) child.kill('SIGTERM');
      await Promise.all(children.map((child) => (child.exitCode === null && child.signalCode === null ? once(child, 'exit') : undefined)));
      await client.close().catch(() => {});
      await emulator.stop();
      if (previousHost === undefined) delete process.env.PUBSUB_EMULATOR_HOST;
      else process.env.PUBSUB_EMULATOR_HOST = previousHost;
    }
  },
};
