/**
 * `withMcpProgress` and the plugin's MCP bridge against ADK's MCP classes and against tools
 * shaped as a future ADK might shape them: what it accepts, what it keeps from ADK's own call,
 * how it is undone, and how it fails soft. No MCP server: the sessions here are fakes.
 */
import { BaseTool, FunctionTool, LlmAgent, MCPSessionManager, MCPTool, MCPToolset } from '@google/adk';
import type { Context, RunAsyncToolRequest } from '@google/adk';
import type { FunctionDeclaration } from '@google/genai';
import { z } from 'zod';
import { withMcpProgress } from '../../src/adk/mcp-progress.js';
import { streamStatusUpdates } from '../../src/destinations/status-stream.js';
import type { StatusStreamItem } from '../../src/destinations/status-stream.js';
import { StatusMessengerError } from '../../src/errors.js';
import { setDefaultLogger, silentLogger } from '../../src/logger.js';
import { StatusPlugin } from '../../src/plugins/status-plugin.js';
import { withStatusSession } from '../../src/runner/run-with-status.js';

const warnings: string[] = [];
beforeAll(() => setDefaultLogger({ ...silentLogger, warn: (message: string) => warnings.push(message) }));
afterAll(() => setDefaultLogger(silentLogger));
beforeEach(() => warnings.splice(0));

const connection = { type: 'StreamableHTTPConnectionParams', url: 'http://127.0.0.1:9/mcp' } as const;

/** The `Context` parts the bridge reads. */
function toolContext(signal?: AbortSignal): Context {
  return { agentName: 'indexer', invocationId: 'e-fit', functionCallId: 'call-1', abortSignal: signal } as unknown as Context;
}

interface CallRecord {
  params: unknown;
  resultSchema: unknown;
  options: Record<string, unknown>;
}

/** A session as the MCP SDK's `Client` is seen by ADK: `callTool` reports two notifications, then answers. */
function fakeClient(calls: CallRecord[]) {
  return {
    closed: false,
    async callTool(params: unknown, resultSchema: unknown, options: Record<string, unknown>) {
      calls.push({ params, resultSchema, options });
      const onprogress = options.onprogress as ((p: unknown) => void) | undefined;
      onprogress?.({ progress: 1, total: 4, message: 'Converting page 1 of 4' });
      onprogress?.({ progress: 4, total: 4 });
      return { content: [{ type: 'text', text: 'converted' }] };
    },
    async close() {
      this.closed = true;
    },
  };
}

/** A tool built as ADK 2.0 builds `MCPTool`: a session manager, `runAsync` opening a session from it. */
class FakeMcpTool extends BaseTool {
  readonly mcpTool = { name: 'convert' };
  readonly closedWith: unknown[] = [];
  readonly calls: CallRecord[] = [];
  readonly clients: ReturnType<typeof fakeClient>[] = [];
  readonly mcpSessionManager = {
    createSession: async () => {
      const client = fakeClient(this.calls);
      this.clients.push(client);
      return client;
    },
    closeSession: async (client: unknown) => {
      this.closedWith.push(client);
    },
  };
  constructor(private readonly ownProgress?: (p: unknown) => void) {
    super({ name: 'convert', description: 'converts' });
  }
  override _getDeclaration(): FunctionDeclaration {
    return { name: this.name, description: this.description };
  }
  override async runAsync(request: RunAsyncToolRequest): Promise<unknown> {
    const session = (await this.mcpSessionManager.createSession()) as ReturnType<typeof fakeClient>;
    try {
      const options = { signal: request.toolContext.abortSignal, ...(this.ownProgress ? { onprogress: this.ownProgress } : {}) };
      return await session.callTool({ name: this.mcpTool.name, arguments: request.args }, undefined, options);
    } finally {
      await this.mcpSessionManager.closeSession(session);
    }
  }
}

async function collect(sessionId: string, count: number, run: () => Promise<unknown>): Promise<{ result: unknown; statuses: StatusStreamItem[] }> {
  const stream = streamStatusUpdates();
  const result = await withStatusSession({ sessionId }, run);
  const statuses: StatusStreamItem[] = [];
  while (statuses.length < count) {
    const next = await stream.next();
    if (next.done) break;
    if (next.value.sessionId === sessionId) statuses.push(next.value);
  }
  await stream.return?.();
  return { result, statuses };
}

describe('withMcpProgress', () => {
  it('returns the toolset it was given, and bridges the tools its getTools hands out', async () => {
    const toolset = new MCPToolset(connection);
    const inner = new FakeMcpTool();
    (toolset as { getTools: () => Promise<BaseTool[]> }).getTools = async () => [inner];
    expect(withMcpProgress(toolset)).toBe(toolset);
    const [tool] = await toolset.getTools();
    const { result, statuses } = await collect('fit-toolset', 2, () => tool!.runAsync({ args: { file: 'a.pdf' }, toolContext: toolContext() }));
    expect(result).toEqual({ content: [{ type: 'text', text: 'converted' }] });
    expect(statuses.map((s) => [s.message, s.progress, s.tool, s.agent])).toEqual([
      ['Converting page 1 of 4', 25, 'convert', 'indexer'],
      ['Convert: 100%', 100, 'convert', 'indexer'],
    ]);
  });

  it('keeps ADK’s request and options (its abort signal, its own onprogress) and closes ADK’s own session', async () => {
    const theirs: unknown[] = [];
    const tool = withMcpProgress(new FakeMcpTool((p) => theirs.push(p)));
    const controller = new AbortController();
    await collect('fit-options', 2, () => tool.runAsync({ args: { file: 'b.pdf' }, toolContext: toolContext(controller.signal) }));
    expect(tool.calls).toHaveLength(1);
    const { params, resultSchema, options } = tool.calls[0]!;
    expect(params).toEqual({ name: 'convert', arguments: { file: 'b.pdf' } });
    expect(resultSchema).toBeUndefined();
    expect(options.signal).toBe(controller.signal);
    expect(options.resetTimeoutOnProgress).toBe(true);
    expect(theirs).toHaveLength(2);
    // ADK closed the client it opened, not our view of it.
    expect(tool.closedWith).toEqual([tool.clients[0]]);
  });

  it('reports each notification once when two copies of the package bridge the same tool', async () => {
    let other!: typeof import('../../src/adk/mcp-progress.js');
    jest.isolateModules(() => {
      other = require('../../src/adk/mcp-progress.js') as typeof import('../../src/adk/mcp-progress.js');
    });
    expect(other.withMcpProgress).not.toBe(withMcpProgress);
    // Unthrottled, so that a second report of a notification would show.
    const tool = other.withMcpProgress(withMcpProgress(new FakeMcpTool(), { throttleMs: 0 }), { throttleMs: 0 });
    const stream = streamStatusUpdates();
    await withStatusSession({ sessionId: 'fit-copies' }, () => tool.runAsync({ args: {}, toolContext: toolContext() }));
    await withStatusSession({ sessionId: 'fit-copies-end' }, async () => (await import('../../src/tools/add-status-message.js')).addStatusMessage('end'));
    const seen: string[] = [];
    for (;;) {
      const { value } = await stream.next();
      if (value!.sessionId === 'fit-copies-end') break;
      seen.push(value!.message);
    }
    await stream.return?.();
    expect(seen).toEqual(['Converting page 1 of 4', 'Convert: 100%']);
  });

  it('makes no status and asks for no progress outside any binding', async () => {
    const tool = withMcpProgress(new FakeMcpTool());
    await tool.runAsync({ args: {}, toolContext: toolContext() });
    expect(tool.calls[0]!.options).toEqual({ signal: undefined });
  });

  it('checks its options and what it is given', () => {
    const toolset = new MCPToolset(connection);
    expect(() => withMcpProgress(toolset, { throttle: 10 } as never)).toThrow(StatusMessengerError);
    expect(() => withMcpProgress(toolset, { throttleMs: -1 })).toThrow(/throttleMs/);
    expect(() => withMcpProgress({} as never)).toThrow(TypeError);
    const plain = new FunctionTool({ name: 'plain', description: 'x', parameters: z.object({}), execute: () => ({}) });
    expect(() => withMcpProgress(plain)).toThrow(/`plain` is not an MCP tool/);
  });

  it('leaves an MCP tool it does not know unchanged, with one warning', () => {
    class FutureMcpTool extends BaseTool {
      readonly mcpTool = { name: 'convert' };
      override async runAsync(): Promise<unknown> {
        return 'ran';
      }
    }
    const a = new FutureMcpTool({ name: 'a', description: 'a' });
    const b = new FutureMcpTool({ name: 'b', description: 'b' });
    const runAsync = a.runAsync;
    expect(withMcpProgress(a)).toBe(a);
    withMcpProgress(b);
    expect(a.runAsync).toBe(runAsync);
    expect(Object.prototype.hasOwnProperty.call(a, 'runAsync')).toBe(false);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/the MCP tool `a` has no `mcpSessionManager.createSession\(\)`.*works as before/);
  });

  it('runs ADK’s call as before, with one warning, when this ADK’s runAsync does not fit the bridge', async () => {
    // A runAsync that reads a private field fails on any receiver but the tool itself.
    class PrivateMcpTool extends FakeMcpTool {
      readonly #secret = 'private';
      override async runAsync(request: RunAsyncToolRequest): Promise<unknown> {
        return { secret: this.#secret, result: await super.runAsync(request) };
      }
    }
    // One that gets its session elsewhere.
    class PooledMcpTool extends FakeMcpTool {
      override async runAsync(_request: RunAsyncToolRequest): Promise<unknown> {
        return 'pooled';
      }
    }
    const privateTool = withMcpProgress(new PrivateMcpTool());
    const pooled = withMcpProgress(new PooledMcpTool());
    await withStatusSession({ sessionId: 'fit-unfit' }, async () => {
      for (let i = 0; i < 2; i += 1) {
        expect(await privateTool.runAsync({ args: {}, toolContext: toolContext() })).toEqual({
          secret: 'private',
          result: { content: [{ type: 'text', text: 'converted' }] },
        });
        expect(await pooled.runAsync({ args: {}, toolContext: toolContext() })).toBe('pooled');
      }
    });
    // Later calls (and new instances of those classes) go straight to ADK's runAsync.
    expect(privateTool.calls.map((c) => c.options)).toEqual([{ signal: undefined }, { signal: undefined }]);
    await withStatusSession({ sessionId: 'fit-unfit' }, () => withMcpProgress(new PrivateMcpTool()).runAsync({ args: {}, toolContext: toolContext() }));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/MCP progress is off, the tools work as before/);
  });
});

describe('StatusPlugin#instrument and MCP toolsets', () => {
  it('bridges the toolsets of the tree, and its undo restores them exactly', () => {
    const toolset = new MCPToolset(connection);
    const agent = new LlmAgent({ name: 'indexer', model: 'gemini-2.5-flash', instruction: 'x', tools: [toolset] });
    const undo = new StatusPlugin().instrument(agent);
    expect(Object.prototype.hasOwnProperty.call(toolset, 'getTools')).toBe(true);
    undo();
    expect(Object.prototype.hasOwnProperty.call(toolset, 'getTools')).toBe(false);
    expect(toolset.getTools).toBe(MCPToolset.prototype.getTools);
  });

  it('undoes the bridge and the lifecycle wrapper of an MCP tool in the tree exactly', () => {
    const tool = new MCPTool({ name: 'convert', inputSchema: { type: 'object' } }, new MCPSessionManager(connection));
    const agent = new LlmAgent({ name: 'indexer', model: 'gemini-2.5-flash', instruction: 'x', tools: [tool] });
    const before = Reflect.ownKeys(tool);
    const undo = new StatusPlugin().instrument(agent);
    expect(Object.prototype.hasOwnProperty.call(tool, 'runAsync')).toBe(true);
    undo();
    expect(Reflect.ownKeys(tool)).toEqual(before);
    expect(tool.runAsync).toBe(MCPTool.prototype.runAsync);
  });

  it('leaves toolsets alone with `mcpProgress: false`', () => {
    const toolset = new MCPToolset(connection);
    const agent = new LlmAgent({ name: 'indexer', model: 'gemini-2.5-flash', instruction: 'x', tools: [toolset] });
    new StatusPlugin({ mcpProgress: false }).instrument(agent);
    expect(Object.prototype.hasOwnProperty.call(toolset, 'getTools')).toBe(false);
    expect(() => new StatusPlugin({ mcpProgress: 'yes' } as never)).toThrow(/mcpProgress/);
  });
});
