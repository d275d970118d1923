/**
 * Every Pub/Sub admin call of the scale-out adapter has a deadline, on the REAL emulator behind a
 * TCP gate that can turn silent (accepts, never answers): `adapter.start()` rejects with a
 * `StatusMessengerError` code instead of a raw gRPC error after 60 s, and `close()` does not wait
 * for a subscription delete that never answers.
 */
import { PubSub } from '@google-cloud/pubsub';
import { StatusMessengerError } from '../../src/errors.js';
import { silentLogger } from '../../src/logger.js';
import { PubSubAdapter } from '../../src/hub/adapters/pubsub-adapter.js';
import { describeIfEmulator } from '../support/pubsub-emulator.js';
import { TEST_PROJECT, uniqueId } from '../support/pubsub-pull.js';
import { startTcpGate } from '../support/tcp-gate.js';
import type { TcpGate } from '../support/tcp-gate.js';

const DEADLINE_MS = 1000;

describeIfEmulator('PubSubAdapter admin calls', () => {
  let gate: TcpGate;
  const topic = uniqueId('admin');

  beforeAll(async () => {
    const [host, port] = process.env.PUBSUB_EMULATOR_HOST!.split(':');
    gate = await startTcpGate(host!, Number(port));
    const pubsub = new PubSub({ projectId: TEST_PROJECT });
    await pubsub.createTopic(topic);
    await pubsub.close();
  });
  afterAll(async () => {
    await gate?.dispose();
  });

  const adapterVia = (options: { instanceId: string }) =>
    new PubSubAdapter({
      topicName: topic,
      projectId: TEST_PROJECT,
      clientConfig: { apiEndpoint: `127.0.0.1:${gate.port}` },
      adminTimeoutMs: DEADLINE_MS,
      logger: silentLogger,
      ...options,
    });

  it('start() against a silent endpoint rejects by its deadline with ERR_PUBSUB_TIMEOUT', async () => {
    gate.silence();
    const relay = adapterVia({ instanceId: 'silent-start' });
    const started = Date.now();
    const error = await relay.start().then(
      () => undefined,
      (e: unknown) => e,
    );
    const ms = Date.now() - started;
    gate.open();
    expect(StatusMessengerError.isInstance(error, 'ERR_PUBSUB_TIMEOUT')).toBe(true);
    expect((error as Error).message).toContain('relay topic');
    // Without a deadline this took 60 s; the bound keeps a wide margin over the 1 s deadline.
    expect(ms).toBeLessThan(DEADLINE_MS * 10);
    await relay.close();
  }, 30_000);

  it('start() on a missing topic rejects with ERR_PUBSUB_TOPIC_NOT_FOUND', async () => {
    const relay = new PubSubAdapter({ topicName: uniqueId('absent'), projectId: TEST_PROJECT, logger: silentLogger });
    await expect(relay.start()).rejects.toMatchObject({ code: 'ERR_PUBSUB_TOPIC_NOT_FOUND' });
  }, 30_000);

  it('close() does not wait past its deadline for a subscription delete that never answers', async () => {
    gate.open();
    const relay = adapterVia({ instanceId: 'silent-close' });
    await relay.start();
    gate.silence();
    const started = Date.now();
    await relay.close();
    const ms = Date.now() - started;
    gate.open();
    expect(ms).toBeLessThan(DEADLINE_MS * 10);
    // The subscription is still there (the delete never reached the emulator): it expires by itself.
    const pubsub = new PubSub({ projectId: TEST_PROJECT });
    const subscription = pubsub.subscription(`${topic}-silent-close`); // <topic id>-<instanceId>
    const [exists] = await subscription.exists();
    expect(exists).toBe(true);
    await subscription.delete();
    await pubsub.close();
  }, 30_000);
});
