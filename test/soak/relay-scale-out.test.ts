/**
 * PubSubAdapter: one numbering across instances, with REAL processes on the REAL emulator. Three
 * server instances share one relay topic through a TCP gate (so the test can cut them all off
 * Pub/Sub); a client hops between them as the browser client does (`Viewer`).
 */
import { PubSub } from '@google-cloud/pubsub';
import { sleep } from '../support/hub-server.js';
import { describeIfEmulator } from '../support/pubsub-emulator.js';
import { TEST_PROJECT, uniqueId } from '../support/pubsub-pull.js';
import { range, startRelayInstance, stopRelayInstance, until, Viewer } from '../support/relay-instance.js';
import type { RelayInstance } from '../support/relay-instance.js';
import { startTcpGate } from '../support/tcp-gate.js';
import type { TcpGate } from '../support/tcp-gate.js';

describeIfEmulator('PubSubAdapter across three server processes', () => {
  const topic = uniqueId('scale');
  let gate: TcpGate;
  let env: Record<string, string>;
  let a: RelayInstance;
  let b: RelayInstance;
  let c: RelayInstance;

  beforeAll(async () => {
    const pubsub = new PubSub({ projectId: TEST_PROJECT });
    await pubsub.createTopic(topic);
    await pubsub.close();
    const [host, port] = process.env.PUBSUB_EMULATOR_HOST!.split(':');
    gate = await startTcpGate(host!, Number(port));
    env = { RELAY_TOPIC: topic, PUBSUB_EMULATOR_HOST: `127.0.0.1:${gate.port}` };
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

  it('loses nothing, repeats nothing and keeps the order for a client hopping A → B → C mid-stream', async () => {
    const viewer = new Viewer();
    await viewer.connect(a.ws('hop'));
    const COUNT = 90;
    const streaming = a.post(`/stream?session=hop&count=${COUNT}&intervalMs=20&label=H`);
    await viewer.waitForCount(25);
    await viewer.hop(b.ws('hop'));
    await viewer.waitForCount(55);
    await viewer.hop(c.ws('hop'));
    await streaming;
    await viewer.waitForCount(COUNT);
    await sleep(300); // window: a duplicate or stray status would arrive in it
    expect(viewer.labels()).toEqual(range('H', 0, COUNT));
    expect(viewer.duplicates).toBe(0);
    expect(viewer.gaps).toBe(0);
    console.log(`[scale-out] hop A → B → C during ${COUNT} statuses: ${viewer.seen.length} seen once each, in order; 0 duplicates, 0 gaps`);
    await viewer.close();
  }, 60_000);

  it('loses nothing when an instance restarts with the same id mid-stream; its new statuses reach the others', async () => {
    const viewer = new Viewer();
    await viewer.connect(a.ws('restart'));
    await b.post('/stream?session=restart&count=20&intervalMs=10&label=before');
    await viewer.waitForCount(20);
    await stopRelayInstance(b);
    b = await startRelayInstance('B', { ...env, INSTANCE_ID: 'pod-b' });
    await b.post('/stream?session=restart&count=20&intervalMs=10&label=after');
    await viewer.waitForCount(40);
    // The hopping client resumes on the restarted instance exactly.
    await viewer.hop(b.ws('restart'));
    await b.post('/stream?session=restart&count=5&intervalMs=10&label=later');
    await viewer.waitForCount(45);
    await sleep(300); // window: a duplicate or stray status would arrive in it
    expect(viewer.labels()).toEqual([...range('before', 0, 20), ...range('after', 0, 20), ...range('later', 0, 5)]);
    expect(viewer.duplicates).toBe(0);
    console.log(`[scale-out] restart of pod-b mid-stream: ${viewer.seen.length} of 45 seen once each, in order (gaps signalled: ${viewer.gaps})`);
    await viewer.close();
  }, 120_000);

  it('goes on after a SIGKILL of one instance, and what it had published arrives', async () => {
    const viewer = new Viewer();
    await viewer.connect(a.ws('killed'));
    const onC = new Viewer();
    await onC.connect(c.ws('killed'));
    // B answers once Pub/Sub confirmed all 30; it dies right after.
    await b.post('/stream?session=killed&count=30&intervalMs=0&label=B');
    await stopRelayInstance(b, 'SIGKILL');
    await viewer.waitForCount(30);
    // C takes over once B's statuses reached it (one producer at a time; see RELIABILITY.md for two at once).
    await onC.waitForCount(30);
    await c.post('/stream?session=killed&count=10&intervalMs=10&label=C');
    await viewer.waitForCount(40);
    await onC.waitForCount(40);
    await sleep(300); // window: a duplicate or stray status would arrive in it
    const expected = [...range('B', 0, 30), ...range('C', 0, 10)];
    expect(viewer.labels()).toEqual(expected);
    expect(onC.labels()).toEqual(expected);
    expect(viewer.duplicates + onC.duplicates).toBe(0);
    console.log('[scale-out] SIGKILL of pod-b after 30 published: 30 of 30 arrived on A and C; C went on with 10 more, seen in order on A');
    await Promise.all([viewer.close(), onC.close()]);
    b = await startRelayInstance('B', { ...env, INSTANCE_ID: 'pod-b' }); // takes its subscription back
  }, 120_000);

  it('answers a client behind that hops onto an instance started after it fell behind with a gap, then every status it gets, the run’s end included', async () => {
    const viewer = new Viewer();
    const onA = new Viewer();
    await viewer.connect(a.ws('behind'));
    await onA.connect(a.ws('behind'));
    await a.post('/stream?session=behind&count=3&intervalMs=0&label=S');
    await viewer.waitForCount(3);
    await viewer.disconnect();
    // The tab is away while the session goes on; then it lands on an instance that never saw the session.
    await a.post('/stream?session=behind&count=4&intervalMs=0&label=M');
    const d = await startRelayInstance('D', { ...env, INSTANCE_ID: 'pod-d' });
    try {
      await viewer.connect(d.ws('behind'));
      const gap = await viewer.waitForGap();
      // Statuses numbered on D itself, then a run on A that ends: every one reaches the tab on D.
      await d.post('/stream?session=behind&count=2&intervalMs=0&label=L');
      await viewer.waitForCount(5);
      await onA.waitForText('L 1');
      await a.post('/run?session=behind&count=2&label=R');
      await viewer.waitForText('Done');
      // Back on A, where the session began: nothing old comes again as new.
      await viewer.hop(a.ws('behind'));
      await a.post('/stream?session=behind&count=1&intervalMs=0&label=T');
      await viewer.waitForText('T 0');
      expect(viewer.labels()).toEqual([...range('S', 0, 3), ...range('L', 0, 2), 'R 0', 'R 1', 'Done', 'T 0']);
      expect(viewer.duplicates).toBe(0);
      expect(onA.labels()).toEqual([...range('S', 0, 3), ...range('M', 0, 4), ...range('L', 0, 2), 'R 0', 'R 1', 'Done', 'T 0']);
      console.log(
        `[scale-out] a tab behind by 4 hops onto a new instance: told ${JSON.stringify(gap)} at once; then ${viewer.seen.length - 3} of ${viewer.seen.length - 3} later statuses, the run's end included; back on the first instance, 0 repeated`,
      );
    } finally {
      await viewer.close();
      await onA.close();
      await stopRelayInstance(d);
    }
  }, 120_000);

  it('answers a client whose instance restarted since with a reset gap', async () => {
    const viewer = new Viewer();
    await viewer.connect(c.ws('restarted'));
    await a.post('/stream?session=restarted&count=3&intervalMs=0&label=S');
    await viewer.waitForCount(3);
    await viewer.disconnect();
    await stopRelayInstance(c);
    c = await startRelayInstance('C', { ...env, INSTANCE_ID: 'pod-c' });
    await viewer.connect(c.ws('restarted'));
    expect(await viewer.waitForGap()).toMatchObject({ reason: 'reset' });
    await a.post('/stream?session=restarted&count=1&intervalMs=0&label=after');
    await viewer.waitForText('after 0');
    expect(viewer.labels()).toEqual([...range('S', 0, 3), 'after 0']);
    await viewer.close();
  }, 120_000);

  it('answers a client whose session an instance forgot (idle past historyTtlMs) with a reset gap', async () => {
    const idle = await startRelayInstance('I', { ...env, INSTANCE_ID: 'pod-idle', HISTORY_TTL_MS: '1000' });
    const viewer = new Viewer();
    try {
      await viewer.connect(idle.ws('idle'));
      await a.post('/stream?session=idle&count=3&intervalMs=0&label=S');
      await viewer.waitForCount(3);
      await viewer.disconnect();
      await until(async () => (await idle.stats()).hub.sessions === 0, 'the idle session to be forgotten');
      await viewer.connect(idle.ws('idle'));
      expect(await viewer.waitForGap()).toMatchObject({ reason: 'reset' });
    } finally {
      await viewer.close();
      await stopRelayInstance(idle);
    }
  }, 120_000);
});
