import { AgentTool, FunctionTool, InMemoryRunner, isFinalResponse, LlmAgent } from '@google/adk';
import type { Event } from '@google/adk';
import { z } from 'zod';
import { AsyncResource } from 'node:async_hooks';
import { currentStatusSession } from '../../src/binding/context.js';
import { StatusHub } from '../../src/hub/status-hub.js';
import { setDefaultLogger, silentLogger } from '../../src/logger.js';
import type { Logger } from '../../src/logger.js';
import { runWithStatus, withStatusSession } from '../../src/runner/run-with-status.js';
import { addStatusMessage } from '../../src/tools/add-status-message.js';
import { createStatusMessageTool, statusMessageTool } from '../../src/tools/status-message-tool.js';
import { startHubServer, TestClient } from '../support/hub-server.js';
import type { HubServer } from '../support/hub-server.js';
import { callTools, reply, ScriptedLlm } from '../support/scripted-llm.js';

const APP = 'status_test';
type ToolRunner = { runAsync(request: { args: Record<string, unknown>; toolContext: unknown }): Promise<unknown> };
const userMessage = (text: string) => ({ role: 'user', parts: [{ text }] });

async function drain(events: AsyncIterable<Event>): Promise<Event[]> {
  const out: Event[] = [];
  for await (const event of events) out.push(event);
  return out;
}

const until = async (condition: () => boolean): Promise<void> => {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
};

function recordingLogger(): Logger & { warnings: string[] } {
  const warnings: string[] = [];
  return { ...silentLogger, warnings, warn: (message: string) => warnings.push(message) };
}

describe('runWithStatus', () => {
  let srv: HubServer;
  beforeEach(async () => {
    srv = await startHubServer({ maxSockets: 5000, maxSocketsPerSession: 4 });
  });
  afterEach(async () => {
    await srv.close();
  });

  it('routes every status of 1,000 concurrent runs to its own socket only, in order', async () => {
    const SESSIONS = 1000;
    // Two statuses per run, then a reply: the model reads the session number from the user text.
    const model = new ScriptedLlm(
      ({ userText, step }) =>
        step < 2 ? callTools({ name: 'status_message', args: { message: `${userText}:${step + 1}` } }) : reply(`done ${userText}`),
      { delayMs: 5 },
    );
    const agent = new LlmAgent({ name: 'worker', model, instruction: 'work', tools: [statusMessageTool] });
    const runner = new InMemoryRunner({ agent, appName: APP });

    const ids = Array.from({ length: SESSIONS }, (_, i) => `s${i}`);
    const clients = await Promise.all(ids.map((id) => TestClient.open(srv.url(id))));
    const idle = await TestClient.open(srv.url('idle-session'));

    const finals = await Promise.all(
      ids.map(async (id) => {
        await runner.sessionService.createSession({ appName: APP, userId: 'u', sessionId: id });
        const events = await drain(runWithStatus(runner, { hub: srv.hub, userId: 'u', sessionId: id, newMessage: userMessage(id) }));
        return events.filter((event) => isFinalResponse(event)).length;
      }),
    );
    expect(finals.every((count) => count === 1)).toBe(true);

    // Each run's end status comes after everything it showed.
    await Promise.all(clients.map((client) => client.waitFor((c) => c.runEnds.length === 1)));
    let misrouted = 0;
    clients.forEach((client, i) => {
      const expected = [`s${i}:1`, `s${i}:2`];
      if (JSON.stringify(client.statusTexts) !== JSON.stringify(expected)) misrouted += 1;
      expect(client.statuses.map((frame) => frame.seq)).toEqual([1, 2]);
      expect(client.statuses[0]!.agent).toBe('worker');
    });
    expect(misrouted).toBe(0);
    expect(idle.statuses).toHaveLength(0);
    console.log(`1,000 concurrent runs through runWithStatus: ${SESSIONS * 2} statuses, misrouted: ${misrouted}`);
    await Promise.all([...clients, idle].map((client) => client.close()));
  }, 120_000);

  it('reaches the right socket from an AgentTool sub-agent, after transfer_to_agent, and from parallel calls', async () => {
    const researcher = new LlmAgent({
      name: 'researcher',
      description: 'Researches things',
      model: new ScriptedLlm(({ step }) =>
        step === 0 ? callTools({ name: 'status_message', args: { message: 'researcher: reading' } }) : reply('facts'),
      ),
      instruction: 'research',
      tools: [statusMessageTool],
    });
    const billing = new LlmAgent({
      name: 'billing',
      description: 'Handles billing',
      model: new ScriptedLlm(({ step }) =>
        step === 0 ? callTools({ name: 'status_message', args: { message: 'billing: checking invoice' } }) : reply('billed'),
      ),
      instruction: 'bill',
      tools: [statusMessageTool],
    });
    const coordinator = new LlmAgent({
      name: 'coordinator',
      model: new ScriptedLlm(({ step }) => {
        if (step === 0) {
          return callTools(
            { name: 'status_message', args: { message: 'parallel one' } },
            { name: 'status_message', args: { message: 'parallel two' } },
          );
        }
        if (step === 1) return callTools({ name: 'researcher', args: { request: 'look it up' } });
        return callTools({ name: 'transfer_to_agent', args: { agentName: 'billing' } });
      }),
      instruction: 'coordinate',
      tools: [statusMessageTool, new AgentTool({ agent: researcher })],
      subAgents: [billing],
    });
    const runner = new InMemoryRunner({ agent: coordinator, appName: APP });
    const mine = await TestClient.open(srv.url('mine'));
    const other = await TestClient.open(srv.url('other'));
    await runner.sessionService.createSession({ appName: APP, userId: 'u', sessionId: 'adk-1' });

    await drain(
      runWithStatus(runner, { hub: srv.hub, statusSessionId: 'mine', userId: 'u', sessionId: 'adk-1', newMessage: userMessage('go') }),
    );
    await mine.waitFor((c) => c.statuses.length >= 4);
    expect(mine.statusTexts).toEqual(['parallel one', 'parallel two', 'researcher: reading', 'billing: checking invoice']);
    expect(mine.statuses.map((frame) => frame.agent)).toEqual(['coordinator', 'coordinator', 'researcher', 'billing']);
    expect(other.statuses).toHaveLength(0);
    await Promise.all([mine.close(), other.close()]);
  });

  it('keeps the run bound when the consumer iterates inside a different binding', async () => {
    const model = new ScriptedLlm(({ step }) =>
      step === 0 ? callTools({ name: 'status_message', args: { message: 'bound to the run' } }) : reply('ok'),
    );
    const runner = new InMemoryRunner({ agent: new LlmAgent({ name: 'a', model, instruction: 'x', tools: [statusMessageTool] }), appName: APP });
    await runner.sessionService.createSession({ appName: APP, userId: 'u', sessionId: 'run-session' });
    const runSocket = await TestClient.open(srv.url('run-session'));
    const outerSocket = await TestClient.open(srv.url('outer-session'));

    const events = runWithStatus(runner, { hub: srv.hub, userId: 'u', sessionId: 'run-session', newMessage: userMessage('hi') });
    await withStatusSession({ hub: srv.hub, sessionId: 'outer-session' }, () => drain(events));

    await runSocket.waitFor((c) => c.statuses.length === 1);
    expect(runSocket.statusTexts).toEqual(['bound to the run']);
    // A marker sent after the run: anything misrouted to the outer session would be before it.
    srv.hub.send('outer-session', 'marker');
    await outerSocket.waitFor((c) => c.statusTexts.includes('marker'));
    expect(outerSocket.statusTexts).toEqual(['marker']);
    await Promise.all([runSocket.close(), outerSocket.close()]);
  });

  it('serialises runs of one ADK session so its history does not interleave', async () => {
    const model = new ScriptedLlm(
      ({ step, userText }) => (step === 0 ? callTools({ name: 'status_message', args: { message: userText } }) : reply(`re ${userText}`)),
      { delayMs: 20 },
    );
    const runner = new InMemoryRunner({ agent: new LlmAgent({ name: 'a', model, instruction: 'x', tools: [statusMessageTool] }), appName: APP });
    await runner.sessionService.createSession({ appName: APP, userId: 'u', sessionId: 'shared' });
    const run = (text: string) =>
      drain(runWithStatus(runner, { hub: srv.hub, userId: 'u', sessionId: 'shared', newMessage: userMessage(text) }));
    await Promise.all([run('one'), run('two'), run('three')]);

    const session = await runner.sessionService.getSession({ appName: APP, userId: 'u', sessionId: 'shared' });
    const authors = session!.events.map((event) => `${event.author}`);
    // Each run is user → model(call) → tool response → model(reply): four events, never mixed.
    expect(authors).toEqual(Array(3).fill(['user', 'a', 'a', 'a']).flat());
    const userTexts = session!.events.filter((event) => event.author === 'user').map((event) => event.content?.parts?.[0]?.text);
    expect(userTexts).toEqual(['one', 'two', 'three']);
  });

  it('tells the model status is unavailable outside any binding and event stream, warns once, and the run completes', async () => {
    const logger = recordingLogger();
    const tool = createStatusMessageTool({ logger, eventStream: false });
    const results: unknown[] = [];
    const model = new ScriptedLlm(({ step, functionResponses }) => {
      if (functionResponses.length > 0) results.push(functionResponses[0]!.response);
      return step < 2 ? callTools({ name: 'status_message', args: { message: `try ${step}` } }) : reply('finished anyway');
    });
    const runner = new InMemoryRunner({ agent: new LlmAgent({ name: 'a', model, instruction: 'x', tools: [tool] }), appName: APP });
    await runner.sessionService.createSession({ appName: APP, userId: 'u', sessionId: 'unbound' });
    const events = await drain(runner.runAsync({ userId: 'u', sessionId: 'unbound', newMessage: userMessage('hi') }));

    expect(events.some((event) => isFinalResponse(event) && event.content?.parts?.[0]?.text === 'finished anyway')).toBe(true);
    expect(results).toHaveLength(2);
    expect(results[0]).toMatchObject({ status: 'unavailable' });
    expect(logger.warnings).toHaveLength(1);
    expect(logger.warnings[0]).toContain('runWithStatus');
  });

  it('delivers through the ADK-session route when the async context was lost', async () => {
    // An async resource created outside any binding: running in its scope drops the binding,
    // as callback-based native libraries do.
    const contextless = new AsyncResource('contextless', { requireManualDestroy: true });
    const results: unknown[] = [];
    const detached = new FunctionTool({
      name: 'detached',
      description: 'calls the status tool from a context-less callback',
      parameters: z.object({}),
      execute: (_input, ctx) =>
        contextless.runInAsyncScope(async () => {
          expect(currentStatusSession()).toBeUndefined();
          const result = await (statusMessageTool as unknown as ToolRunner).runAsync({
            args: { message: 'from a lost context' },
            toolContext: ctx,
          });
          results.push(result);
          return result;
        }),
    });
    const model = new ScriptedLlm(({ step }) => (step === 0 ? callTools({ name: 'detached' }) : reply('ok')));
    const runner = new InMemoryRunner({ agent: new LlmAgent({ name: 'a', model, instruction: 'x', tools: [detached] }), appName: APP });
    await runner.sessionService.createSession({ appName: APP, userId: 'u', sessionId: 'route-me' });
    const socket = await TestClient.open(srv.url('route-me'));

    // Without runWithStatus there is no route: only the run's own event stream takes it.
    await drain(runner.runAsync({ userId: 'u', sessionId: 'route-me', newMessage: userMessage('plain') }));
    expect(results[0]).toEqual({ status: 'delivered', via: 'event_stream' });

    await drain(runWithStatus(runner, { hub: srv.hub, userId: 'u', sessionId: 'route-me', newMessage: userMessage('hi') }));
    expect(results[1]).toEqual({ status: 'delivered', viewers: 1, eventStream: true });
    await socket.waitFor((c) => c.statuses.length === 1);
    expect(socket.statusTexts).toEqual(['from a lost context']);
    await socket.close();
  });

  it('ends the run cleanly when the consumer breaks out, and frees the session for the next run', async () => {
    const model = new ScriptedLlm(({ step, userText }) =>
      step < 3 ? callTools({ name: 'status_message', args: { message: `${userText} ${step}` } }) : reply('done'),
    );
    const runner = new InMemoryRunner({ agent: new LlmAgent({ name: 'a', model, instruction: 'x', tools: [statusMessageTool] }), appName: APP });
    await runner.sessionService.createSession({ appName: APP, userId: 'u', sessionId: 'early' });
    const socket = await TestClient.open(srv.url('early'));
    for await (const event of runWithStatus(runner, { hub: srv.hub, userId: 'u', sessionId: 'early', newMessage: userMessage('first') })) {
      if (event.content?.parts?.some((part) => part.functionResponse)) break;
    }
    // If the lock had leaked, this second run would wait forever.
    const second = await drain(runWithStatus(runner, { hub: srv.hub, userId: 'u', sessionId: 'early', newMessage: userMessage('second') }));
    expect(second.some((event) => isFinalResponse(event))).toBe(true);
    await socket.waitFor((c) => c.statusTexts.includes('second 2'));
    expect(socket.statusTexts.filter((text) => text.startsWith('first'))).toEqual(['first 0']);
    await socket.close();
  });

  it('does not start a run whose abortSignal fired while it waited for the session', async () => {
    const seen: string[] = [];
    const model = new ScriptedLlm(
      ({ userText }) => {
        seen.push(userText);
        return reply(`re ${userText}`);
      },
      { delayMs: 30 },
    );
    const runner = new InMemoryRunner({ agent: new LlmAgent({ name: 'a', model, instruction: 'x' }), appName: APP });
    await runner.sessionService.createSession({ appName: APP, userId: 'u', sessionId: 'waiting' });
    const controller = new AbortController();
    const first = drain(runWithStatus(runner, { hub: srv.hub, userId: 'u', sessionId: 'waiting', newMessage: userMessage('first') }));
    const second = drain(
      runWithStatus(runner, { hub: srv.hub, userId: 'u', sessionId: 'waiting', newMessage: userMessage('second'), abortSignal: controller.signal }),
    );
    controller.abort();
    const [, secondEvents] = await Promise.all([first, second]);
    expect(secondEvents).toEqual([]);
    expect(seen).toEqual(['first']);
    const session = await runner.sessionService.getSession({ appName: APP, userId: 'u', sessionId: 'waiting' });
    expect(session!.events.filter((event) => event.author === 'user')).toHaveLength(1);
  });

  it('throws wiring bugs at the call: bad ids, a missing hub, any key that is neither its own nor the runner’s', () => {
    const runner = new InMemoryRunner({ agent: new LlmAgent({ name: 'a', model: new ScriptedLlm(() => reply('x')), instruction: 'x' }) });
    const base = { hub: srv.hub, userId: 'u', sessionId: 'ok', newMessage: userMessage('x') };
    expect(() => runWithStatus(runner, { ...base, sessionId: '' })).toThrow(/sessionId/);
    expect(() => runWithStatus(runner, { ...base, statusSesionId: 's' } as never)).toThrow(
      /unknown option `statusSesionId` \(did you mean `statusSessionId`\?\)/,
    );
    // A misspelt key of the runner's own is caught too, instead of being handed to ADK unread.
    expect(() => runWithStatus(runner, { ...base, abortSignl: new AbortController().signal } as never)).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_OPTION', message: expect.stringMatching(/unknown option `abortSignl` \(did you mean `abortSignal`\?\)/) }),
    );
    expect(() => runWithStatus(runner, { ...base, runEndMessage: { done: 'ok' } } as never)).toThrow(/did you mean `runEndMessages`/);
    expect(() => runWithStatus(runner, { ...base, runEndMessages: { done: '' } })).toThrow(/runEndMessages\.done/);
    expect(() => runWithStatus(runner, { ...base, hub: undefined as never })).toThrow(/hub/);
    // ADK's own keys pass through.
    expect(() =>
      runWithStatus(runner, { ...base, stateDelta: { a: 1 }, runConfig: {}, abortSignal: new AbortController().signal, customMetadata: {} }),
    ).not.toThrow();
  });

  it('ends the run with the texts it was given, for apps not in English', async () => {
    const model = new ScriptedLlm(({ step }) => (step === 0 ? callTools({ name: 'status_message', args: { message: 'Suche…' } }) : reply('fertig')));
    const runner = new InMemoryRunner({ agent: new LlmAgent({ name: 'a', model, instruction: 'x', tools: [statusMessageTool] }), appName: APP });
    await runner.sessionService.createSession({ appName: APP, userId: 'u', sessionId: 'german' });
    const socket = await TestClient.open(srv.url('german'));
    await drain(runWithStatus(runner, { hub: srv.hub, userId: 'u', sessionId: 'german', newMessage: userMessage('los'), runEndMessages: { done: 'Fertig' } }));
    await socket.waitFor((c) => c.runEnds.length === 1);
    expect(socket.runEnds[0]).toMatchObject({ data: 'Fertig', state: 'done', level: 'success' });
    await socket.close();
  });

  it.each(['alice@example.com', 'tenant:42:chat', 'x'.repeat(200), 'has space/and slash'])('always starts the agent for ADK session id %s', async (sessionId) => {
    const model = new ScriptedLlm(({ step }) => (step === 0 ? callTools({ name: 'status_message', args: { message: 'hi' } }) : reply('ran')));
    const runner = new InMemoryRunner({ agent: new LlmAgent({ name: 'a', model, instruction: 'x', tools: [statusMessageTool] }), appName: 'ids' });
    await runner.sessionService.createSession({ appName: 'ids', userId: 'u', sessionId });
    const events = await drain(runWithStatus(runner, { hub: srv.hub, userId: 'u', sessionId, newMessage: userMessage('go') }));
    expect(events.some((event) => isFinalResponse(event) && event.content?.parts?.[0]?.text === 'ran')).toBe(true);
  });

  it('warns once for an id the hub cannot serve; the run still binds (its event stream gets the statuses)', async () => {
    const logger = recordingLogger();
    setDefaultLogger(logger);
    const results: unknown[] = [];
    const model = new ScriptedLlm(({ step, functionResponses }) => {
      results.push(...functionResponses.map((r) => r.response));
      return step === 0 ? callTools({ name: 'status_message', args: { message: 'hi' } }) : reply('ran');
    });
    const runner = new InMemoryRunner({ agent: new LlmAgent({ name: 'a', model, instruction: 'x', tools: [statusMessageTool] }), appName: 'ids' });
    try {
      // (The warning is once per process; another test may have used it already.)
      for (const sessionId of ['not servable 1', 'not servable 2']) {
        await runner.sessionService.createSession({ appName: 'ids', userId: 'u', sessionId });
        await drain(runWithStatus(runner, { hub: srv.hub, userId: 'u', sessionId, newMessage: userMessage('go') }));
      }
    } finally {
      setDefaultLogger(silentLogger);
    }
    expect(results).toEqual([{ status: 'delivered', via: 'event_stream' }, { status: 'delivered', via: 'event_stream' }]);
    expect(logger.warnings.length).toBeLessThanOrEqual(1);
  });

  it('cuts long statuses to the hub’s maxStatusLength with …, from addStatusMessage and the tool, never throws', async () => {
    const sent: string[] = [];
    const hub = new StatusHub({ heartbeatIntervalMs: 0, maxStatusLength: 100 });
    hub.on('status', (_id, frame) => void sent.push(frame.data));
    expect(() => withStatusSession({ hub, sessionId: 'long' }, () => addStatusMessage('z'.repeat(5000)))).not.toThrow();
    expect(sent).toHaveLength(1);
    expect(sent[0]!.length).toBe(100);
    expect(sent[0]!.endsWith('…')).toBe(true);

    const results: unknown[] = [];
    const model = new ScriptedLlm(({ step, functionResponses }) => {
      results.push(...functionResponses.map((r) => r.response));
      return step === 0 ? callTools({ name: 'status_message', args: { message: 'w'.repeat(400) } }) : reply('ok');
    });
    const runner = new InMemoryRunner({ agent: new LlmAgent({ name: 'a', model, instruction: 'x', tools: [statusMessageTool] }), appName: 'long' });
    await runner.sessionService.createSession({ appName: 'long', userId: 'u', sessionId: 'long' });
    await drain(runWithStatus(runner, { hub, userId: 'u', sessionId: 'long', newMessage: userMessage('go') }));
    expect(results[0]).toMatchObject({ truncated: true });
    expect(sent[1]!.length).toBe(100);
    await hub.close();
  });

  it('ends a run aborted while it waits for the session lock at once, without starting it; later runs wait for the holder only', async () => {
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const seen: string[] = [];
    const model = new ScriptedLlm(async ({ userText }) => {
      seen.push(userText);
      if (userText === 'first') await gate;
      return reply(`re ${userText}`);
    });
    const runner = new InMemoryRunner({ agent: new LlmAgent({ name: 'a', model, instruction: 'x' }), appName: 'lock' });
    await runner.sessionService.createSession({ appName: 'lock', userId: 'u', sessionId: 'lock-1' });
    let firstDone = false;
    const first = drain(runWithStatus(runner, { hub: srv.hub, userId: 'u', sessionId: 'lock-1', newMessage: userMessage('first') })).then(() => {
      firstDone = true;
    });
    await until(() => seen.includes('first'));
    const controller = new AbortController();
    const second = drain(
      runWithStatus(runner, { hub: srv.hub, userId: 'u', sessionId: 'lock-1', newMessage: userMessage('second'), abortSignal: controller.signal }),
    );
    controller.abort();
    expect(await second).toEqual([]);
    expect(firstDone).toBe(false);
    // A third run queued behind still waits for the first, not for the aborted one.
    const third = drain(runWithStatus(runner, { hub: srv.hub, userId: 'u', sessionId: 'lock-1', newMessage: userMessage('third') }));
    await new Promise((resolve) => setImmediate(resolve));
    expect(seen).toEqual(['first']);
    open();
    await Promise.all([first, third]);
    expect(seen).toEqual(['first', 'third']);
  });
});

afterAll(() => setDefaultLogger(silentLogger));
