import { AgentTool, FunctionTool, InMemoryRunner, InMemorySessionService, isFinalResponse, LlmAgent, Runner } from '@google/adk';
import type { Event } from '@google/adk';
import { z } from 'zod';
import { routeFor } from '../../src/binding/routes.js';
import { setDefaultLogger, silentLogger } from '../../src/logger.js';
import type { Logger } from '../../src/logger.js';
import type { StatusInput } from '../../src/protocol.js';
import type { LifecycleEvent } from '../../src/plugins/lifecycle-events.js';
import { StatusPlugin } from '../../src/plugins/status-plugin.js';
import type { StatusPluginOptions } from '../../src/plugins/status-plugin.js';
import { runWithStatus } from '../../src/runner/run-with-status.js';
import { createStatusMessageTool, statusMessageTool } from '../../src/tools/status-message-tool.js';
import { startHubServer, TestClient } from '../support/hub-server.js';
import type { HubServer } from '../support/hub-server.js';
import { callTools, reply, ScriptedLlm } from '../support/scripted-llm.js';

const APP = 'plugin_test';
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
  new FunctionTool({ name, description: name, parameters: z.object({ query: z.string().optional(), url: z.string().optional() }), execute: () => ({ ok: true }) });
const brokenTool = new FunctionTool({
  name: 'broken',
  description: 'always fails',
  parameters: z.object({}),
  execute: () => {
    throw new Error('backend down');
  },
});

/** coordinator: status_message, lookup, calc, broken, then asks `researcher` (an AgentTool), then replies. */
function buildTeam() {
  const researcher = new LlmAgent({
    name: 'researcher',
    description: 'reads pages',
    model: new ScriptedLlm(({ step }) => (step === 0 ? callTools({ name: 'fetch_page', args: { url: 'https://example.com/a' } }) : reply('facts'))),
    instruction: 'research',
    tools: [okTool('fetch_page')],
  });
  const script = [
    callTools({ name: 'status_message', args: { message: 'Planning' } }),
    callTools({ name: 'lookup', args: { query: 'travel laptops' } }),
    callTools({ name: 'calc' }),
    callTools({ name: 'broken' }),
    callTools({ name: 'researcher', args: { request: 'compare them' } }),
  ];
  const coordinator = new LlmAgent({
    name: 'coordinator',
    model: new ScriptedLlm(({ step }) => script[step] ?? reply('done')),
    instruction: 'coordinate',
    tools: [statusMessageTool, okTool('lookup'), okTool('calc'), brokenTool, new AgentTool({ agent: researcher })],
  });
  return coordinator;
}

describe('StatusPlugin', () => {
  let srv: HubServer;
  beforeEach(async () => {
    srv = await startHubServer();
  });
  afterEach(async () => {
    await srv.close();
  });

  async function run(options: StatusPluginOptions, instrument: boolean, sessionId: string) {
    const agent = buildTeam();
    const plugin = new StatusPlugin({ throttleMs: 0, ...options });
    const undo = instrument ? plugin.instrument(agent) : () => {};
    const runner = new InMemoryRunner({ agent, appName: APP, plugins: [plugin] });
    await runner.sessionService.createSession({ appName: APP, userId: 'u', sessionId });
    const client = await TestClient.open(srv.url(sessionId));
    const events = await drain(runWithStatus(runner, { hub: srv.hub, userId: 'u', sessionId, newMessage: userMessage('go') }));
    undo();
    // The run's end status comes after everything it showed.
    await client.waitFor((c) => c.runEnds.length === 1);
    return { client, events };
  }

  it('reports every tool in order with agent/tool attribution, including inside an AgentTool sub-agent', async () => {
    const published: LifecycleEvent[] = [];
    const { client, events } = await run(
      { tools: { lookup: { start: 'Searching for {query}…' } }, publishEvent: (event) => published.push(event) },
      true,
      'team',
    );
    expect(events.some((event) => isFinalResponse(event))).toBe(true);
    expect(client.statuses.map((f) => [f.data, f.agent, f.tool ?? null, f.level ?? null])).toEqual([
      ['Planning', 'coordinator', null, null],
      ['Searching for travel laptops…', 'coordinator', 'lookup', null],
      ['Finished lookup', 'coordinator', 'lookup', null],
      ['Running calc…', 'coordinator', 'calc', null],
      ['Finished calc', 'coordinator', 'calc', null],
      ['Running broken…', 'coordinator', 'broken', null],
      ['broken failed', 'coordinator', 'broken', 'error'],
      ['Asking researcher…', 'coordinator', 'researcher', null],
      ['Running fetch page…', 'researcher', 'fetch_page', null],
      ['Finished fetch page', 'researcher', 'fetch_page', null],
      ['researcher answered', 'coordinator', 'researcher', null],
    ]);
    // One producer per event: each call reported once although plugin and wrappers both see root tools.
    expect(published.map((e) => `${e.type}:${String(e.data.tool ?? e.data.agent)}`)).toEqual([
      'run_start:coordinator',
      'tool_call:lookup',
      'tool_result:lookup',
      'tool_call:calc',
      'tool_result:calc',
      'tool_call:broken',
      'tool_error:broken',
      'tool_call:researcher',
      'tool_call:fetch_page',
      'tool_result:fetch_page',
      'tool_result:researcher',
      'run_end:coordinator',
    ]);
    const nested = published.find((e) => e.data.tool === 'fetch_page')!;
    expect(nested).toMatchObject({ statusSessionId: 'team', adk: { appName: APP, userId: 'u', sessionId: 'team', agent: 'researcher' } });
    expect(nested.data.args).toEqual({ url: 'https://example.com/a' });
    expect(published.find((e) => e.type === 'tool_error')!.data.error).toBe("Error in tool 'broken': backend down");
    await client.close();
  });

  it('cannot see inside an AgentTool without instrument() (why instrument exists)', async () => {
    const { client } = await run({}, false, 'plain');
    expect(client.statusTexts).toContain('Asking researcher…');
    expect(client.statusTexts.some((text) => text.includes('fetch page'))).toBe(false);
    await client.close();
  });

  it('silences tools and phases set to false, and renders function templates', async () => {
    const { client } = await run(
      {
        tools: { calc: false, lookup: { done: false, start: ({ args }) => `Looking up ${String(args.query).toUpperCase()}` } },
        defaults: { done: false },
        agentToolDefaults: { start: false, done: false },
      },
      true,
      'quiet',
    );
    expect(client.statusTexts).toEqual(['Planning', 'Looking up TRAVEL LAPTOPS', 'Running broken…', 'broken failed', 'Running fetch page…']);
    await client.close();
  });

  it('reports a transfer_to_agent hand-over once', async () => {
    const billing = new LlmAgent({ name: 'billing', description: 'bills', model: new ScriptedLlm(() => reply('billed')), instruction: 'bill' });
    const front = new LlmAgent({
      name: 'front',
      model: new ScriptedLlm(() => callTools({ name: 'transfer_to_agent', args: { agentName: 'billing' } })),
      instruction: 'route',
      subAgents: [billing],
    });
    const published: LifecycleEvent[] = [];
    const plugin = new StatusPlugin({ throttleMs: 0, publishEvent: (e) => published.push(e) });
    plugin.instrument(front);
    const runner = new InMemoryRunner({ agent: front, appName: APP, plugins: [plugin] });
    await runner.sessionService.createSession({ appName: APP, userId: 'u', sessionId: 'transfer' });
    const client = await TestClient.open(srv.url('transfer'));
    await drain(runWithStatus(runner, { hub: srv.hub, userId: 'u', sessionId: 'transfer', newMessage: userMessage('invoice?') }));
    await client.waitFor((c) => c.runEnds.length === 1);
    expect(client.statusTexts).toEqual(['Handing over to billing…']);
    expect(published.filter((e) => e.type === 'agent_transfer').map((e) => e.data)).toEqual([{ from: 'front', to: 'billing' }]);
    await client.close();
  });

  it('keeps the run alive when delivery and publishing throw', async () => {
    const throwingHub = {
      send(_sessionId: string, _status: StatusInput): number {
        throw new Error('socket layer exploded');
      },
    };
    const agent = buildTeam();
    const plugin = new StatusPlugin({
      throttleMs: 0,
      publishEvent: (event) => {
        if (event.type === 'tool_call') throw new Error('sync sink failure');
        return Promise.reject(new Error('async sink failure'));
      },
    });
    plugin.instrument(agent);
    const runner = new InMemoryRunner({ agent, appName: APP, plugins: [plugin] });
    await runner.sessionService.createSession({ appName: APP, userId: 'u', sessionId: 'fragile' });
    const events = await drain(runWithStatus(runner, { hub: throwingHub, userId: 'u', sessionId: 'fragile', newMessage: userMessage('go') }));
    const final = events.filter((event) => isFinalResponse(event));
    expect(final.map((event) => event.content?.parts?.[0]?.text)).toEqual(['done']);
    expect(events.some((event) => event.errorCode)).toBe(false);
  });

  it('throttles bursts per session, keeping the newest', async () => {
    const { client } = await run({ throttleMs: 10_000 }, true, 'burst');
    // The first status goes out at once; later ones collapse into the newest, flushed at run end.
    // An error is never swallowed: what was pending goes out first, then the error.
    await client.waitFor((c) => c.statuses.length === 5);
    expect(client.statusTexts).toEqual(['Planning', 'Running lookup…', 'Running broken…', 'broken failed', 'researcher answered']);
    await client.close();
  });

  it('reports a tool shared by two instrumented plugins once, through the newest, and undo restores it', async () => {
    const shared = okTool('shared_tool');
    const originalRunAsync = shared.runAsync;
    const makeAgent = () =>
      new LlmAgent({
        name: 'solo',
        model: new ScriptedLlm(({ step }) => (step === 0 ? callTools({ name: 'shared_tool' }) : reply('ok'))),
        instruction: 'x',
        tools: [shared],
      });
    const first = new StatusPlugin({ throttleMs: 0, defaults: { start: 'first {tool}', done: false } });
    const second = new StatusPlugin({ throttleMs: 0, defaults: { start: 'second {tool}', done: false } });
    const undoFirst = first.instrument(makeAgent());
    const agent = makeAgent();
    const undoSecond = second.instrument(agent);
    // No plugin on this runner: only the wrappers can report.
    const runner = new InMemoryRunner({ agent, appName: APP });
    await runner.sessionService.createSession({ appName: APP, userId: 'u', sessionId: 'shared' });
    const client = await TestClient.open(srv.url('shared'));
    await drain(runWithStatus(runner, { hub: srv.hub, userId: 'u', sessionId: 'shared', newMessage: userMessage('go') }));
    await client.waitFor((c) => c.runEnds.length === 1);
    expect(client.statusTexts).toEqual(['second shared tool']);
    undoSecond();
    undoFirst();
    expect(shared.runAsync).toBe(originalRunAsync);
    expect(Object.prototype.hasOwnProperty.call(shared, 'runAsync')).toBe(false);
    await client.close();
  });

  it('keeps concurrent runs apart even when their models reuse function call ids', async () => {
    const ids = ['same-a', 'same-b', 'same-c'];
    // Each run's tool call waits until every run's call has started, so the calls overlap.
    let inFlight = 0;
    let allStarted!: () => void;
    let notOverlapping!: (error: Error) => void;
    const overlapping = new Promise<void>((resolve, reject) => ((allStarted = resolve), (notOverlapping = reject)));
    const deadline = setTimeout(() => notOverlapping(new Error(`only ${inFlight} of ${ids.length} tool calls started together`)), 10_000);
    const makeRunner = () => {
      const agent = new LlmAgent({
        name: 'solo',
        model: new ScriptedLlm(
          ({ step }) =>
            step === 0
              ? { content: { role: 'model', parts: [{ functionCall: { id: 'call_0', name: 'lookup', args: { query: 'q' } } }] } }
              : reply('ok'),
          { delayMs: 20 },
        ),
        instruction: 'x',
        tools: [
          new FunctionTool({
            name: 'lookup',
            description: 'slow lookup',
            parameters: z.object({ query: z.string() }),
            execute: async () => {
              inFlight += 1;
              if (inFlight === ids.length) {
                clearTimeout(deadline);
                allStarted();
              }
              await overlapping;
              return { ok: true };
            },
          }),
        ],
      });
      const plugin = new StatusPlugin({ throttleMs: 0, defaults: { done: 'done {tool}' } });
      return new InMemoryRunner({ agent, appName: APP, plugins: [plugin] });
    };
    const runner = makeRunner();
    const clients = await Promise.all(ids.map((id) => TestClient.open(srv.url(id))));
    await Promise.all(
      ids.map(async (id) => {
        await runner.sessionService.createSession({ appName: APP, userId: 'u', sessionId: id });
        await drain(runWithStatus(runner, { hub: srv.hub, userId: 'u', sessionId: id, newMessage: userMessage('go') }));
      }),
    );
    await overlapping; // throws if the calls did not overlap
    await Promise.all(clients.map((client) => client.waitFor((c) => c.statuses.length === 2)));
    for (const client of clients) expect(client.statusTexts).toEqual(['Running lookup…', 'done lookup']);
    await Promise.all(clients.map((client) => client.close()));
  });
});

describe('StatusPlugin', () => {
  let srv: HubServer;
  beforeAll(async () => {
    srv = await startHubServer();
  });
  afterAll(async () => {
    await srv.close();
  });

  describe('options', () => {
    it.each([
      [() => new StatusPlugin({ throtleMs: 5 } as never), /unknown option `throtleMs` \(did you mean `throttleMs`\?\)/],
      [() => new StatusPlugin({ tool: {} } as never), /unknown option `tool` \(did you mean `tools`\?\)/],
      [() => new StatusPlugin({ defaults: { strat: 'x' } } as never), /unknown option `defaults.strat` \(did you mean `defaults.start`\?\)/],
      [() => new StatusPlugin({ tools: { lookup: { strat: 'x' } } } as never), /`tools.lookup`/],
      [() => new StatusPlugin({ tools: { lookup: 42 } } as never), /`tools.lookup`.*template/],
      [() => new StatusPlugin({ hub: {} } as never), /`hub`/],
      [() => new StatusPlugin({ runEndMessages: { dnoe: 'x' } } as never), /unknown option `runEndMessages.dnoe` \(did you mean `runEndMessages.done`\?\)/],
      [() => createStatusMessageTool({ maxLen: 3 } as never), /unknown option `maxLen` \(did you mean `maxLength`\?\)/],
      [() => createStatusMessageTool({ fields: { levels: true } } as never), /unknown option `fields.levels`/],
    ])('rejects a misspelt or misplaced option (%#)', (make, message) => {
      expect(make).toThrow(expect.objectContaining({ code: 'ERR_INVALID_OPTION', message: expect.stringMatching(message) }));
    });

    it('takes a plain string as the start template of a tool', async () => {
      const plugin = new StatusPlugin({ throttleMs: 0, tools: { lookup: 'Looking up {query}…' } });
      const model = new ScriptedLlm(({ step }) => (step === 0 ? callTools({ name: 'lookup', args: { query: 'maps' } }) : reply('ok')));
      const runner = new InMemoryRunner({ agent: new LlmAgent({ name: 'a', model, instruction: 'x', tools: [okTool('lookup')] }), appName: 'tpl', plugins: [plugin] });
      await runner.sessionService.createSession({ appName: 'tpl', userId: 'u', sessionId: 'tpl-1' });
      const client = await TestClient.open(srv.url('tpl-1'));
      await drain(runWithStatus(runner, { hub: srv.hub, userId: 'u', sessionId: 'tpl-1', newMessage: userMessage('go') }));
      await client.waitFor((c) => c.statuses.length === 2);
      expect(client.statusTexts).toEqual(['Looking up maps…', 'Finished lookup']);
      await client.close();
    });
  });

  describe('user callbacks that throw', () => {
    afterEach(() => setDefaultLogger(silentLogger));

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

    it('keeps a run off the hub when the statusSessionId function throws, and the run goes on', async () => {
      const logger = recordingLogger();
      const plugin = new StatusPlugin({ hub: srv.hub, logger, statusSessionId: () => { throw new Error('lookup failed'); } });
      const model = new ScriptedLlm(({ step }) => (step === 0 ? callTools({ name: 'lookup' }) : reply('finished')));
      const runner = new InMemoryRunner({ agent: new LlmAgent({ name: 'a', model, instruction: 'x', tools: [okTool('lookup')] }), appName: 'cb', plugins: [plugin] });
      await runner.sessionService.createSession({ appName: 'cb', userId: 'u', sessionId: 'cb-2' });
      const sent: string[] = [];
      srv.hub.on('status', (sessionId) => void sent.push(sessionId));
      const out = await drain(runner.runAsync({ userId: 'u', sessionId: 'cb-2', newMessage: userMessage('go') }));
      expect(out.some((event) => isFinalResponse(event))).toBe(true);
      expect(logger.warnings.some((line) => line.includes('statusSessionId'))).toBe(true);
      expect(sent).toEqual([]);
      // Its statuses still reach ADK's own event stream.
      expect(out.some((event) => event.customMetadata?.status_messenger)).toBe(true);
    });
  });

  describe('the runs it binds itself', () => {
    it('sends the statuses of a plain runner.runAsync to /ws/<ADK session id>, and to a custom id', async () => {
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
      // The plugin ends the runs it bound itself, as runWithStatus does.
      expect(client.runEnds[0]).toMatchObject({ data: 'Done', state: 'done', level: 'success' });

      const custom = make(({ sessionId }) => `tab-${sessionId}`);
      await custom.sessionService.createSession({ appName: 'bind', userId: 'u', sessionId: 'adk-2' });
      const tab = await TestClient.open(srv.url('tab-adk-2'));
      await drain(custom.runAsync({ userId: 'u', sessionId: 'adk-2', newMessage: userMessage('go') }));
      await tab.waitFor((c) => c.statuses.length === 3 && c.runEnds.length === 1);
      expect(routeFor({ appName: 'bind', userId: 'u', sessionId: 'adk-2' })).toBeUndefined();
      await client.close();
      await tab.close();
    });

    it('ends an aborted run as aborted and drops its route (ADK skips afterRunCallback then)', async () => {
      const plugin = new StatusPlugin({ hub: srv.hub, throttleMs: 0 });
      let release!: () => void;
      const stall = new Promise<void>((resolve) => (release = resolve));
      let started!: () => void;
      const inTool = new Promise<void>((resolve) => (started = resolve));
      const slow = new FunctionTool({ name: 'slow', description: 'waits', parameters: z.object({}), execute: async () => (started(), await stall, { ok: true }) });
      const model = new ScriptedLlm(({ step }) => (step === 0 ? callTools({ name: 'slow' }) : reply('ok')));
      const runner = new InMemoryRunner({ agent: new LlmAgent({ name: 'a', model, instruction: 'x', tools: [slow] }), appName: 'abort', plugins: [plugin] });
      await runner.sessionService.createSession({ appName: 'abort', userId: 'u', sessionId: 'abort-1' });
      const controller = new AbortController();
      const run = drain(runner.runAsync({ userId: 'u', sessionId: 'abort-1', newMessage: userMessage('go'), abortSignal: controller.signal }));
      await inTool;
      expect(routeFor({ appName: 'abort', userId: 'u', sessionId: 'abort-1' })?.sessionId).toBe('abort-1');
      const sent: unknown[] = [];
      srv.hub.on('status', (_sessionId, frame) => sent.push(frame));
      controller.abort();
      expect(routeFor({ appName: 'abort', userId: 'u', sessionId: 'abort-1' })).toBeUndefined();
      release();
      await run;
      // "Running slow…" was shown, so the abort is told: the run ends as aborted, once.
      expect(sent).toEqual([expect.objectContaining({ state: 'aborted', data: 'Stopped' })]);
    });

    it('ends a run that throws mid-run as failed, once, and the session’s next run ends normally', async () => {
      // The session store fails on the model's reply (the third event stored): the Runner throws,
      // and ADK calls no afterRunCallback.
      class FailingStore extends InMemorySessionService {
        failNext = false;
        stored = 0;
        override async appendEvent(params: Parameters<InMemorySessionService['appendEvent']>[0]) {
          if (this.failNext && params.event.author !== 'user' && !params.event.partial && params.event.content?.parts?.some((part) => part.text)) {
            this.failNext = false;
            throw new Error('session store down');
          }
          this.stored += 1;
          return super.appendEvent(params);
        }
      }
      const store = new FailingStore();
      const plugin = new StatusPlugin({ hub: srv.hub, throttleMs: 0 });
      const model = new ScriptedLlm(({ step }) => (step === 0 ? callTools({ name: 'lookup' }) : reply('answer')));
      const runner = new Runner({ appName: 'store', agent: new LlmAgent({ name: 'a', model, instruction: 'x', tools: [okTool('lookup')] }), sessionService: store, plugins: [plugin] });
      await store.createSession({ appName: 'store', userId: 'u', sessionId: 'store-1' });
      const client = await TestClient.open(srv.url('store-1'));
      store.failNext = true;
      await expect(drain(runner.runAsync({ userId: 'u', sessionId: 'store-1', newMessage: userMessage('first') }))).rejects.toThrow('session store down');
      await client.waitFor((c) => c.runEnds.length === 1);
      expect(client.runEnds[0]).toMatchObject({ state: 'failed', level: 'error', data: 'Something went wrong. Please try again.' });
      expect(routeFor({ appName: 'store', userId: 'u', sessionId: 'store-1' })).toBeUndefined();
      await drain(runner.runAsync({ userId: 'u', sessionId: 'store-1', newMessage: userMessage('second') }));
      await client.waitFor((c) => c.runEnds.length === 2);
      expect(client.runEnds.map((f) => f.state)).toEqual(['failed', 'done']);
      await client.close();
    });
  });

  describe('two apps of one server', () => {
    it('never sends one app’s statuses to another app’s run when their clients pick the same user and session ids', async () => {
      const gates: Record<string, { entered: Promise<void>; enter: () => void; release: () => void; released: Promise<void> }> = {};
      const gate = (name: string) => {
        let enter!: () => void;
        let release!: () => void;
        const entered = new Promise<void>((resolve) => (enter = resolve));
        const released = new Promise<void>((resolve) => (release = resolve));
        gates[name] = { entered, enter, release, released };
        return new FunctionTool({
          name: 'wait_here',
          description: 'waits',
          parameters: z.object({}),
          execute: async () => {
            gates[name]!.enter();
            await gates[name]!.released;
            return { ok: true };
          },
        });
      };
      const app = (appName: string) => {
        const model = new ScriptedLlm(({ step }) =>
          step === 0 ? callTools({ name: 'wait_here' }) : step === 1 ? callTools({ name: 'status_message', args: { message: `from ${appName}` } }) : reply('ok'),
        );
        const plugin = new StatusPlugin({ hub: srv.hub, throttleMs: 0, defaults: { start: false, done: false }, statusSessionId: (ids) => `${ids.appName}-${ids.sessionId}` });
        return new InMemoryRunner({ agent: new LlmAgent({ name: 'a', model, instruction: 'x', tools: [statusMessageTool, gate(appName)] }), appName, plugins: [plugin] });
      };
      const billing = app('billing');
      const support = app('support');
      await billing.sessionService.createSession({ appName: 'billing', userId: 'u', sessionId: 'same' });
      await support.sessionService.createSession({ appName: 'support', userId: 'u', sessionId: 'same' });
      const billingTab = await TestClient.open(srv.url('billing-same'));
      const supportTab = await TestClient.open(srv.url('support-same'));
      const first = drain(billing.runAsync({ userId: 'u', sessionId: 'same', newMessage: userMessage('go') }));
      await gates.billing!.entered;
      const second = drain(support.runAsync({ userId: 'u', sessionId: 'same', newMessage: userMessage('go') }));
      await gates.support!.entered;
      gates.billing!.release();
      await first;
      gates.support!.release();
      await second;
      await billingTab.waitFor((c) => c.runEnds.length === 1);
      await supportTab.waitFor((c) => c.runEnds.length === 1);
      expect(billingTab.statusTexts).toEqual(['from billing']);
      expect(supportTab.statusTexts).toEqual(['from support']);
      await billingTab.close();
      await supportTab.close();
    });
  });

  describe('a tool shared by two apps', () => {
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

  describe('ordering across producers', () => {
    it('never lets a throttled status made earlier land after a later tool status', async () => {
      const plugin = new StatusPlugin({ throttleMs: 60_000 });
      const model = new ScriptedLlm(({ step }) =>
        step === 0 ? callTools({ name: 'lookup' }) : step === 1 ? callTools({ name: 'status_message', args: { message: 'Writing the answer…' } }) : reply('ok'),
      );
      const runner = new InMemoryRunner({ agent: new LlmAgent({ name: 'a', model, instruction: 'x', tools: [statusMessageTool, okTool('lookup')] }), appName: 'order', plugins: [plugin] });
      await runner.sessionService.createSession({ appName: 'order', userId: 'u', sessionId: 'order-1' });
      const client = await TestClient.open(srv.url('order-1'));
      await drain(runWithStatus(runner, { hub: srv.hub, userId: 'u', sessionId: 'order-1', newMessage: userMessage('go') }));
      // The run's end sends whatever is still held before its own status: wait for that.
      await client.waitFor((c) => c.runEnds.length === 1);
      expect(client.statusTexts).toEqual(['Running lookup…', 'Finished lookup', 'Writing the answer…']);
      await client.close();
    });
  });
});
