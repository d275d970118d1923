/**
 * StatusPlugin's lifecycle events on the REAL Pub/Sub emulator: one producer per event, all of a
 * run's events on one ordering key, read back from a subscription in the order they happened.
 */
import { AgentTool, FunctionTool, InMemoryRunner, LlmAgent } from '@google/adk';
import type { Event } from '@google/adk';
import { z } from 'zod';
import { PubSubEventPublisher } from '../../src/events/pubsub-event-publisher.js';
import { silentLogger } from '../../src/logger.js';
import { StatusPlugin } from '../../src/plugins/status-plugin.js';
import { runWithStatus } from '../../src/runner/run-with-status.js';
import { statusMessageTool } from '../../src/tools/status-message-tool.js';
import { startHubServer } from '../support/hub-server.js';
import { describeIfEmulator } from '../support/pubsub-emulator.js';
import { createTopicAndSubscription, pullEvents, TEST_PROJECT, uniqueId } from '../support/pubsub-pull.js';
import { callTools, reply, ScriptedLlm } from '../support/scripted-llm.js';

const tool = (name: string, fail = false) =>
  new FunctionTool({
    name,
    description: name,
    parameters: z.object({ query: z.string().optional() }),
    execute: () => {
      if (fail) throw new Error('backend down');
      return { ok: true };
    },
  });

describeIfEmulator('StatusPlugin lifecycle events on Pub/Sub', () => {
  it('arrive on a subscription in order, one per event, with the run’s ids', async () => {
    const topicId = uniqueId('plugin-events');
    const subscription = await createTopicAndSubscription(topicId);
    const publisher = new PubSubEventPublisher({ topicName: topicId, projectId: TEST_PROJECT, logger: silentLogger });

    const helper = new LlmAgent({
      name: 'helper',
      description: 'helps',
      model: new ScriptedLlm(({ step }) => (step === 0 ? callTools({ name: 'fetch_page' }) : reply('helped'))),
      instruction: 'help',
      tools: [tool('fetch_page')],
    });
    const billing = new LlmAgent({ name: 'billing', description: 'bills', model: new ScriptedLlm(() => reply('billed')), instruction: 'bill' });
    const script = [
      callTools({ name: 'status_message', args: { message: 'Planning' } }),
      callTools({ name: 'lookup', args: { query: 'laptops' } }),
      callTools({ name: 'broken' }),
      callTools({ name: 'helper', args: { request: 'x' } }),
      callTools({ name: 'transfer_to_agent', args: { agentName: 'billing' } }),
    ];
    const root = new LlmAgent({
      name: 'front',
      model: new ScriptedLlm(({ step }) => script[step] ?? reply('done')),
      instruction: 'route',
      tools: [statusMessageTool, tool('lookup'), tool('broken', true), new AgentTool({ agent: helper })],
      subAgents: [billing],
    });
    const plugin = new StatusPlugin({
      throttleMs: 0,
      publishEvent: (event) => publisher.publish(event.data, event.type, { websocketSessionId: event.statusSessionId ?? null, ids: event.adk }),
    });
    const undo = plugin.instrument(root);
    const runner = new InMemoryRunner({ agent: root, appName: 'plugin_pubsub', plugins: [plugin] });
    await runner.sessionService.createSession({ appName: 'plugin_pubsub', userId: 'u1', sessionId: 'adk-1' });
    const srv = await startHubServer();
    const events: Event[] = [];
    for await (const event of runWithStatus(runner, {
      hub: srv.hub,
      statusSessionId: 'browser-1',
      userId: 'u1',
      sessionId: 'adk-1',
      newMessage: { role: 'user', parts: [{ text: 'go' }] },
    })) {
      events.push(event);
    }
    undo();
    await publisher.close(10_000);
    await srv.close();

    const received = await pullEvents(subscription, { expected: 12, idleMs: 3000 });
    const sequence = received.map(({ event }) => `${event.event_type}:${String((event.data as Record<string, unknown>).tool ?? (event.data as Record<string, unknown>).to ?? (event.data as Record<string, unknown>).agent)}`);
    expect(sequence).toEqual([
      'run_start:front',
      'tool_call:lookup',
      'tool_result:lookup',
      'tool_call:broken',
      'tool_error:broken',
      'tool_call:helper',
      'tool_call:fetch_page',
      'tool_result:fetch_page',
      'tool_result:helper',
      'agent_transfer:billing',
      'run_end:front',
    ]);
    expect(new Set(received.map((r) => r.orderingKey))).toEqual(new Set(['browser-1']));
    const nested = received.find((r) => r.event.event_type === 'tool_call' && (r.event.data as { tool: string }).tool === 'fetch_page')!.event;
    expect(nested).toMatchObject({ websocket_session_id: 'browser-1', app_name: 'plugin_pubsub', user_id: 'u1', adk_session_id: 'adk-1', agent: 'helper' });
    expect(new Set(received.map((r) => r.event.event_id)).size).toBe(received.length);
    console.log(`plugin lifecycle on Pub/Sub: ${received.length} events in order: ${sequence.join(' → ')}`);
  }, 60_000);
});
