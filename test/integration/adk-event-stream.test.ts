/**
 * Statuses in ADK's own event stream with a plain `runner.runAsync` (no wrapper, no hub), and
 * the feature detection of the stream's channel.
 */
import { FunctionTool, InMemoryRunner, InMemorySessionService, isFinalResponse, LlmAgent, Runner } from '@google/adk';
import type { App, Context, Event } from '@google/adk';
import { z } from 'zod';
import { openToolCall } from '../../src/binding/routes.js';
import { streamTarget } from '../../src/binding/status-run.js';
import { emitStatusEvent } from '../../src/destinations/adk-event-stream.js';
import { STATUS_EVENT_METADATA_KEY, toStatusPayload } from '../../src/protocol.js';
import { addStatusMessage } from '../../src/tools/add-status-message.js';
import { setDefaultLogger, silentLogger } from '../../src/logger.js';
import type { Logger } from '../../src/logger.js';
import { StatusPlugin } from '../../src/plugins/status-plugin.js';
import { createStatusMessageTool, statusMessageTool } from '../../src/tools/status-message-tool.js';
import { RESEARCH_QUESTION, RESEARCH_TEAM_STATUSES } from '../support/research-team-statuses.js';
import { callTools, reply, ScriptedLlm } from '../support/scripted-llm.js';

const userMessage = (text: string) => ({ role: 'user', parts: [{ text }] });
const statusOf = (event: Event) => event.customMetadata?.[STATUS_EVENT_METADATA_KEY] as Record<string, unknown> | undefined;

async function drain(events: AsyncIterable<Event>): Promise<Event[]> {
  const out: Event[] = [];
  for await (const event of events) out.push(event);
  return out;
}

describe('statuses in the ADK event stream of a plain runner.runAsync', () => {
  it('yields the example app’s tool and plugin statuses as partial events, in order, never stored', async () => {
    process.env.OFFLINE_DELAY_MS = '0';
    process.env.CHAT_MODEL = 'offline';
    const { app } = (await import('../../examples/adk-devtools/agents/app.js')) as { app: App };
    const runner = new Runner({ app, appName: 'app', agent: app.rootAgent, sessionService: new InMemorySessionService() });
    await runner.sessionService.createSession({ appName: 'app', userId: 'u', sessionId: 'plain-1' });
    const events = await drain(runner.runAsync({ userId: 'u', sessionId: 'plain-1', newMessage: userMessage(RESEARCH_QUESTION) }));
    const statusEvents = events.filter((event) => statusOf(event));
    expect(statusEvents.map((event) => statusOf(event)!.data)).toEqual(RESEARCH_TEAM_STATUSES.map((s) => s.data));
    for (const event of statusEvents) {
      expect(event.partial).toBe(true);
      expect(event.content).toBeUndefined();
      expect(event.invocationId).toBe(events[0]!.invocationId);
    }
    expect(events.findIndex((event) => isFinalResponse(event) && event.author === 'search_support_agent')).toBeGreaterThan(
      events.indexOf(statusEvents.at(-1)!),
    );
    const stored = await runner.sessionService.getSession({ appName: 'app', userId: 'u', sessionId: 'plain-1' });
    expect(stored!.events.filter((event) => statusOf(event) || event.partial)).toEqual([]);
    // Nothing of a status reaches the model: no stored content mentions one.
    expect(JSON.stringify(stored!.events)).not.toContain('Search finished');
  });

  it('reaches the stream from addStatusMessage inside an instrumented tool, cut to length, and the tool says so', async () => {
    const results: unknown[] = [];
    const slow = new FunctionTool({
      name: 'slow_step',
      description: 'works',
      parameters: z.object({}),
      execute: () => ({ shown: addStatusMessage('x'.repeat(2000)) }),
    });
    const tool = createStatusMessageTool({ maxLength: 40 });
    const model = new ScriptedLlm(({ step, functionResponses }) => {
      results.push(...functionResponses.map((r) => r.response));
      if (step === 0) return callTools({ name: 'slow_step' });
      if (step === 1) return callTools({ name: 'status_message', args: { message: 'y'.repeat(100) } });
      return reply('done');
    });
    const agent = new LlmAgent({ name: 'solo', model, instruction: 'x', tools: [slow, tool] });
    const plugin = new StatusPlugin({ throttleMs: 0, defaults: { start: false, done: false } });
    const undo = plugin.instrument(agent);
    const runner = new InMemoryRunner({ agent, appName: 'cut', plugins: [plugin] });
    await runner.sessionService.createSession({ appName: 'cut', userId: 'u', sessionId: 'cut-1' });
    const events = await drain(runner.runAsync({ userId: 'u', sessionId: 'cut-1', newMessage: userMessage('go') }));
    undo();
    const texts = events.filter((event) => statusOf(event)).map((event) => statusOf(event)!.data as string);
    expect(texts).toHaveLength(2);
    expect(texts[0]).toHaveLength(500);
    expect(texts[0]!.endsWith('…')).toBe(true);
    expect(texts[1]).toHaveLength(40);
    expect(texts[1]!.endsWith('…')).toBe(true);
    expect(results[0]).toEqual({ shown: true });
    expect(results[1]).toMatchObject({ status: 'delivered', via: 'event_stream', truncated: true, note: expect.stringContaining('40') });
  });

  it('keeps statuses out of the stream with eventStream: false', async () => {
    const tool = createStatusMessageTool({ eventStream: false, logger: silentLogger });
    const model = new ScriptedLlm(({ step }) => (step === 0 ? callTools({ name: 'status_message', args: { message: 'hidden' } }) : reply('ok')));
    const agent = new LlmAgent({ name: 'solo', model, instruction: 'x', tools: [tool, statusMessageTool].slice(0, 1) });
    const runner = new InMemoryRunner({ agent, appName: 'off', plugins: [new StatusPlugin({ eventStream: false })] });
    await runner.sessionService.createSession({ appName: 'off', userId: 'u', sessionId: 'off-1' });
    const events = await drain(runner.runAsync({ userId: 'u', sessionId: 'off-1', newMessage: userMessage('go') }));
    expect(events.filter((event) => statusOf(event))).toEqual([]);
  });
});

describe('emitStatusEvent feature detection', () => {
  const meta = toStatusPayload({ message: 'Working…', agent: 'a' });
  const ctx = (invocationContext: Record<string, unknown>) =>
    ({ invocationId: 'inv-1', agentName: 'a', userId: 'u', sessionId: 's', invocationContext: { invocationId: 'inv-1', ...invocationContext } }) as unknown as Context;

  it('uses invocationContext.enqueueEvent (ADK 2.2) when present', () => {
    const seen: Event[] = [];
    expect(emitStatusEvent(ctx({ enqueueEvent: async (event: Event) => void seen.push(event), eventQueue: { push: () => { throw new Error('not this'); } } }), meta)).toBe(true);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ partial: true, author: 'a', invocationId: 'inv-1', customMetadata: { status_messenger: { type: 'status', data: 'Working…' } } });
  });

  it('pushes into invocationContext.eventQueue (ADK 2.0), and not into a closed one', () => {
    const seen: Event[] = [];
    expect(emitStatusEvent(ctx({ eventQueue: { push: (event: Event) => seen.push(event), isClosed: false } }), meta)).toBe(true);
    expect(emitStatusEvent(ctx({ eventQueue: { push: (event: Event) => seen.push(event), isClosed: true } }), meta)).toBe(false);
    expect(seen).toHaveLength(1);
  });

  it('takes a sub-run’s status to the open enclosing call, unless that call’s run is gone', () => {
    const outer: Event[] = [];
    const inner: Event[] = [];
    const parent = { invocationId: 'inv-parent', agentName: 'p', userId: 'u', sessionId: 's', invocationContext: { invocationId: 'inv-parent', eventQueue: { push: (e: Event) => outer.push(e), isClosed: false } } } as unknown as Context;
    const child = ctx({ eventQueue: { push: (e: Event) => inner.push(e), isClosed: false } });
    const close = openToolCall(parent);
    try {
      expect(emitStatusEvent(streamTarget(child)!, meta)).toBe(true);
      expect([outer.length, inner.length]).toEqual([1, 0]);
      expect(outer[0]!.invocationId).toBe('inv-parent');
      (parent.invocationContext as unknown as { eventQueue: { isClosed: boolean } }).eventQueue.isClosed = true;
      expect(emitStatusEvent(streamTarget(child)!, meta)).toBe(true);
      expect([outer.length, inner.length]).toEqual([1, 1]);
    } finally {
      close();
    }
  });

  it('skips with one debug line where neither exists', () => {
    const debug: string[] = [];
    const logger: Logger = { ...silentLogger, debug: (message: string) => debug.push(message) };
    setDefaultLogger(logger);
    try {
      expect(emitStatusEvent(ctx({}), meta)).toBe(false);
      expect(emitStatusEvent(ctx({}), meta)).toBe(false);
    } finally {
      setDefaultLogger(silentLogger);
    }
    expect(debug).toHaveLength(1);
    expect(debug[0]).toContain('enqueueEvent');
  });
});

afterAll(() => setDefaultLogger(silentLogger));
