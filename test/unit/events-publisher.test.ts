/**
 * PubSubEventPublisher against a fake Pub/Sub topic (the edge): the publisher's own logic —
 * deadlines, bounds, ordering across failures, error reporting — is the real code.
 */
import { bindStatusSession } from '../../src/binding/context.js';
import type { AdkRunIds } from '../../src/binding/context.js';
import { StatusRun } from '../../src/binding/status-run.js';
import { StatusMessengerError } from '../../src/errors.js';
import type { StatusMessengerErrorCode } from '../../src/errors.js';
import type { AgentEvent } from '../../src/events/agent-event.js';
import type { EventTopic, EventTopicCallOptions, EventTopicMessage } from '../../src/events/event-topic.js';
import { EventBuffer } from '../../src/events/event-buffer.js';
import { kPublishMessage, PubSubEventPublisher } from '../../src/events/pubsub-event-publisher.js';
import { PUBLISHER_DEFAULTS } from '../../src/events/publisher-options.js';
import type { PubSubEventPublisherOptions } from '../../src/events/publisher-options.js';
import { silentLogger } from '../../src/logger.js';
import { sleep } from '../support/hub-server.js';

/** A run bound to a status session, with no destinations: what `publish()` reads its ids from. */
const createStatusSession = (init: { sessionId: string; adk?: AdkRunIds }) => new StatusRun({ ...init, destinations: [] });

type Mode = 'up' | 'down' | 'hang' | 'denied';

function grpcError(code: number, message: string): Error & { code: number } {
  return Object.assign(new Error(`${code} ${message}`), { code });
}

/**
 * Behaves like a `@google-cloud/pubsub` Topic with message ordering: answers asynchronously, in
 * order, and after a failed publish rejects everything for that ordering key until
 * `resumePublishing(key)`.
 */
class FakeTopic implements EventTopic {
  readonly name = 'projects/p/topics/fake-topic';
  mode: Mode = 'up';
  exists = true;
  readonly stored: { id: string; message: EventTopicMessage }[] = [];
  readonly getCalls: EventTopicCallOptions[] = [];
  readonly resumed: string[] = [];
  readonly #blocked = new Set<string>();
  #nextId = 1;

  get events(): AgentEvent[] {
    return this.stored.map(({ message }) => JSON.parse(message.data.toString('utf8')) as AgentEvent);
  }

  async get(options?: EventTopicCallOptions): Promise<unknown> {
    this.getCalls.push({ ...options });
    await new Promise((resolve) => setImmediate(resolve));
    if (this.mode === 'down') throw grpcError(14, 'UNAVAILABLE: connect ECONNREFUSED');
    if (!this.exists && !options?.autoCreate) throw grpcError(5, 'NOT_FOUND: Topic not found');
    this.exists = true;
    return [this];
  }

  publishMessage(message: EventTopicMessage): Promise<string> {
    const key = message.orderingKey;
    if (key !== undefined && this.#blocked.has(key)) {
      return Promise.reject(grpcError(14, `Unable to publish for key "${key}"`));
    }
    const mode = this.mode;
    if (mode === 'hang') return new Promise(() => {});
    return new Promise((resolve, reject) => {
      setImmediate(() => {
        if (mode === 'down' || mode === 'denied') {
          if (key !== undefined) this.#blocked.add(key);
          reject(mode === 'down' ? grpcError(14, 'UNAVAILABLE') : grpcError(7, 'PERMISSION_DENIED'));
          return;
        }
        if (!this.exists) return reject(grpcError(5, 'NOT_FOUND: Topic not found'));
        const id = String(this.#nextId++);
        this.stored.push({ id, message });
        resolve(id);
      });
    });
  }

  resumePublishing(key: string): void {
    this.resumed.push(key);
    this.#blocked.delete(key);
  }
}

interface Reported {
  code: StatusMessengerErrorCode;
  eventIds: readonly string[];
}

function setup(options: Partial<PubSubEventPublisherOptions> = {}) {
  const topic = new FakeTopic();
  const reported: Reported[] = [];
  const publisher = new PubSubEventPublisher({
    topic,
    publishTimeoutMs: 200,
    retryInitialDelayMs: 10,
    retryMaxDelayMs: 20,
    logger: silentLogger,
    onError: (error, details) => reported.push({ code: error.code, eventIds: details.eventIds }),
    ...options,
  });
  return { topic, publisher, reported };
}

async function until(predicate: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(5);
  }
}

describe('PubSubEventPublisher', () => {
  const publishers: PubSubEventPublisher[] = [];
  const make = (options: Partial<PubSubEventPublisherOptions> = {}) => {
    const made = setup(options);
    publishers.push(made.publisher);
    return made;
  };
  afterEach(async () => {
    await Promise.all(publishers.splice(0).map((publisher) => publisher.close(100)));
  });

  it('publishes the envelope with its attributes and the session as ordering key', async () => {
    const { topic, publisher } = make();
    const session = createStatusSession({ sessionId: 'sess-1', adk: { appName: 'app', userId: 'u1', sessionId: 'adk-1' } });
    const outcome = await bindStatusSession(session, () =>
      publisher.publish({ item: 'XYZ' }, 'order_placed', { context: { invocationId: 'e-1', agentName: 'shop' } }),
    );
    expect(outcome).toEqual({ status: 'published', eventId: expect.any(String), messageId: '1' });
    const { message } = topic.stored[0]!;
    expect(message.orderingKey).toBe('sess-1');
    expect(message.attributes).toEqual({ event_type: 'order_placed', websocket_session_id: 'sess-1' });
    const event = topic.events[0]!;
    expect(Object.keys(event)).toEqual([
      'websocket_session_id', 'event_type', 'timestamp', 'data', 'event_id',
      'app_name', 'user_id', 'adk_session_id', 'invocation_id', 'agent',
    ]);
    expect(event).toMatchObject({
      websocket_session_id: 'sess-1',
      event_type: 'order_placed',
      data: { item: 'XYZ' },
      app_name: 'app',
      user_id: 'u1',
      adk_session_id: 'adk-1',
      invocation_id: 'e-1',
      agent: 'shop',
    });
    expect(outcome.eventId).toBe(event.event_id);
    expect(Date.parse(event.timestamp)).toBeGreaterThan(Date.now() - 5000);
  });

  it('works with a topic that has no get() (a custom EventTopic): no topic check, every event published', async () => {
    const topic = new FakeTopic();
    const bare: EventTopic = { name: topic.name, publishMessage: (message) => topic.publishMessage(message), resumePublishing: (key) => topic.resumePublishing(key) };
    const { publisher } = make({ topic: bare });
    const outcomes = await Promise.all([1, 2, 3].map((n) => publisher.publish({ n }, 'agent_event', { websocketSessionId: 's1' })));
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['published', 'published', 'published']);
    expect(topic.events.map((event) => (event.data as { n: number }).n)).toEqual([1, 2, 3]);
  });

  it('hands a new event of a healthy session straight to the client, without rescanning the events it holds', async () => {
    const { topic, publisher } = make();
    await publisher.publish({ n: 0 }, 'agent_event', { websocketSessionId: 's1' });
    let handed = 0;
    // Pub/Sub that never answers: every event of the burst stays held (in flight) while the next comes.
    topic.publishMessage = () => {
      handed += 1;
      return new Promise(() => {});
    };
    const scans = jest.spyOn(EventBuffer.prototype, 'eventsOf');
    try {
      for (let i = 1; i <= 500; i += 1) void publisher.publish({ n: i }, 'agent_event', { websocketSessionId: 's1' });
      expect(handed).toBe(500);
      expect(publisher.stats().buffered).toBe(500);
      // Was one scan of the whole session per publish (a burst of n cost n²/2 event visits).
      expect(scans).not.toHaveBeenCalled();
    } finally {
      scans.mockRestore();
    }
  });

  it('publishes outside any session with websocket_session_id null, no ordering key and no session attribute', async () => {
    const { topic, publisher } = make();
    await publisher.publish([1, 2, 3]);
    const { message } = topic.stored[0]!;
    expect(message.orderingKey).toBeUndefined();
    expect(message.attributes).toEqual({ event_type: 'agent_event' });
    expect(topic.events[0]).toMatchObject({ websocket_session_id: null, event_type: 'agent_event', data: [1, 2, 3] });
    expect(Object.keys(topic.events[0]!)).toEqual(['websocket_session_id', 'event_type', 'timestamp', 'data', 'event_id']);
  });

  it('checks once that the topic exists, lazily, with the RPC deadline', async () => {
    const { topic, publisher } = make({ rpcTimeoutMs: 1234 });
    expect(topic.getCalls).toHaveLength(0);
    await publisher.publish({ n: 1 });
    await publisher.publish({ n: 2 });
    expect(topic.getCalls).toEqual([{ timeout: 1234, autoCreate: false }]);
    expect(publisher.stats().state).toBe('ready');
  });

  it('fails fast with ERR_PUBSUB_TOPIC_NOT_FOUND when the topic is missing, without checking again', async () => {
    const { topic, publisher, reported } = make({ publishTimeoutMs: 5000 });
    topic.exists = false;
    const started = Date.now();
    const first = await publisher.publish({ n: 1 });
    const second = await publisher.publish({ n: 2 });
    expect(Date.now() - started).toBeLessThan(1000);
    for (const outcome of [first, second]) {
      expect(outcome.status).toBe('dropped');
      expect(outcome.status === 'dropped' && outcome.error.code).toBe('ERR_PUBSUB_TOPIC_NOT_FOUND');
    }
    expect(topic.getCalls).toHaveLength(1);
    expect(reported.map((r) => r.code)).toEqual(['ERR_PUBSUB_TOPIC_NOT_FOUND', 'ERR_PUBSUB_TOPIC_NOT_FOUND']);
    expect(reported[0]!.eventIds).toEqual([first.eventId]);
    expect(publisher.stats()).toMatchObject({ state: 'topic_missing', failed: 2, published: 0 });
  });

  it('creates a missing topic when asked to', async () => {
    const { topic, publisher } = make({ createTopicIfMissing: true });
    topic.exists = false;
    expect((await publisher.publish({ n: 1 })).status).toBe('published');
    expect(topic.getCalls[0]).toEqual({ timeout: 10_000, autoCreate: true });
  });

  it('settles every publish by its deadline while Pub/Sub is unreachable, then delivers all in order per session', async () => {
    const { topic, publisher, reported } = make({ publishTimeoutMs: 100 });
    await publisher.publish('warm-up');
    topic.mode = 'down';
    const started = Date.now();
    const outcomes = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        bindStatusSession(createStatusSession({ sessionId: `s${i % 3}` }), () => publisher.publish({ i })),
      ),
    );
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(90);
    expect(elapsed).toBeLessThan(600);
    expect(new Set(outcomes.map((o) => o.status))).toEqual(new Set(['buffered']));
    expect(outcomes.every((o) => o.status === 'buffered' && o.error.code === 'ERR_PUBSUB_TIMEOUT')).toBe(true);
    expect(publisher.stats()).toMatchObject({ state: 'unreachable', buffered: 30, timedOut: 30 });
    expect(reported.map((r) => r.code)).toEqual(['ERR_PUBSUB_UNREACHABLE']);

    topic.mode = 'up';
    await until(() => publisher.stats().buffered === 0);
    const delivered = topic.events.slice(1);
    expect(delivered).toHaveLength(30);
    for (const session of ['s0', 's1', 's2']) {
      const order = delivered.filter((e) => e.websocket_session_id === session).map((e) => (e.data as { i: number }).i);
      expect(order).toEqual([...order].sort((a, b) => a - b));
      expect(order).toHaveLength(10);
    }
    // Every session whose publish failed was resumed before its events were resent.
    expect(new Set(topic.resumed)).toEqual(new Set(['s0', 's1', 's2']));
    expect(publisher.stats()).toMatchObject({ state: 'ready', published: 31, failed: 0, overflowed: 0 });
    expect(publisher.stats().retried).toBeGreaterThan(0);
  });

  it('reports ERR_PUBSUB_UNREACHABLE once per outage, not again for each deadline passed while the held events drain', async () => {
    const { topic, publisher, reported } = make({ publishTimeoutMs: 100 });
    await publisher.publish('warm-up');
    // When Pub/Sub is back it drains slowly: one confirmation every 10 ms, in order.
    const publishNow = topic.publishMessage.bind(topic);
    let drained: Promise<unknown> = Promise.resolve();
    topic.publishMessage = (message) => {
      if (topic.mode !== 'up') return publishNow(message);
      const confirmed = drained.then(() => sleep(10)).then(() => publishNow(message));
      drained = confirmed.catch(() => undefined);
      return confirmed;
    };
    const publishFor = async (ms: number): Promise<Promise<unknown>[]> => {
      const outcomes: Promise<unknown>[] = [];
      for (const start = Date.now(); Date.now() - start < ms; await sleep(10)) { // pacing: one publish every 10 ms for `ms`
        outcomes.push(bindStatusSession(createStatusSession({ sessionId: `s${outcomes.length % 2}` }), () => publisher.publish(outcomes.length)));
      }
      return outcomes;
    };

    topic.mode = 'down';
    const during = await publishFor(300);
    expect(publisher.stats().state).toBe('unreachable');
    topic.mode = 'up';
    await until(() => publisher.stats().buffered === 0);
    await Promise.all(during);
    // The last events held missed their deadlines after the first confirmations: still the same outage.
    expect(publisher.stats().timedOut).toBe(during.length);
    expect(reported.map((r) => r.code)).toEqual(['ERR_PUBSUB_UNREACHABLE']);
    expect(publisher.stats()).toMatchObject({ state: 'ready', published: during.length + 1, failed: 0 });

    // Back, and then down again: a second outage, a second report.
    await publisher.publish('healthy');
    topic.mode = 'down';
    await publishFor(150);
    expect(reported.map((r) => r.code)).toEqual(['ERR_PUBSUB_UNREACHABLE', 'ERR_PUBSUB_UNREACHABLE']);
  });

  it('a deadline missed after the outage ended, by an event accepted before, is that outage: unreachable again, not reported again', async () => {
    const { topic, publisher, reported } = make({ publishTimeoutMs: 100 });
    await publisher.publish('warm-up');
    const publishNow = topic.publishMessage.bind(topic);
    topic.publishMessage = (message) => (message.data.includes('"slow"') ? sleep(150).then(() => publishNow(message)) : publishNow(message));
    const inSession = (sessionId: string, data: unknown) => bindStatusSession(createStatusSession({ sessionId }), () => publisher.publish(data));

    topic.mode = 'down';
    expect((await inSession('s0', 'held')).status).toBe('buffered');
    expect(reported.map((r) => r.code)).toEqual(['ERR_PUBSUB_UNREACHABLE']);
    topic.mode = 'up';
    const slow = inSession('s1', 'slow'); // accepted before the outage ends, confirmed 150 ms later
    await until(() => publisher.stats().published === 2);
    expect(publisher.stats().state).toBe('ready'); // 'held' confirmed: nothing overdue, no resend due
    expect((await slow).status).toBe('buffered'); // its deadline passes after the outage ended
    expect(publisher.stats().state).toBe('unreachable');
    await until(() => publisher.stats().published === 3);
    expect(publisher.stats().state).toBe('ready');
    expect(reported.map((r) => r.code)).toEqual(['ERR_PUBSUB_UNREACHABLE']);

    topic.mode = 'down';
    expect((await inSession('s0', 'later')).status).toBe('buffered');
    expect(reported.map((r) => r.code)).toEqual(['ERR_PUBSUB_UNREACHABLE', 'ERR_PUBSUB_UNREACHABLE']);
  });

  it('while Pub/Sub refuses, resends each session at most once per retry step, then delivers it in order', async () => {
    const { topic, publisher } = make({ retryInitialDelayMs: 50, retryMaxDelayMs: 50, publishTimeoutMs: 50 });
    topic.mode = 'down';
    let calls = 0;
    const original = topic.publishMessage.bind(topic);
    topic.publishMessage = (message) => {
      calls += 1;
      return original(message);
    };
    const started = Date.now();
    const publishes = Array.from({ length: 40 }, (_, i) =>
      bindStatusSession(createStatusSession({ sessionId: `k${i % 20}` }), () => publisher.publish(i)),
    );
    await sleep(500); // window: the resend rate is measured over it (no hot loop)
    const elapsed = Date.now() - started;
    // Each of the 20 sessions sends its 2 events once per 50 ms step at most (no hot loop).
    expect(calls).toBeGreaterThan(20);
    expect(calls).toBeLessThanOrEqual(40 * (Math.ceil(elapsed / 50) + 1));
    await Promise.all(publishes);
    topic.mode = 'up';
    await until(() => publisher.stats().buffered === 0);
    for (let k = 0; k < 20; k += 1) {
      expect(topic.events.filter((e) => e.websocket_session_id === `k${k}`).map((e) => e.data)).toEqual([k, k + 20]);
    }
    expect(publisher.stats()).toMatchObject({ sessions: 0, published: 40 });
  });

  it('frees per-session state once nothing of the session is pending, under a topic that refuses every event', async () => {
    const { topic, publisher, reported } = make({ retryInitialDelayMs: 10, publishTimeoutMs: 10_000 });
    topic.mode = 'denied';
    const outcomes = await Promise.all(
      Array.from({ length: 2000 }, (_, i) => bindStatusSession(createStatusSession({ sessionId: `gone-${i}` }), () => publisher.publish({ i }))),
    );
    expect(outcomes.every((o) => o.status === 'dropped' && o.error.code === 'ERR_PUBSUB_PUBLISH_FAILED')).toBe(true);
    expect(reported).toHaveLength(2000);
    // The resume that a refused session needs is due within one retry step; then nothing is kept.
    await until(() => publisher.stats().sessions === 0);
    expect(publisher.stats()).toMatchObject({ sessions: 0, buffered: 0, failed: 2000 });
    expect(new Set(topic.resumed).size).toBe(2000);
  });

  it('logs a throwing onError and goes on publishing', async () => {
    const lines: string[] = [];
    const topic = new FakeTopic();
    topic.exists = false;
    const publisher = new PubSubEventPublisher({
      topic,
      logger: { ...silentLogger, error: (line: string) => lines.push(line) },
      onError: () => {
        throw new Error('callback bug');
      },
    });
    publishers.push(publisher);
    const outcome = await publisher.publish({ n: 1 });
    expect(outcome.status === 'dropped' && outcome.error.code).toBe('ERR_PUBSUB_TOPIC_NOT_FOUND');
    expect(lines).toEqual(['The PubSubEventPublisher `onError` callback threw']);
  });

  it('bounds the buffer by count: the overflow is dropped, counted and reported', async () => {
    const { topic, publisher, reported } = make({ maxBufferedEvents: 5, publishTimeoutMs: 50 });
    topic.mode = 'hang';
    const outcomes = await Promise.all(Array.from({ length: 8 }, (_, i) => publisher.publish({ i })));
    expect(outcomes.map((o) => o.status)).toEqual(['buffered', 'buffered', 'buffered', 'buffered', 'buffered', 'dropped', 'dropped', 'dropped']);
    const full = reported.filter((r) => r.code === 'ERR_PUBSUB_BUFFER_FULL');
    expect(full.map((r) => r.eventIds[0])).toEqual(outcomes.slice(5).map((o) => o.eventId));
    expect(publisher.stats()).toMatchObject({ buffered: 5, peakBuffered: 5, overflowed: 3, accepted: 5 });
  });

  it('bounds the buffer by bytes', async () => {
    const { topic, publisher } = make({ maxBufferedBytes: 2000, maxEventBytes: 1000, publishTimeoutMs: 50 });
    topic.mode = 'hang';
    // Each event is about 780 bytes (600 of data plus the envelope), so two fit in 2,000.
    const outcomes = await Promise.all(Array.from({ length: 5 }, () => publisher.publish('x'.repeat(600))));
    const stats = publisher.stats();
    expect(outcomes.map((o) => o.status)).toEqual(['buffered', 'buffered', 'dropped', 'dropped', 'dropped']);
    expect(stats.bufferedBytes).toBeGreaterThan(1200);
    expect(stats.peakBufferedBytes).toBeLessThanOrEqual(2000);
    expect(stats.overflowed).toBe(3);
  });

  it('drops and reports events Pub/Sub refuses for good, and keeps publishing the next ones', async () => {
    const { topic, publisher, reported } = make();
    topic.mode = 'denied';
    const refused = await publisher.publish({ n: 1 });
    expect(refused.status === 'dropped' && refused.error.code).toBe('ERR_PUBSUB_PUBLISH_FAILED');
    expect(reported.map((r) => r.code)).toEqual(['ERR_PUBSUB_PUBLISH_FAILED']);
    topic.mode = 'up';
    expect((await publisher.publish({ n: 2 })).status).toBe('published');
  });

  it('drops each refused event of a session on its own, and resumes the session once its rejections are in', async () => {
    const { topic, publisher, reported } = make();
    await publisher.publish('warm-up');
    topic.mode = 'denied';
    const session = createStatusSession({ sessionId: 'refused' });
    const refused = await Promise.all([1, 2, 3].map((n) => bindStatusSession(session, () => publisher.publish({ n }))));
    expect(refused.map((o) => o.status === 'dropped' && o.error.code)).toEqual(Array(3).fill('ERR_PUBSUB_PUBLISH_FAILED'));
    expect(reported.flatMap((r) => r.eventIds)).toEqual(refused.map((o) => o.eventId));
    topic.mode = 'up';
    const later = await bindStatusSession(session, () => publisher.publish({ n: 4 }));
    expect(later.status).toBe('published');
    expect(topic.resumed).toEqual(['refused']);
    expect(publisher.stats()).toMatchObject({ published: 2, failed: 3, buffered: 0 });
  });

  it('returns ERR_INVALID_EVENT for data that is not JSON, a bad type or a too-large event, without throwing', async () => {
    const { publisher, topic } = make({ maxEventBytes: 1000 });
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const cases = [
      publisher.publish(cyclic),
      publisher.publish({ big: 10n }),
      publisher.publish(undefined),
      publisher.publish({ ok: true }, 'has spaces'),
      publisher.publish('x'.repeat(2000)),
      publisher.publish({ ok: true }, 'agent_event', { websocketSessionId: '../etc' }),
    ];
    for (const outcome of await Promise.all(cases)) {
      expect(outcome.status).toBe('dropped');
      expect(outcome.status === 'dropped' && outcome.error.code).toBe('ERR_INVALID_EVENT');
    }
    expect(topic.stored).toHaveLength(0);
    expect(publisher.stats().failed).toBe(6);
  });

  it('keeps the event id given by the caller across retries', async () => {
    const { topic, publisher } = make({ publishTimeoutMs: 30 });
    topic.mode = 'down';
    const outcome = await publisher.publish({ n: 1 }, 'agent_event', { eventId: 'my-id-1' });
    expect(outcome).toMatchObject({ status: 'buffered', eventId: 'my-id-1' });
    topic.mode = 'up';
    expect(await publisher.flush(2000)).toEqual({ flushed: true, pending: 0 });
    expect(topic.events.map((e) => e.event_id)).toEqual(['my-id-1']);
  });

  it('flush() waits for confirmation; close() drops what is left after its wait and refuses later publishes', async () => {
    const { topic, publisher, reported } = make({ publishTimeoutMs: 30 });
    topic.mode = 'hang';
    await publisher.publish({ n: 1 });
    expect(await publisher.flush(50)).toEqual({ flushed: false, pending: 1 });
    expect(await publisher.close(50)).toEqual({ flushed: false, dropped: 1 });
    expect(reported.at(-1)).toMatchObject({ code: 'ERR_PUBSUB_CLOSED', eventIds: [expect.any(String)] });
    const late = await publisher.publish({ n: 2 });
    expect(late.status === 'dropped' && late.error.code).toBe('ERR_PUBSUB_CLOSED');
    expect(publisher.stats()).toMatchObject({ state: 'closed', buffered: 0, failed: 2 });
  });

  it('logs through the logger, throttled, when no onError is given', async () => {
    const lines: string[] = [];
    const topic = new FakeTopic();
    topic.exists = false;
    const publisher = new PubSubEventPublisher({ topic, logger: { ...silentLogger, error: (line: string) => lines.push(line) } });
    publishers.push(publisher);
    for (let i = 0; i < 5; i += 1) await publisher.publish({ i });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('ERR_PUBSUB_TOPIC_NOT_FOUND');
    expect(lines[0]).toContain('projects/p/topics/fake-topic');
  });

  it('rejects bad options with ERR_INVALID_OPTION naming the option', () => {
    const topic = new FakeTopic();
    const bad: [Partial<PubSubEventPublisherOptions>, string][] = [
      [{}, '`topic`'],
      [{ topic, topicName: 'also' }, '`topic`'],
      [{ topic, publishTimeoutMs: 0 }, '`publishTimeoutMs`'],
      [{ topic, maxBufferedEvents: -1 }, '`maxBufferedEvents`'],
      [{ topic, maxBufferedEvents: 0 }, '`maxBufferedEvents`'],
      [{ topic, maxBufferedBytes: 1.5 }, '`maxBufferedBytes`'],
      [{ topic, maxEventBytes: 20_000_000, maxBufferedBytes: 50_000_000 }, '`maxEventBytes`'],
      [{ topic, retryInitialDelayMs: 500, retryMaxDelayMs: 100 }, '`retryMaxDelayMs`'],
      [{ topic, batching: { maxMessages: 0 } }, '`batching.maxMessages`'],
      [{ topic, maxBufferedEvent: 5 } as never, '`maxBufferedEvent` (did you mean `maxBufferedEvents`?'],
      [{ topic, batching: { maxMesages: 5 } } as never, '`batching.maxMesages` (did you mean `batching.maxMessages`?'],
      [{ topic, onError: 'log' } as never, '`onError`'],
    ];
    for (const [options, name] of bad) {
      let caught: unknown;
      try {
        new PubSubEventPublisher(options as PubSubEventPublisherOptions);
      } catch (error) {
        caught = error;
      }
      expect(StatusMessengerError.isInstance(caught, 'ERR_INVALID_OPTION')).toBe(true);
      expect((caught as Error).message).toContain(name);
    }
  });

  it('publishes a message built elsewhere as it is, and says at once when it could not hold it', async () => {
    const { topic, publisher } = make({ maxBufferedEvents: 2 });
    const message = (n: number): EventTopicMessage => ({ data: Buffer.from(`{"n":${n}}`), attributes: {}, orderingKey: 's' });
    topic.mode = 'hang';
    const held = [publisher[kPublishMessage](message(1), 'm1'), publisher[kPublishMessage](message(2), 'm2')];
    expect(held.every((outcome) => outcome instanceof Promise)).toBe(true);
    expect(publisher[kPublishMessage](message(3), 'm3')).toBeUndefined();
    expect(publisher.stats()).toMatchObject({ accepted: 2, overflowed: 1 });
    topic.mode = 'up';
    const { topic: open, publisher: other } = make();
    await expect(other[kPublishMessage](message(4), 'm4')).resolves.toMatchObject({ status: 'published', eventId: 'm4' });
    expect(open.stored.map(({ message: m }) => [m.data.toString(), m.orderingKey, m.attributes])).toEqual([['{"n":4}', 's', {}]]);
  });

  it('keeps PUBLISHER_DEFAULTS frozen', () => {
    expect(Object.isFrozen(PUBLISHER_DEFAULTS)).toBe(true);
    expect(() => {
      (PUBLISHER_DEFAULTS as { publishTimeoutMs: number }).publishTimeoutMs = 1;
    }).toThrow(TypeError);
  });
});
