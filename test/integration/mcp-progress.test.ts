/**
 * MCP progress as statuses, end to end: a real MCP server (test/fixtures/mcp-progress-server.mjs,
 * a child process over Streamable HTTP or stdio) whose tool reports progress, an ADK agent with
 * `MCPToolset` on the scripted model, a real hub and `ws` clients.
 */
import { AgentTool, getLogger, InMemoryRunner, LlmAgent, MCPToolset, setLogger } from '@google/adk';
import type { BaseTool, BaseToolset, Event, MCPConnectionParams } from '@google/adk';
import type { FunctionResponse } from '@google/genai';
import { withMcpProgress } from '../../src/adk/mcp-progress.js';
import { StatusPlugin } from '../../src/plugins/status-plugin.js';
import type { StatusPluginOptions } from '../../src/plugins/status-plugin.js';
import { STATUS_EVENT_METADATA_KEY } from '../../src/protocol.js';
import type { StatusEventMetadata } from '../../src/protocol.js';
import { runWithStatus } from '../../src/runner/run-with-status.js';
import { startHubServer, TestClient } from '../support/hub-server.js';
import type { HubServer } from '../support/hub-server.js';
import { McpServerProcesses, startGate } from '../support/mcp-servers.js';
import type { GateAnswer, ProgressGate } from '../support/mcp-servers.js';
import { callTools, reply, ScriptedLlm } from '../support/scripted-llm.js';

const userMessage = (text: string) => ({ role: 'user', parts: [{ text }] });
const statusOf = (event: Event) => event.customMetadata?.[STATUS_EVENT_METADATA_KEY] as StatusEventMetadata | undefined;

async function drain(events: AsyncIterable<Event>): Promise<Event[]> {
  const out: Event[] = [];
  for await (const event of events) out.push(event);
  return out;
}

/** An agent whose model calls `tool` with `args` once, then answers with what the tool returned. */
function agentCalling(name: string, tool: string, args: Record<string, unknown>, tools: (BaseTool | BaseToolset)[], seen?: FunctionResponse[]) {
  return new LlmAgent({
    name,
    description: `${name} runs ${tool}`,
    model: new ScriptedLlm(({ step, functionResponses }) => {
      seen?.push(...functionResponses);
      return step === 0 ? callTools({ name: tool, args }) : reply('done');
    }),
    instruction: 'work',
    tools,
  });
}

const progressFrames = (client: TestClient, tool = 'index_pages') => client.statuses.filter((s) => s.tool === tool && s.data !== 'Running index pages…' && s.data !== 'Finished index pages');
const hasProgress = (client: TestClient, progress: number) => client.statuses.some((s) => s.tool === 'index_pages' && s.progress === progress);

const servers = new McpServerProcesses();
let hub: HubServer;
let gate: ProgressGate;

const adkLogger = getLogger();
beforeAll(async () => {
  // ADK logs an error each time it closes an MCP session whose response stream is still open
  // ("SSE stream disconnected: AbortError"), with or without progress: keep the output readable.
  setLogger(null);
  hub = await startHubServer();
});
beforeEach(async () => {
  gate = await startGate();
});
afterEach(async () => {
  await gate.close();
  // Every stdio server ADK started is gone by the end of a test (ADK closes its sessions).
  expect(await servers.reapStdio()).toEqual([]);
});
afterAll(async () => {
  setLogger(adkLogger);
  await servers.dispose();
  await hub.close();
});

async function runPlugin(
  connection: MCPConnectionParams,
  args: Record<string, unknown>,
  { sessionId, tool = 'index_pages', plugin = {}, client: given }: { sessionId: string; tool?: string; plugin?: StatusPluginOptions; client?: TestClient },
) {
  const client = given ?? (await TestClient.open(hub.url(sessionId)));
  const seen: FunctionResponse[] = [];
  const agent = agentCalling('indexer', tool, args, [new MCPToolset(connection)], seen);
  const runner = new InMemoryRunner({ agent, appName: 'mcp_app', plugins: [new StatusPlugin({ hub: hub.hub, ...plugin })] });
  await runner.sessionService.createSession({ appName: 'mcp_app', userId: 'u', sessionId });
  const events = await drain(runner.runAsync({ userId: 'u', sessionId, newMessage: userMessage('index it') }));
  await client.waitFor((c) => c.runEnds.length > 0);
  const stored = await runner.sessionService.getSession({ appName: 'mcp_app', userId: 'u', sessionId });
  return { client, events, seen, stored: stored!.events };
}

describe('MCP progress over Streamable HTTP with StatusPlugin', () => {
  let connection: MCPConnectionParams;
  beforeAll(async () => {
    connection = await servers.http();
  });

  it('shows each notification live, in order, as text, percent and tool, between the tool’s start and end statuses', async () => {
    const client = await TestClient.open(hub.url('mcp-http-live'));
    // The server goes on to the next page only once the browser showed this one.
    gate.onStep = async (step): Promise<GateAnswer> => {
      await client.waitFor((c) => hasProgress(c, step * 25));
      return 'go';
    };
    await runPlugin(connection, { pages: 4, gate: gate.url }, { sessionId: 'mcp-http-live', client });
    expect(client.statuses.map((s) => [s.data, s.progress, s.tool])).toEqual([
      ['Running index pages…', undefined, 'index_pages'],
      ['Indexing page 1 of 4', 25, 'index_pages'],
      ['Indexing page 2 of 4', 50, 'index_pages'],
      ['Indexing page 3 of 4', 75, 'index_pages'],
      ['Indexing page 4 of 4', 100, 'index_pages'],
      ['Finished index pages', undefined, 'index_pages'],
    ]);
    expect(progressFrames(client).every((s) => s.agent === 'indexer')).toBe(true);
    expect(client.runEnds.map((s) => s.state)).toEqual(['done']);
  });

  it('gives the model the MCP result only, and stores no status in the session', async () => {
    const { events, seen, stored } = await runPlugin(connection, { pages: 3 }, { sessionId: 'mcp-http-model' });
    expect(seen.map((r) => r.response)).toEqual([{ content: [{ type: 'text', text: 'Indexed 3 pages (progress token present)' }] }]);
    // The statuses were in the run's event stream, as partial events …
    expect(events.filter((e) => statusOf(e)?.tool === 'index_pages' && statusOf(e)!.progress !== undefined)).toHaveLength(3);
    // … and none of them was stored.
    expect(stored.filter((e) => statusOf(e) || e.partial)).toEqual([]);
    expect(JSON.stringify(stored)).not.toContain('Indexing page');
  });

  it('shows the last progress of a call before the tool’s end status, also when the throttle held it', async () => {
    const { client } = await runPlugin(connection, { pages: 6 }, { sessionId: 'mcp-http-burst', plugin: { throttleMs: 200 } });
    const texts = client.statusTexts;
    expect(texts).toContain('Indexing page 6 of 6');
    expect(texts.indexOf('Indexing page 6 of 6')).toBe(texts.indexOf('Finished index pages') - 1);
    expect(texts.at(-1)).toBe('Finished index pages');
  });

  it('names the tool and its progress when a notification has no message, and leaves out the percentage without a total', async () => {
    const { events } = await runPlugin(connection, { pages: 2, withMessage: false }, { sessionId: 'mcp-http-bare', plugin: { throttleMs: 0 } });
    const { events: noTotal } = await runPlugin(
      connection,
      { pages: 2, withMessage: false, withTotal: false },
      { sessionId: 'mcp-http-bare-2', plugin: { throttleMs: 0 } },
    );
    const progress = (list: Event[]) => list.map(statusOf).filter((s) => s?.tool === 'index_pages' && s.data.startsWith('Index pages'));
    expect(progress(events).map((s) => [s!.data, s!.progress])).toEqual([
      ['Index pages: 50%', 50],
      ['Index pages: 100%', 100],
    ]);
    expect(progress(noTotal).map((s) => [s!.data, s!.progress])).toEqual([
      ['Index pages: 1', undefined],
      ['Index pages: 2', undefined],
    ]);
  });

  it('leaves a tool that reports no progress as it was', async () => {
    const { client, seen } = await runPlugin(connection, { query: 'travel laptops' }, { sessionId: 'mcp-http-quiet', tool: 'quiet_lookup' });
    expect(seen.map((r) => r.response)).toEqual([{ content: [{ type: 'text', text: 'Found travel laptops (progress token present)' }] }]);
    expect(client.statusTexts).toEqual(['Running quiet lookup…', 'Finished quiet lookup']);
  });

  it('sends nothing with `mcpProgress: false`: the server gets no progress token', async () => {
    const { client, seen } = await runPlugin(connection, { pages: 2 }, { sessionId: 'mcp-http-off', plugin: { mcpProgress: false } });
    expect(seen.map((r) => r.response)).toEqual([{ content: [{ type: 'text', text: 'Indexed 2 pages (progress token absent)' }] }]);
    expect(client.statusTexts).toEqual(['Running index pages…', 'Finished index pages']);
  });

  it('aborts the MCP call with the run, and shows no progress after the abort', async () => {
    const sessionId = 'mcp-http-abort';
    const client = await TestClient.open(hub.url(sessionId));
    const controller = new AbortController();
    let framesAtAbort = 0;
    gate.onStep = async (step): Promise<GateAnswer> => {
      await client.waitFor((c) => hasProgress(c, step * 10));
      if (step < 2) return 'go';
      framesAtAbort = client.frames.length;
      controller.abort();
      return 'linger';
    };
    const args = { pages: 10, gate: gate.url, lateProgress: 3, lingerMs: 1_000 };
    const agent = agentCalling('indexer', 'index_pages', args, [withMcpProgress(new MCPToolset(connection))]);
    const runner = new InMemoryRunner({ agent, appName: 'mcp_abort' });
    await runner.sessionService.createSession({ appName: 'mcp_abort', userId: 'u', sessionId });
    const run = drain(runWithStatus(runner, { hub: hub.hub, userId: 'u', sessionId, newMessage: userMessage('go'), abortSignal: controller.signal }));
    // The run ends while the server still works on the call …
    const first = await Promise.race([run.then(() => 'run'), gate.lingered.then(() => 'server')]);
    expect(first).toBe('run');
    // … which, cancelled or not, sends three more notifications: none of them becomes a status.
    expect((await gate.lingered).late).toBe(3);
    await client.waitFor((c) => c.runEnds.length > 0);
    expect(client.frames.slice(framesAtAbort)).toEqual([expect.objectContaining({ type: 'status', state: 'aborted' })]);
    expect(client.statusTexts).toEqual(['Indexing page 1 of 10', 'Indexing page 2 of 10']);
  });
});

describe('MCP progress over stdio', () => {
  it('reaches the hub from an MCP tool behind an AgentTool once the plugin instrumented the tree', async () => {
    const sessionId = 'mcp-stdio-nested';
    const client = await TestClient.open(hub.url(sessionId));
    gate.onStep = async (step): Promise<GateAnswer> => {
      await client.waitFor((c) => c.statuses.some((s) => s.tool === 'index_pages' && s.data === `Indexing page ${step} of 3`));
      return 'go';
    };
    const indexer = agentCalling('indexer', 'index_pages', { pages: 3, gate: gate.url }, [new MCPToolset(servers.stdio())]);
    const root = agentCalling('coordinator', 'indexer', { request: 'index the docs' }, [new AgentTool({ agent: indexer })]);
    const plugin = new StatusPlugin({ hub: hub.hub, throttleMs: 0 });
    const undo = plugin.instrument(root);
    try {
      const runner = new InMemoryRunner({ agent: root, appName: 'mcp_nested', plugins: [plugin] });
      await runner.sessionService.createSession({ appName: 'mcp_nested', userId: 'u', sessionId });
      await drain(runner.runAsync({ userId: 'u', sessionId, newMessage: userMessage('go') }));
    } finally {
      undo();
    }
    await client.waitFor((c) => c.runEnds.length > 0);
    expect(progressFrames(client).map((s) => [s.data, Math.round(s.progress!), s.agent])).toEqual([
      ['Indexing page 1 of 3', 33, 'indexer'],
      ['Indexing page 2 of 3', 67, 'indexer'],
      ['Indexing page 3 of 3', 100, 'indexer'],
    ]);
    expect(client.statusTexts[0]).toBe('Asking indexer…');
    expect(client.statusTexts.at(-1)).toBe('indexer answered');
  });

  it('reports through runWithStatus with withMcpProgress, without the plugin', async () => {
    const sessionId = 'mcp-stdio-run';
    const client = await TestClient.open(hub.url(sessionId));
    const seen: FunctionResponse[] = [];
    const agent = agentCalling('indexer', 'index_pages', { pages: 3, delayMs: 150 }, [withMcpProgress(new MCPToolset(servers.stdio()), { throttleMs: 0 })], seen);
    const runner = new InMemoryRunner({ agent, appName: 'mcp_run' });
    await runner.sessionService.createSession({ appName: 'mcp_run', userId: 'u', sessionId });
    await drain(runWithStatus(runner, { hub: hub.hub, userId: 'u', sessionId, newMessage: userMessage('go') }));
    await client.waitFor((c) => c.runEnds.length > 0);
    expect(client.statusTexts).toEqual(['Indexing page 1 of 3', 'Indexing page 2 of 3', 'Indexing page 3 of 3']);
    expect(seen.map((r) => r.response)).toEqual([{ content: [{ type: 'text', text: 'Indexed 3 pages (progress token present)' }] }]);
  });

  it('reports each notification once when two plugins and withMcpProgress all bridge the tool', async () => {
    const agent = agentCalling('indexer', 'index_pages', { pages: 3 }, [withMcpProgress(new MCPToolset(servers.stdio()))]);
    const first = new StatusPlugin({ name: 'first', throttleMs: 0 });
    const second = new StatusPlugin({ name: 'second', throttleMs: 0 });
    const undo = [first.instrument(agent), second.instrument(agent)];
    try {
      const runner = new InMemoryRunner({ agent, appName: 'mcp_once', plugins: [first, second] });
      await runner.sessionService.createSession({ appName: 'mcp_once', userId: 'u', sessionId: 'once' });
      const events = await drain(runner.runAsync({ userId: 'u', sessionId: 'once', newMessage: userMessage('go') }));
      const texts = events.map(statusOf).filter((s) => s?.tool === 'index_pages').map((s) => s!.data);
      expect(texts).toEqual(['Running index pages…', 'Indexing page 1 of 3', 'Indexing page 2 of 3', 'Indexing page 3 of 3', 'Finished index pages']);
    } finally {
      for (const u of undo) u();
    }
  });

  it('leaves the call exactly as ADK makes it outside any binding', async () => {
    const seen: FunctionResponse[] = [];
    const agent = agentCalling('indexer', 'index_pages', { pages: 2 }, [withMcpProgress(new MCPToolset(servers.stdio()))], seen);
    const runner = new InMemoryRunner({ agent, appName: 'mcp_unbound' });
    await runner.sessionService.createSession({ appName: 'mcp_unbound', userId: 'u', sessionId: 'unbound' });
    const events = await drain(runner.runAsync({ userId: 'u', sessionId: 'unbound', newMessage: userMessage('go') }));
    expect(seen.map((r) => r.response)).toEqual([{ content: [{ type: 'text', text: 'Indexed 2 pages (progress token absent)' }] }]);
    expect(events.filter((e) => statusOf(e))).toEqual([]);
  });

  it('stops the server with the run when the run is aborted mid-tool', async () => {
    const sessionId = 'mcp-stdio-abort';
    const client = await TestClient.open(hub.url(sessionId));
    const controller = new AbortController();
    gate.onStep = async (step): Promise<GateAnswer> => {
      await client.waitFor((c) => hasProgress(c, step * 10));
      if (step === 2) controller.abort();
      return step === 2 ? 'linger' : 'go';
    };
    const agent = agentCalling('indexer', 'index_pages', { pages: 10, gate: gate.url, lateProgress: 3 }, [new MCPToolset(servers.stdio())]);
    const plugin = new StatusPlugin({ hub: hub.hub, throttleMs: 0 });
    const runner = new InMemoryRunner({ agent, appName: 'mcp_stdio_abort', plugins: [plugin] });
    await runner.sessionService.createSession({ appName: 'mcp_stdio_abort', userId: 'u', sessionId });
    await drain(runner.runAsync({ userId: 'u', sessionId, newMessage: userMessage('go'), abortSignal: controller.signal }));
    await client.waitFor((c) => c.runEnds.length > 0);
    // ADK stopped the server process of the aborted call (the afterEach hook checks that none is left).
    expect(await servers.reapStdio()).toEqual([]);
    expect(client.statusTexts).toEqual(['Running index pages…', 'Indexing page 1 of 10', 'Indexing page 2 of 10']);
    expect(client.frames.at(-1)).toMatchObject({ type: 'status', state: 'aborted' });
  });
});

