/**
 * Issue 12, the ADK side: strict options, user callbacks that throw, no tenant leak through a
 * shared tool, any ADK session id runs, long statuses cut, no stale status, abort while waiting.
 */
import { AgentTool, FunctionTool, InMemoryRunner, isFinalResponse, LlmAgent } from '@google/adk';
import type { Event } from '@google/adk';
import { z } from 'zod';
import { addStatusMessage } from '../../src/context/add-status-message.js';
import { withStatusSession } from '../../src/context/with-status-session.js';
import { StatusHub } from '../../src/hub/status-hub.js';
import { sharedStatusHub } from '../../src/hub/shared-status-hub.js';
import { setDefaultLogger, silentLogger } from '../../src/logger.js';
import type { Logger } from '../../src/logger.js';
import type { LifecycleEvent } from '../../src/plugins/lifecycle-events.js';
import { StatusPlugin } from '../../src/plugins/status-plugin.js';
import type { StatusInput } from '../../src/protocol.js';
import { runWithStatus } from '../../src/runner/run-with-status.js';
import { createStatusMessageTool, statusMessageTool } from '../../src/tools/status-message-tool.js';
import { sleep, startHubServer, TestClient } from '../support/hub-server.js';
import type { HubServer } from '../support/hub-server.js';
import { callTools, reply, ScriptedLlm } from '../support/scripted-llm.js';

const userMessage = (text: string) => ({ role: 'user', parts: [{ text }] });
async function drain(events: AsyncIterable<Event>): Promise<Event[]> {
  const out: Event[] = [];
  for await (const event of events) out.push(event);
  return out;
}
function recordingLogger(): Logger & { warnings: string[] } {
  const warnings: string[] = [];
  return { ...silentLogger, warnings, warn: (message: string) => warnings.push(message), error: (message: string) => warnings.push(message) };
}
const okTool = (name: string) =>
  new FunctionTool({ name, description: name, parameters: z.object({ query: z.string().optional() }), execute: () => ({ ok: true }) });

describe('strict options (issue 12 item 1) and template shapes (item 13)', () => {
  it.each([
    [() => new StatusPlugin({ throtleMs: 5 } as never), /unknown option `throtleMs` \(did you mean `throttleMs`\?\)/],
    [() => new StatusPlugin({ tool: {} } as never), /unknown option `tool` \(did you mean `tools`\?\)/],
    [() => new StatusPlugin({ defaults: { strat: 'x' } } as never), /unknown option `defaults.strat` \(did you mean `defaults.start`\?\)/],
    [() => new StatusPlugin({ tools: { lookup: { strat: 'x' } } } as never), /`tools.lookup`/],
    [() => new StatusPlugin({ tools: { lookup: 42 } } as never), /`tools.lookup`.*template/],
    [() => new StatusPlugin({ hub: {} } as never), /`hub`/],
    [() => createStatusMessageTool({ maxLen: 3 } as never), /unknown option `maxLen` \(did you mean `maxLength`\?\)/],
    [() => createStatusMessageTool({ fields: { levels: true } } as never), /unknown option `fields.levels`/],
    [() => withStatusSession({ hub: new StatusHub({ heartbeatIntervalMs: 0 }), sessionId: 's', sesionId: 's' } as never, () => 1), /unknown option `sesionId`/],
  ])('rejects %#', (make, message) => {
    expect(make).toThrow(expect.objectContaining({ code: 'ERR_INVALID_OPTION', message: expect.stringMatching(message) }));
  });

  it('accepts a plain string as the start template of a tool', async () => {
    const srv = await startHubServer();
    const plugin = new StatusPlugin({ throttleMs: 0, tools: { lookup: 'Looking up {query}…' } });
    const model = new ScriptedLlm(({ step }) => (step === 0 ? callTools({ name: 'lookup', args: { query: 'maps' } }) : reply('ok')));
    const runner = new InMemoryRunner({ agent: new LlmAgent({ name: 'a', model, instruction: 'x', tools: [okTool('lookup')] }), appName: 'tpl', plugins: [plugin] });
    await runner.sessionService.createSession({ appName: 'tpl', userId: 'u', sessionId: 'tpl-1' });
    const client = await TestClient.open(srv.url('tpl-1'));
    await drain(runWithStatus(runner, { hub: srv.hub, userId: 'u', sessionId: 'tpl-1', newMessage: userMessage('go') }));
    await client.waitFor((c) => c.statuses.length === 2);
    expect(client.statusTexts).toEqual(['Looking up maps…', 'Finished lookup']);
    await client.close();
    await srv.close();
  });
});

describe('user callbacks that throw (item 2)', () => {
  it('skips the status of a throwing template, logs once, and the run and its events go on', async () => {
    const logger = recordingLogger();
    const events: LifecycleEvent[] = [];
    const plugin = new StatusPlugin({
      throttleMs: 0,
      logger,
      tools: { lookup: { start: () => { throw new Error('template bug'); } } },
      publishEvent: (event) => void events.push(event),
    });
    const model = new ScriptedLlm(({ step }) => (step < 2 ? callTools({ name: 'lookup' }) : reply('finished')));
    const runner = new InMemoryRunner({ agent: new LlmAgent({ name: 'a', model, instruction: 'x', tools: [okTool('lookup')] }), appName: 'cb', plugins: [plugin] });
    await runner.sessionService.createSession({ appName: 'cb', userId: 'u', sessionId: 'cb-1' });
    const out = await drain(runner.runAsync({ userId: 'u', sessionId: 'cb-1', newMessage: userMessage('go') }));
    expect(out.some((event) => isFinalResponse(event))).toBe(true);
    expect(events.filter((event) => event.type === 'tool_call')).toHaveLength(2);
    expect(logger.warnings.filter((line) => line.includes('template'))).toHaveLength(1);
  });

  it('leaves a run unbound when the statusSessionId function throws, and the run goes on', async () => {
    const logger = recordingLogger();
    const hub = new StatusHub({ heartbeatIntervalMs: 0 });
    const plugin = new StatusPlugin({ hub, logger, statusSessionId: () => { throw new Error('lookup failed'); } });
    const model = new ScriptedLlm(({ step }) => (step === 0 ? callTools({ name: 'lookup' }) : reply('finished')));
    const runner = new InMemoryRunner({ agent: new LlmAgent({ name: 'a', model, instruction: 'x', tools: [okTool('lookup')] }), appName: 'cb', plugins: [plugin] });
    await runner.sessionService.createSession({ appName: 'cb', userId: 'u', sessionId: 'cb-2' });
    const out = await drain(runner.runAsync({ userId: 'u', sessionId: 'cb-2', newMessage: userMessage('go') }));
    expect(out.some((event) => isFinalResponse(event))).toBe(true);
    expect(logger.warnings.some((line) => line.includes('statusSessionId'))).toBe(true);
    await hub.close();
  });
});

describe('StatusPlugin({ hub }) binds runs nobody else bound (issue 14 item 3)', () => {
  it('sends the statuses of a plain runner.runAsync to /ws/<ADK session id>, and to a custom id', async () => {
    const srv = await startHubServer();
    const make = (statusSessionId?: (ids: { sessionId: string }) => string) => {
      const plugin = new StatusPlugin({ hub: srv.hub, throttleMs: 0, ...(statusSessionId ? { statusSessionId } : {}) });
      const model = new ScriptedLlm(({ step }) =>
        step === 0 ? callTools({ name: 'status_message', args: { message: 'Thinking…' } }) : step === 1 ? callTools({ name: 'lookup' }) : reply('ok'),
      );
      return new InMemoryRunner({ agent: new LlmAgent({ name: 'a', model, instruction: 'x', tools: [statusMessageTool, okTool('lookup')] }), appName: 'bind', plugins: [plugin] });
    };
    const plain = make();
    await plain.sessionService.createSession({ appName: 'bind', userId: 'u', sessionId: 'adk-1' });
    const client = await TestClient.open(srv.url('adk-1'));
    await drain(plain.runAsync({ userId: 'u', sessionId: 'adk-1', newMessage: userMessage('go') }));
    await client.waitFor((c) => c.statuses.length === 3 && c.runEnds.length === 1);
    expect(client.statusTexts).toEqual(['Thinking…', 'Running lookup…', 'Finished lookup']);
    // The plugin ends the runs it bound itself, as runWithStatus does (issue 18 item 1).
    expect(client.runEnds[0]).toMatchObject({ data: 'Done', state: 'done', level: 'success' });

    const custom = make(({ sessionId }) => `tab-${sessionId}`);
    await custom.sessionService.createSession({ appName: 'bind', userId: 'u', sessionId: 'adk-2' });
    const tab = await TestClient.open(srv.url('tab-adk-2'));
    await drain(custom.runAsync({ userId: 'u', sessionId: 'adk-2', newMessage: userMessage('go') }));
    await tab.waitFor((c) => c.statuses.length === 3);
    // After the run the binding is gone: a later status from outside any run reaches nobody.
    expect(srv.hub.socketCount('tab-adk-2')).toBe(1);
    await client.close();
    await tab.close();
    await srv.close();
  });

  it('drops the binding of an aborted run (ADK skips afterRunCallback then)', async () => {
    const hub = new StatusHub({ heartbeatIntervalMs: 0 });
    const plugin = new StatusPlugin({ hub, throttleMs: 0 });
    let release!: () => void;
    const stall = new Promise<void>((resolve) => (release = resolve));
    const slow = new FunctionTool({ name: 'slow', description: 'waits', parameters: z.object({}), execute: async () => (await stall, { ok: true }) });
    const model = new ScriptedLlm(({ step }) => (step === 0 ? callTools({ name: 'slow' }) : reply('ok')));
    const runner = new InMemoryRunner({ agent: new LlmAgent({ name: 'a', model, instruction: 'x', tools: [slow] }), appName: 'abort', plugins: [plugin] });
    await runner.sessionService.createSession({ appName: 'abort', userId: 'u', sessionId: 'abort-1' });
    const controller = new AbortController();
    const run = drain(runner.runAsync({ userId: 'u', sessionId: 'abort-1', newMessage: userMessage('go'), abortSignal: controller.signal }));
    await sleep(50);
    const { statusSessionForAdkSession } = await import('../../src/context/adk-session-routes.js');
    expect(statusSessionForAdkSession({ userId: 'u', sessionId: 'abort-1' })?.sessionId).toBe('abort-1');
    const sent: unknown[] = [];
    hub.on('status', (_sessionId, frame) => sent.push(frame));
    controller.abort();
    expect(statusSessionForAdkSession({ userId: 'u', sessionId: 'abort-1' })).toBeUndefined();
    release();
    await run;
    // "Running slow…" was shown, so the abort is told: the run ends as aborted.
    expect(sent).toEqual([expect.objectContaining({ state: 'aborted', data: 'Stopped' })]);
    await hub.close();
  });

  it('sharedStatusHub returns one hub per name, and a fresh one after close', async () => {
    const a = sharedStatusHub({ name: 'trust-test', heartbeatIntervalMs: 0 });
    expect(sharedStatusHub({ name: 'trust-test' })).toBe(a);
    await a.close();
    const b = sharedStatusHub({ name: 'trust-test', heartbeatIntervalMs: 0 });
    expect(b).not.toBe(a);
    await b.close();
  });
});

describe('a tool shared by two apps (item 4)', () => {
  it('reports each call only to the plugin of the run that made it, also inside an AgentTool', async () => {
    const shared = okTool('shared_lookup');
    const build = (name: string) => {
      const inner = new LlmAgent({
        name: `${name}_inner`,
        description: 'looks things up',
        model: new ScriptedLlm(({ step }) => (step === 0 ? callTools({ name: 'shared_lookup', args: { query: `secret of ${name}` } }) : reply('found'))),
        instruction: 'x',
        tools: [shared],
      });
      return new LlmAgent({
        name: `${name}_root`,
        model: new ScriptedLlm(({ step }) => (step === 0 ? callTools({ name: `${name}_inner`, args: { request: 'go' } }) : reply('ok'))),
        instruction: 'x',
        tools: [new AgentTool({ agent: inner }), shared],
      });
    };
    const sinks: Record<string, LifecycleEvent[]> = { a: [], b: [] };
    const apps = ['a', 'b'].map((name) => {
      const agent = build(name);
      const plugin = new StatusPlugin({ throttleMs: 0, publishEvent: (event) => void sinks[name]!.push(event) });
      plugin.instrument(agent);
      return new InMemoryRunner({ agent, appName: `tenant_${name}`, plugins: [plugin] });
    });
    const runnerA = apps[0]!;
    await runnerA.sessionService.createSession({ appName: 'tenant_a', userId: 'u', sessionId: 'ta' });
    await drain(runnerA.runAsync({ userId: 'u', sessionId: 'ta', newMessage: userMessage('go') }));
    expect(sinks.b).toEqual([]);
    const calls = sinks.a!.filter((event) => event.type === 'tool_call').map((event) => event.data.tool);
    expect(calls).toEqual(['a_inner', 'shared_lookup']);
  });
});

describe('runWithStatus with real-world ADK session ids (item 5)', () => {
  let srv: HubServer;
  beforeAll(async () => {
    srv = await startHubServer();
  });
  afterAll(async () => {
    await srv.close();
  });

  it.each(['alice@example.com', 'tenant:42:chat', 'x'.repeat(200), 'has space/and slash'])('always starts the agent for %s', async (sessionId) => {
    const model = new ScriptedLlm(({ step }) => (step === 0 ? callTools({ name: 'status_message', args: { message: 'hi' } }) : reply('ran')));
    const runner = new InMemoryRunner({ agent: new LlmAgent({ name: 'a', model, instruction: 'x', tools: [statusMessageTool] }), appName: 'ids' });
    await runner.sessionService.createSession({ appName: 'ids', userId: 'u', sessionId });
    const events = await drain(runWithStatus(runner, { hub: srv.hub, userId: 'u', sessionId, newMessage: userMessage('go') }));
    expect(events.some((event) => isFinalResponse(event) && event.content?.parts?.[0]?.text === 'ran')).toBe(true);
  });

  it('warns once for an id the hub cannot serve, and the tool answers unavailable', async () => {
    const logger = recordingLogger();
    setDefaultLogger(logger);
    const results: unknown[] = [];
    const tool = createStatusMessageTool({ eventStream: false, logger: silentLogger });
    const model = new ScriptedLlm(({ step, functionResponses }) => {
      results.push(...functionResponses.map((r) => r.response));
      return step === 0 ? callTools({ name: 'status_message', args: { message: 'hi' } }) : reply('ran');
    });
    const runner = new InMemoryRunner({ agent: new LlmAgent({ name: 'a', model, instruction: 'x', tools: [tool] }), appName: 'ids' });
    try {
      // (The warning is once per process; another test above may have used it already.)
      for (const sessionId of ['not servable 1', 'not servable 2']) {
        await runner.sessionService.createSession({ appName: 'ids', userId: 'u', sessionId });
        await drain(runWithStatus(runner, { hub: srv.hub, userId: 'u', sessionId, newMessage: userMessage('go') }));
      }
    } finally {
      setDefaultLogger(silentLogger);
    }
    expect(results).toEqual([expect.objectContaining({ status: 'unavailable' }), expect.objectContaining({ status: 'unavailable' })]);
    expect(logger.warnings.length).toBeLessThanOrEqual(1);
  });
});

describe('long statuses are cut, never thrown (item 6)', () => {
  it('addStatusMessage and the tool cut to the hub’s maxStatusLength with …', async () => {
    const sent: StatusInput[] = [];
    const hub = new StatusHub({ heartbeatIntervalMs: 0, maxStatusLength: 100 });
    hub.on('status', (_id, frame) => void sent.push(frame.data));
    expect(() => withStatusSession({ hub, sessionId: 'long' }, () => addStatusMessage('z'.repeat(5000)))).not.toThrow();
    expect(sent).toHaveLength(1);
    expect((sent[0] as string).length).toBe(100);
    expect((sent[0] as string).endsWith('…')).toBe(true);

    const results: unknown[] = [];
    const model = new ScriptedLlm(({ step, functionResponses }) => {
      results.push(...functionResponses.map((r) => r.response));
      return step === 0 ? callTools({ name: 'status_message', args: { message: 'w'.repeat(400) } }) : reply('ok');
    });
    const runner = new InMemoryRunner({ agent: new LlmAgent({ name: 'a', model, instruction: 'x', tools: [statusMessageTool] }), appName: 'long' });
    await runner.sessionService.createSession({ appName: 'long', userId: 'u', sessionId: 'long' });
    await drain(runWithStatus(runner, { hub, userId: 'u', sessionId: 'long', newMessage: userMessage('go') }));
    expect(results[0]).toMatchObject({ truncated: true });
    expect((sent[1] as string).length).toBe(100);
    await hub.close();
  });
});

describe('ordering across producers (item 7)', () => {
  it('a throttled plugin status produced earlier never lands after a later tool status', async () => {
    const srv = await startHubServer();
    const plugin = new StatusPlugin({ throttleMs: 1000 });
    const model = new ScriptedLlm(({ step }) =>
      step === 0 ? callTools({ name: 'lookup' }) : step === 1 ? callTools({ name: 'status_message', args: { message: 'Writing the answer…' } }) : reply('ok'),
    );
    const runner = new InMemoryRunner({ agent: new LlmAgent({ name: 'a', model, instruction: 'x', tools: [statusMessageTool, okTool('lookup')] }), appName: 'order', plugins: [plugin] });
    await runner.sessionService.createSession({ appName: 'order', userId: 'u', sessionId: 'order-1' });
    const client = await TestClient.open(srv.url('order-1'));
    await drain(runWithStatus(runner, { hub: srv.hub, userId: 'u', sessionId: 'order-1', newMessage: userMessage('go') }));
    await client.waitFor((c) => c.statusTexts.includes('Writing the answer…'));
    await sleep(1500); // past the throttle window: anything still pending would land now
    expect(client.statusTexts).toEqual(['Running lookup…', 'Finished lookup', 'Writing the answer…']);
    await client.close();
    await srv.close();
  });
});

describe('abort while waiting for the session lock (item 8)', () => {
  it('ends the waiting run at once, without starting it, while the earlier run still holds the lock', async () => {
    const srv = await startHubServer();
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
    await sleep(20);
    const controller = new AbortController();
    const second = drain(
      runWithStatus(runner, { hub: srv.hub, userId: 'u', sessionId: 'lock-1', newMessage: userMessage('second'), abortSignal: controller.signal }),
    );
    await sleep(20);
    controller.abort();
    expect(await second).toEqual([]);
    expect(firstDone).toBe(false);
    // A third run queued behind still waits for the first, not for the aborted one.
    const third = drain(runWithStatus(runner, { hub: srv.hub, userId: 'u', sessionId: 'lock-1', newMessage: userMessage('third') }));
    await sleep(20);
    expect(seen).toEqual(['first']);
    open();
    await Promise.all([first, third]);
    expect(seen).toEqual(['first', 'third']);
    await srv.close();
  });
});

afterAll(() => setDefaultLogger(silentLogger));
