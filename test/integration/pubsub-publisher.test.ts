/**
 * Agent events on the REAL Cloud Pub/Sub emulator (started by the jest global setup): every
 * envelope field read back from a real subscription, from a real ADK run; 1,000 events over 10
 * sessions in order; deadlines against a wrong port and a silent server; a missing topic; the
 * status mirror; the env configuration end to end.
 */
import { InMemoryRunner, isFinalResponse, LlmAgent } from '@google/adk';
import { PubSub } from '@google-cloud/pubsub';
import type { Event } from '@google/adk';
import { once } from 'node:events';
import net from 'node:net';
import { withStatusSession } from '../../src/runner/run-with-status.js';
import { setDefaultEventPublisher } from '../../src/events/publish-agent-event.js';
import type { EventTopic } from '../../src/events/event-topic.js';
import { mirrorStatusesToPubSub } from '../../src/events/mirror-statuses-to-pubsub.js';
import { publishAgentEvent } from '../../src/events/publish-agent-event.js';
import { createPublishAgentEventTool, publishAgentEventTool } from '../../src/tools/publish-agent-event-tool.js';
import type { PublishToolResult } from '../../src/tools/publish-agent-event-tool.js';
import { PubSubEventPublisher } from '../../src/events/pubsub-event-publisher.js';
import type { PubSubEventPublisherOptions } from '../../src/events/publisher-options.js';
import type { PublishOutcome } from '../../src/events/publisher-options.js';
import type { AdapterHost, HubAdapter } from '../../src/hub/adapters/hub-adapter.js';
import { StatusHub } from '../../src/hub/status-hub.js';
import { silentLogger } from '../../src/logger.js';
import { runWithStatus } from '../../src/runner/run-with-status.js';
import { statusMessageTool } from '../../src/tools/status-message-tool.js';
import { describeIfEmulator, freePort } from '../support/pubsub-emulator.js';
import { startTcpGate } from '../support/tcp-gate.js';
import { createTopicAndSubscription, pullEvents, TEST_PROJECT, uniqueId } from '../support/pubsub-pull.js';
import { callTools, reply, ScriptedLlm } from '../support/scripted-llm.js';

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

async function drain(events: AsyncIterable<Event>): Promise<Event[]> {
  const out: Event[] = [];
  for await (const event of events) out.push(event);
  return out;
}

describeIfEmulator('Agent events on the real Pub/Sub emulator', () => {
  const publishers: PubSubEventPublisher[] = [];
  function publisherFor(topicName: string, options: Partial<PubSubEventPublisherOptions> = {}): PubSubEventPublisher {
    const publisher = new PubSubEventPublisher({ topicName, projectId: TEST_PROJECT, logger: silentLogger, ...options });
    publishers.push(publisher);
    return publisher;
  }
  afterEach(async () => {
    await Promise.all(publishers.splice(0).map((publisher) => publisher.close(2000)));
    setDefaultEventPublisher(undefined);
  });

  it('publishes from a real ADK run: every envelope field, attribute and the ordering key read back from a subscription', async () => {
    const topicId = uniqueId('envelope');
    const subscription = await createTopicAndSubscription(topicId);
    const publisher = publisherFor(topicId);
    const hub = new StatusHub({ logger: silentLogger });
    const stopMirror = mirrorStatusesToPubSub(hub, { publisher });
    const toolResults: PublishToolResult[] = [];
    const model = new ScriptedLlm(({ step, functionResponses }) => {
      if (step === 0) {
        return callTools(
          { name: 'status_message', args: { message: 'Placing the order…' } },
          { name: 'publish_agent_event', args: { event_type: 'order_placed', event_data_json: '{"item_id":"XYZ123","quantity":2}' } },
        );
      }
      for (const response of functionResponses) {
        if (response.name === 'publish_agent_event') toolResults.push(response.response as PublishToolResult);
      }
      return reply('Your order is placed.');
    });
    const agent = new LlmAgent({ name: 'shop_agent', model, instruction: 'sell', tools: [statusMessageTool, createPublishAgentEventTool({ publisher })] });
    const runner = new InMemoryRunner({ agent, appName: 'shop_app' });
    await runner.sessionService.createSession({ appName: 'shop_app', userId: 'user-7', sessionId: 'adk-session-7' });

    const events = await drain(
      runWithStatus(runner, { hub, statusSessionId: 'browser-7', userId: 'user-7', sessionId: 'adk-session-7', newMessage: { role: 'user', parts: [{ text: 'buy' }] } }),
    );
    expect(events.filter((event) => isFinalResponse(event))).toHaveLength(1);
    const invocationId = events[0]!.invocationId;
    // Outside any run: the seed's call, session from the binding only.
    const plainId = await withStatusSession({ sessionId: 'browser-8' }, () => publishAgentEvent({ note: 'plain' }, undefined, { publisher }));
    expect(plainId).toMatch(/^\d+$/);
    stopMirror();
    hub.send('browser-7', 'not mirrored: the mirror is off');
    await publisher.flush(5000);

    const received = await pullEvents(subscription, { expected: 5, idleMs: 1500 }); // a 5th would be a bug
    expect(received).toHaveLength(4);
    const byType = Object.fromEntries(received.map((message) => [message.event.event_type, message]));

    expect(toolResults).toEqual([{ status: 'published', event_id: expect.stringMatching(UUID), message_id: expect.any(String) }]);
    const order = byType.order_placed!;
    expect(order.messageId).toBe(toolResults[0]!.status === 'published' ? toolResults[0]!.message_id : '');
    expect(order.orderingKey).toBe('browser-7');
    expect(order.attributes).toEqual({ event_type: 'order_placed', websocket_session_id: 'browser-7' });
    expect(order.event).toEqual({
      websocket_session_id: 'browser-7',
      event_type: 'order_placed',
      timestamp: expect.stringMatching(ISO),
      data: { item_id: 'XYZ123', quantity: 2 },
      event_id: toolResults[0]!.status === 'published' ? toolResults[0]!.event_id : '',
      app_name: 'shop_app',
      user_id: 'user-7',
      adk_session_id: 'adk-session-7',
      invocation_id: invocationId,
      agent: 'shop_agent',
    });
    expect(invocationId).toMatch(/^e-/);
    expect(Math.abs(Date.parse(order.event.timestamp) - Date.now())).toBeLessThan(60_000);

    // Two mirrored statuses: the tool's, then the end of the run that runWithStatus sends.
    const [status, runEnd] = received.filter((message) => message.event.event_type === 'status_message');
    expect(runEnd!.event).toMatchObject({
      data: { message: 'Done', seq: 2, level: 'success', state: 'done' },
      app_name: 'shop_app',
      user_id: 'user-7',
      adk_session_id: 'adk-session-7',
    });
    expect(status!.attributes).toEqual({ event_type: 'status_message', websocket_session_id: 'browser-7' });
    expect(status!.event).toEqual({
      websocket_session_id: 'browser-7',
      event_type: 'status_message',
      timestamp: expect.stringMatching(ISO),
      data: { message: 'Placing the order…', seq: 1, agent: 'shop_agent' },
      event_id: expect.stringMatching(UUID),
      app_name: 'shop_app',
      user_id: 'user-7',
      adk_session_id: 'adk-session-7',
    });

    const plain = byType.agent_event!;
    expect(plain.messageId).toBe(plainId);
    expect(plain.orderingKey).toBe('browser-8');
    expect(plain.event).toEqual({
      websocket_session_id: 'browser-8',
      event_type: 'agent_event',
      timestamp: expect.stringMatching(ISO),
      data: { note: 'plain' },
      event_id: expect.stringMatching(UUID),
    });
    await hub.close();
  });

  it('delivers 1,000 events over 10 sessions, each session in publish order', async () => {
    const topicId = uniqueId('order');
    const subscription = await createTopicAndSubscription(topicId);
    const publisher = publisherFor(topicId);
    const started = Date.now();
    const outcomes: Promise<PublishOutcome>[] = [];
    for (let seq = 0; seq < 100; seq += 1) {
      for (let session = 0; session < 10; session += 1) {
        outcomes.push(withStatusSession({ sessionId: `order-s${session}` }, () => publisher.publish({ seq }, 'tick')));
      }
    }
    const settled = await Promise.all(outcomes);
    const publishMs = Date.now() - started;
    expect(settled.filter((o) => o.status !== 'published')).toEqual([]);

    const received = await pullEvents(subscription, { expected: 1000 });
    const unique = new Map(received.map((message) => [message.event.event_id, message]));
    expect(unique.size).toBe(1000);
    for (let session = 0; session < 10; session += 1) {
      const mine = received.filter((message) => message.event.websocket_session_id === `order-s${session}`);
      expect(mine.every((message) => message.orderingKey === `order-s${session}`)).toBe(true);
      expect(mine.map((message) => (message.event.data as { seq: number }).seq)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    }
    console.log(
      `[pubsub] 1,000 events over 10 sessions: published in ${publishMs} ms, received ${received.length} ` +
        `(${unique.size} unique), every session in publish order`,
    );
  }, 60_000);

  it('settles every publish within its deadline when the endpoint is a wrong port or a server that never answers', async () => {
    const accepted = new Set<net.Socket>();
    const silent = net.createServer((socket) => accepted.add(socket)); // accepts, never answers (nodejs-pubsub #436)
    silent.listen(0, '127.0.0.1');
    await once(silent, 'listening');
    const targets = {
      'wrong port': `127.0.0.1:${await freePort()}`,
      'silent server': `127.0.0.1:${(silent.address() as net.AddressInfo).port}`,
    };
    const deadline = 1000;
    for (const [label, apiEndpoint] of Object.entries(targets)) {
      const reported: string[] = [];
      const publisher = publisherFor('events-topic', {
        clientConfig: { apiEndpoint },
        publishTimeoutMs: deadline,
        rpcTimeoutMs: 2000,
        onError: (error) => reported.push(error.code),
      });
      const times = await Promise.all(
        Array.from({ length: 20 }, async (_, i) => {
          const started = Date.now();
          const outcome = await publisher.publish({ i });
          expect(outcome.status === 'buffered' && outcome.error.code).toBe('ERR_PUBSUB_TIMEOUT');
          return Date.now() - started;
        }),
      );
      const slowest = Math.max(...times);
      expect(slowest).toBeGreaterThanOrEqual(deadline - 5);
      expect(slowest).toBeLessThan(deadline * 3); // the deadline's own timer; lateness is a bench figure
      expect(publisher.stats()).toMatchObject({ buffered: 20, timedOut: 20, published: 0 });
      const closed = await publisher.close(200);
      expect(closed).toEqual({ flushed: false, dropped: 20 });
      expect(reported).toContain('ERR_PUBSUB_CLOSED');
      console.log(`[pubsub] ${label}: 20 publishes settled in ${Math.min(...times)}–${slowest} ms (deadline ${deadline} ms); close() dropped and reported ${closed.dropped}`);
    }
    for (const socket of accepted) socket.destroy();
    silent.close();
  }, 30_000);

  it('fails fast with ERR_PUBSUB_TOPIC_NOT_FOUND when the topic does not exist, and can create it when asked', async () => {
    const reported: string[] = [];
    // Through a gate: after the first publish found the topic missing, Pub/Sub goes silent, so a
    // second publish that asked Pub/Sub again could only time out (not say the topic is missing).
    const [host, port] = process.env.PUBSUB_EMULATOR_HOST!.split(':');
    const gate = await startTcpGate(host!, Number(port));
    const publishTimeoutMs = 3000;
    const missing = publisherFor(uniqueId('missing'), {
      clientConfig: { apiEndpoint: `127.0.0.1:${gate.port}` },
      publishTimeoutMs,
      onError: (error) => reported.push(error.code),
    });
    try {
      let started = Date.now();
      const first = await missing.publish({ n: 1 });
      const firstMs = Date.now() - started;
      gate.silence();
      started = Date.now();
      const second = await missing.publish({ n: 2 });
      const secondMs = Date.now() - started;
      for (const outcome of [first, second]) expect(outcome.status === 'dropped' && outcome.error.code).toBe('ERR_PUBSUB_TOPIC_NOT_FOUND');
      expect(reported).toEqual(['ERR_PUBSUB_TOPIC_NOT_FOUND', 'ERR_PUBSUB_TOPIC_NOT_FOUND']);
      expect(firstMs).toBeLessThan(publishTimeoutMs);
      expect(secondMs).toBeLessThan(publishTimeoutMs / 3); // ~0 ms alone: answered from what the first check learnt
      expect(missing.stats().state).toBe('topic_missing');
      console.log(`[pubsub] missing topic: first publish failed in ${firstMs} ms (client start + one check), the next in ${secondMs} ms with Pub/Sub silent`);
    } finally {
      await missing.close(500);
      await gate.dispose();
    }

    const creating = publisherFor(uniqueId('created'), { createTopicIfMissing: true });
    expect((await creating.publish({ n: 1 })).status).toBe('published');
  }, 30_000);

  it('publishes through an injected @google-cloud/pubsub Topic and leaves its client open on close()', async () => {
    const topicId = uniqueId('injected');
    const subscription = await createTopicAndSubscription(topicId);
    const client = new PubSub({ projectId: TEST_PROJECT });
    const topic: EventTopic = client.topic(topicId, { messageOrdering: true });
    const publisher = new PubSubEventPublisher({ topic, logger: silentLogger });
    const outcome = await withStatusSession({ sessionId: 'inj-1' }, () => publisher.publish({ injected: true }));
    expect(outcome.status).toBe('published');
    await publisher.close(2000);
    expect((await client.topic(topicId).publishMessage({ data: Buffer.from('{}') })).length).toBeGreaterThan(0);
    const received = await pullEvents(subscription, { expected: 2 });
    expect(received[0]!.event).toMatchObject({ websocket_session_id: 'inj-1', data: { injected: true } });
    expect(received[0]!.orderingKey).toBe('inj-1');
    await client.close();
  }, 30_000);

  it('does not mirror statuses relayed from another instance', async () => {
    const topicId = uniqueId('relay');
    const subscription = await createTopicAndSubscription(topicId);
    const publisher = publisherFor(topicId);
    let host: AdapterHost | undefined;
    const adapter: HubAdapter = { attach: (h) => void (host = h), published: () => {}, close: () => {} };
    const hub = new StatusHub({ logger: silentLogger, adapter });
    const stop = mirrorStatusesToPubSub(hub, { publisher });
    const frame = { type: 'status' as const, data: 'from another instance', seq: 1, ts: new Date().toISOString() };
    host!.deliver({ sessionId: 'relayed-s', epoch: 'e1', seq: 1, frame, origin: 'instance-b' });
    hub.send('local-s', { message: 'made here', level: 'success', progress: 50 });
    await publisher.flush(5000);
    const received = await pullEvents(subscription, { expected: 2, idleMs: 1500 });
    expect(received.map((message) => message.event.data)).toEqual([{ message: 'made here', seq: 1, level: 'success', progress: 50 }]);
    stop();
    await hub.close();
  }, 30_000);

  it('publishes through the seed env configuration (lazy default publisher, dynamic import of the client)', async () => {
    const topicId = uniqueId('env');
    const subscription = await createTopicAndSubscription(topicId);
    const keys = ['STATUS_MESSENGER_PUBSUB_ENABLED', 'GOOGLE_CLOUD_PROJECT', 'STATUS_MESSENGER_PUBSUB_TOPIC_ID'] as const;
    const saved = keys.map((key) => process.env[key]);
    Object.assign(process.env, { STATUS_MESSENGER_PUBSUB_ENABLED: 'true', GOOGLE_CLOUD_PROJECT: TEST_PROJECT, STATUS_MESSENGER_PUBSUB_TOPIC_ID: topicId });
    setDefaultEventPublisher(undefined);
    try {
      const messageId = await withStatusSession({ sessionId: 'env-s' }, () => publishAgentEvent({ from: 'env' }, 'env_event'));
      expect(messageId).toMatch(/^\d+$/);
      const result = await (publishAgentEventTool as unknown as { runAsync(r: { args: object; toolContext: unknown }): Promise<unknown> }).runAsync({
        args: { event_type: 'tool_event', event_data_json: '[1,2]' },
        toolContext: undefined,
      });
      expect(result).toMatchObject({ status: 'published' });
      const received = await pullEvents(subscription, { expected: 2 });
      expect(received.map((m) => [m.messageId === messageId, m.event.event_type, m.event.data, m.event.websocket_session_id])).toEqual([
        [true, 'env_event', { from: 'env' }, 'env-s'],
        [false, 'tool_event', [1, 2], null],
      ]);
    } finally {
      await setDefaultEventPublisher(undefined)?.close(2000);
      keys.forEach((key, i) => (saved[i] === undefined ? delete process.env[key] : (process.env[key] = saved[i])));
    }
  }, 30_000);
});
