/**
 * Covers agents the plugin cannot see. ADK 2.0 runs an `AgentTool`'s agent in a fresh Runner
 * without plugins, so plugin callbacks never fire there; and agent-level `afterToolCallback`s
 * cannot tell a tool that failed from one that returned nothing (both arrive as `undefined`).
 * So `instrument()` wraps each tool instance's `runAsync` across the whole agent tree (sub-agents
 * and agents behind AgentTools, recursively): start before it, done after it, error when it
 * throws (rethrown unchanged). Calls the plugin already claimed are left to the plugin.
 *
 * A tool object may sit in the trees of several apps, each with its own plugin: a call reports
 * only to the plugin of the run that made it — the plugin registered on that run's runner (for
 * a call inside an AgentTool's sub-run: on the enclosing run's), else the plugin whose
 * `instrument()` covered the running agent. Never to a neighbour's. Undo restores the tool exactly.
 *
 * The wrapper also binds the call (AsyncLocalStorage), so code inside it without a context of
 * its own — `addStatusMessage`, the tools of an AgentTool's sub-run — reaches the right run.
 *
 * With `mcpProgress`, MCP tools across the tree report their progress (src/adk/mcp-progress.ts):
 * MCP tools in the tree, and the tools every toolset in it hands out (`MCPToolset`).
 */
import { isAgentTool, isBaseAgent, isBaseTool, isBaseToolset, isLlmAgent } from '@google/adk';
import type { BaseAgent, BaseTool, Context } from '@google/adk';
import { bridgeMcpTool, bridgeMcpToolset } from '../adk/mcp-progress.js';
import type { McpProgressSource } from '../adk/mcp-progress.js';
import { bindToolCall, currentToolCall } from '../binding/context.js';
import { enclosingToolCall, openToolCall } from '../binding/routes.js';
import type { LifecycleReporter } from './lifecycle-reporter.js';

const WRAPPED = Symbol.for('adk-status-messenger.instrumented');

type RunAsync = BaseTool['runAsync'];
interface WrapState {
  /** Reporters that instrumented this tool; the newest reports. */
  reporters: LifecycleReporter[];
  hadOwn: boolean;
  original: RunAsync;
}
type Wrapped = BaseTool & { [WRAPPED]?: WrapState };

function wrapTool(tool: Wrapped, reporter: LifecycleReporter): () => void {
  let state = tool[WRAPPED];
  if (!state) {
    const hadOwn = Object.prototype.hasOwnProperty.call(tool, 'runAsync');
    const original = tool.runAsync;
    const current: WrapState = (state = { reporters: [], hadOwn, original });
    const wrapped: RunAsync = async function (this: BaseTool, request) {
      const ctx = request?.toolContext as Context | undefined;
      const run = async (): Promise<unknown> => {
        if (!ctx) return current.original.call(this, request);
        // Open while it runs, so a sub-run inside it (an AgentTool's) finds the call it belongs to.
        const close = openToolCall(ctx, tool.name);
        try {
          // The outermost call stays bound: it is the one whose run has a forwarded event stream.
          if (currentToolCall()) return await current.original.call(this, request);
          return await bindToolCall(ctx, () => current.original.call(this, request));
        } finally {
          close();
        }
      };
      const active = reporterFor(current.reporters, ctx);
      if (!active) return run();
      const args = (request?.args ?? {}) as Record<string, unknown>;
      active.toolStart('wrapper', tool, args, ctx);
      let result: unknown;
      try {
        result = await run();
      } catch (error) {
        active.toolError('wrapper', tool, args, ctx, error);
        active.release('wrapper', tool, ctx);
        throw error;
      }
      active.toolEnd('wrapper', tool, args, ctx);
      return result;
    };
    Object.defineProperty(tool, 'runAsync', { value: wrapped, configurable: true, writable: true });
    Object.defineProperty(tool, WRAPPED, { value: state, configurable: true });
  }
  const wrapState = state;
  wrapState.reporters.push(reporter);
  return () => {
    const index = wrapState.reporters.lastIndexOf(reporter);
    if (index !== -1) wrapState.reporters.splice(index, 1);
    if (wrapState.reporters.length > 0 || tool[WRAPPED] !== wrapState) return;
    if (wrapState.hadOwn) Object.defineProperty(tool, 'runAsync', { value: wrapState.original, configurable: true, writable: true });
    else delete (tool as Partial<Wrapped>).runAsync;
    delete tool[WRAPPED];
  };
}

/** The reporter of the run that made the call, among those that instrumented the tool. */
function reporterFor(reporters: readonly LifecycleReporter[], ctx: Context | undefined): LifecycleReporter | undefined {
  if (reporters.length === 0 || !ctx) return undefined;
  const bound = currentToolCall();
  const runCall = bound && bound.invocationId !== ctx.invocationId ? bound : (enclosingToolCall(ctx) ?? ctx);
  const plugins = runCall.invocationContext?.pluginManager;
  if (typeof plugins?.getPlugin === 'function') {
    for (let i = reporters.length - 1; i >= 0; i -= 1) {
      const owner = reporters[i]!.owner as { name?: string } | undefined;
      if (owner?.name !== undefined && plugins.getPlugin(owner.name) === owner) return reporters[i];
    }
  }
  const agent = ctx.invocationContext?.agent;
  for (let i = reporters.length - 1; i >= 0; i -= 1) if (reporters[i]!.covers(agent)) return reporters[i];
  return undefined;
}

/** Wraps every tool in the tree of `root` (and bridges MCP progress, given a source); returns a function that undoes it. */
export function instrumentAgentTree(root: BaseAgent, reporter: LifecycleReporter, mcpProgress?: McpProgressSource): () => void {
  const undo: (() => void)[] = [];
  const seen = new Set<BaseAgent>();
  const visit = (agent: BaseAgent): void => {
    if (seen.has(agent)) return;
    seen.add(agent);
    reporter.cover(agent);
    if (isLlmAgent(agent)) {
      for (const tool of agent.tools) {
        if (mcpProgress && isBaseToolset(tool)) undo.push(bridgeMcpToolset(tool, mcpProgress));
        if (!isBaseTool(tool)) continue; // toolsets and workflow nodes get no lifecycle wrapper
        undo.push(wrapTool(tool as Wrapped, reporter));
        if (mcpProgress) undo.push(bridgeMcpTool(tool, mcpProgress));
        if (isAgentTool(tool)) {
          const inner = (tool as unknown as { agent?: unknown }).agent;
          if (isBaseAgent(inner)) visit(inner);
        }
      }
    }
    for (const sub of agent.subAgents ?? []) visit(sub);
  };
  visit(root);
  return () => {
    // Last wrapped, first undone: each wrapper finds the method it replaced still in place.
    for (const restore of undo.splice(0).reverse()) restore();
  };
}
