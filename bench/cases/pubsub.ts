/**
 * Case 6: agent events to the REAL Cloud Pub/Sub emulator. Our batched `PubSubEventPublisher`
 * (events published without waiting for each other, then `flush()`) against the seed's pattern
 * (await one publish before the next), to the same emulator, in alternating rounds. Skipped,
 * saying so, where the emulator package is absent.
 */
import { PubSub } from '@google-cloud/pubsub';
import { PubSubEventPublisher } from '../../src/events/pubsub-event-publisher.js';
import { silentLogger } from '../../src/logger.js';
import { EmulatorProcess, findEmulatorLauncher, freePort } from '../../test/support/pubsub-emulator.js';
import { interleave } from '../support/interleave.js';
import { median, pairedRatios, spread } from '../support/stats.js';
import type { BenchCase } from '../types.js';

const PROJECT = 'adk-status-messenger-bench';

export const pubsubCase: BenchCase = {
  id: 'pubsub',
  title: 'Agent events to the Pub/Sub emulator: batched publisher vs one await at a time',
  async run({ quick }) {
    const launcher = findEmulatorLauncher();
    if (!launcher) {
      return {
        rows: [],
        targets: [],
        chart: [],
        notes: ['SKIPPED: the google-cloud-cli-pubsub-emulator package is not installed on this machine.'],
      };
    }
    const emulator = new EmulatorProcess(launcher, await freePort());
    await emulator.start(true);
    const previousHost = process.env.PUBSUB_EMULATOR_HOST;
    process.env.PUBSUB_EMULATOR_HOST = emulator.address;
    const client = new PubSub({ projectId: PROJECT });
    try {
      const [topic] = await client.createTopic('bench-events');
      const batchedTopic = client.topic('bench-events', { messageOrdering: true });
      const publisher = new PubSubEventPublisher({ topic: batchedTopic as never, logger: silentLogger });
      const ours = quick ? 1000 : 5000;
      const seed = quick ? 100 : 400;
      const sessions = 10;
      const payload = { query: 'best travel laptops', finding: 'weight under 1.3 kg matters most', source: 'https://example.com' };

      const samples = await interleave({
        rounds: quick ? 2 : 5,
        warmup: 1,
        log: (line) => process.stderr.write(`  pubsub: ${line}\n`),
        variants: {
          ours: async () => {
            const started = performance.now();
            const outcomes = Array.from({ length: ours }, (_, i) =>
              publisher.publish(payload, 'key_finding_identified', { websocketSessionId: `session-${i % sessions}` }),
            );
            const { flushed } = await publisher.flush(60_000);
            const results = await Promise.all(outcomes);
            const seconds = (performance.now() - started) / 1000;
            const published = results.filter((r) => r.status === 'published').length;
            if (!flushed || published !== ours) throw new Error(`only ${published} of ${ours} events were confirmed`);
            return ours / seconds;
          },
          seed: async () => {
            const started = performance.now();
            for (let i = 0; i < seed; i += 1) {
              const data = Buffer.from(JSON.stringify({ websocket_session_id: `session-${i % sessions}`, event_type: 'key_finding_identified', timestamp: new Date().toISOString(), data: payload }));
              await topic.publishMessage({ data });
            }
            return seed / ((performance.now() - started) / 1000);
          },
        },
      });
      await publisher.close();
      const ratio = median(pairedRatios(samples.ours, samples.seed));
      return {
        rows: [
          { label: 'seed pattern: await topic.publishMessage, one at a time', value: median(samples.seed), unit: 'events/s', spread: spread(samples.seed), rounds: samples.seed.length, ratio: { value: 1, to: 'seed' } },
          { label: 'ours: PubSubEventPublisher (batched, ordered per session, flush)', value: median(samples.ours), unit: 'events/s', spread: spread(samples.ours), rounds: samples.ours.length, ratio: { value: ratio, to: 'seed' } },
        ],
        targets: [{ name: 'Pub/Sub: ours ≥ 10× awaiting one publish at a time', measured: `${ratio.toFixed(1)}×`, actual: ratio, met: ratio >= 10 }],
        chart: [{ label: 'Pub/Sub events/s vs seed pattern', ratio, target: 10 }],
        notes: [
          `${ours} events over ${sessions} sessions per round for ours (every one confirmed by the emulator), ${seed} for the seed pattern; rounds alternate.`,
          "The seed's pattern waits out the client library's default 10 ms batching window on every await, which is most of its cost; ours lets batches fill.",
          'Both publish to the same local emulator, so the ratio shows what batching and pipelining buy; against real Pub/Sub, where every await is a network round trip, the gap is wider.',
        ],
      };
    } finally {
      await client.close().catch(() => {});
      await emulator.stop();
      if (previousHost === undefined) delete process.env.PUBSUB_EMULATOR_HOST;
      else process.env.PUBSUB_EMULATOR_HOST = previousHost;
    }
  },
};
