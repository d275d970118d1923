import { AgentTool, FunctionTool, InMemoryRunner, isFinalResponse, LlmAgent } from '@google/adk';
import type { Event } from '@google/adk';
import { z } from 'zod';
import type { StatusInput } from '../../src/protocol.js';
import type { LifecycleEvent } from '../../src/plugins/lifecycle-events.js';
import { StatusPlugin } from '../../src/plugins/status-plugin.js';
import type { StatusPluginOptions } from '../../src/plugins/status-plugin.js';
import { runWithStatus } from '../../src/runner/run-with-status.js';
import { statusMessageTool } from '../../src/tools/status-message-tool.js';
import { sleep, startHubServer, TestClient } from '../support/hub-server.js';
import type { HubServer } from '../support/hub-server.js';
import { callTools, reply, ScriptedLlm } from '../support/scripted-llm.js';

const APP = 'plugin_test';
const userMessage = (text: string) => ({ role: 'user', parts: [{ text }] });

async function drain(events: AsyncIterable<Event>): Promise<Event[]> {
  const out: Event[] = [];
  for await (const event of events) out.push(event);
  return out;
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
    await sleep(50);
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
    await client.waitFor((c) => c.statuses.length >= 1);
    await sleep(50);
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
    await client.waitFor((c) => c.statuses.length === 1);
    await sleep(50);
    expect(client.statusTexts).toEqual(['second shared tool']);
    undoSecond();
    undoFirst();
    expect(shared.runAsync).toBe(originalRunAsync);
    expect(Object.prototype.hasOwnProperty.call(shared, 'runAsync')).toBe(false);
    await client.close();
  });

  it('keeps concurrent runs apart even when their models reuse function call ids', async () => {
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
        // A tool that takes a while, so the runs' calls overlap.
        tools: [
          new FunctionTool({
            name: 'lookup',
            description: 'slow lookup',
            parameters: z.object({ query: z.string() }),
            execute: async () => {
              await sleep(50);
              return { ok: true };
            },
          }),
        ],
      });
      const plugin = new StatusPlugin({ throttleMs: 0, defaults: { done: 'done {tool}' } });
      return new InMemoryRunner({ agent, appName: APP, plugins: [plugin] });
    };
    const runner = makeRunner();
    const ids = ['same-a', 'same-b', 'same-c'];
    const clients = await Promise.all(ids.map((id) => TestClient.open(srv.url(id))));
    await Promise.all(
      ids.map(async (id) => {
        await runner.sessionService.createSession({ appName: APP, userId: 'u', sessionId: id });
        await drain(runWithStatus(runner, { hub: srv.hub, userId: 'u', sessionId: id, newMessage: userMessage('go') }));
      }),
    );
    await Promise.all(clients.map((client) => client.waitFor((c) => c.statuses.length === 2)));
    for (const client of clients) expect(client.statusTexts).toEqual(['Running lookup…', 'done lookup']);
    await Promise.all(clients.map((client) => client.close()));
  });
});
