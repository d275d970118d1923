/**
 * Covers agents the plugin cannot see. ADK 2.0 runs an `AgentTool`'s agent in a fresh Runner
 * without plugins, so plugin callbacks never fire there; and agent-level `afterToolCallback`s
 * cannot tell a tool that failed from one that returned nothing (both arrive as `undefined`).
 * So `instrument()` wraps each tool instance's `runAsync` across the whole agent tree (sub-agents
 * and agents behind AgentTools, recursively): start before it, done after it, error when it
 * throws (rethrown unchanged). Calls the plugin already claimed are left to the plugin. A tool
 * instrumented by several plugins reports through the newest; undo restores the tool exactly.
 */
import { isAgentTool, isBaseAgent, isBaseTool, isLlmAgent } from '@google/adk';
import type { BaseAgent, BaseTool, Context } from '@google/adk';
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
      const active = current.reporters.at(-1);
      if (!active) return current.original.call(this, request);
      const args = (request?.args ?? {}) as Record<string, unknown>;
      const ctx = request?.toolContext as Context | undefined;
      active.toolStart('wrapper', tool, args, ctx);
      let result: unknown;
      try {
        result = await current.original.call(this, request);
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

/** Wraps every tool in the tree of `root`; returns a function that undoes it. */
export function instrumentAgentTree(root: BaseAgent, reporter: LifecycleReporter): () => void {
  const undo: (() => void)[] = [];
  const seen = new Set<BaseAgent>();
  const visit = (agent: BaseAgent): void => {
    if (seen.has(agent)) return;
    seen.add(agent);
    if (isLlmAgent(agent)) {
      for (const tool of agent.tools) {
        if (!isBaseTool(tool)) continue; // toolsets and workflow nodes are left alone
        undo.push(wrapTool(tool as Wrapped, reporter));
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
    for (const restore of undo.splice(0)) restore();
  };
}
