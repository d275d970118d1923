/**
 * How a plugin learns that a run it bound is over when ADK does not tell it. ADK 2.0 calls
 * `afterRunCallback` only after a run that completed: when the run throws (the session store
 * fails mid-run, another plugin throws) or its consumer stops iterating, no callback comes, and a
 * run the plugin bound would never send its end status.
 *
 * The Runner runs its root agent with `agent.runAsync(invocationContext)`. `watchAgentRuns(agent)`
 * wraps that method on the agent instance (once; the wrapper only delegates, with `yield*`, so
 * the agent's events and their async context are unchanged) and tells the watcher registered for
 * the invocation how the agent's generator ended: `completed`, `threw`, or `returned` (its
 * consumer stopped: the Runner was aborted, or threw after the agent yielded, or was abandoned).
 * Nested runs of the same agent within one invocation report once, for the outermost.
 */
import type { BaseAgent } from '@google/adk';
import { processRegistry } from '../process-registry.js';

export type AgentRunOutcome = 'completed' | 'threw' | 'returned';
type Watcher = (outcome: AgentRunOutcome) => void;

const WATCHED = Symbol.for('adk-status-messenger/agent-run-watch.v1');

// Shared by every copy of the package: a copy's wrapper reports to another copy's plugin.
const registry = processRegistry('agent-run-watchers.v1', () => ({
  watchers: new Map<string, Watcher>(),
  depth: new Map<string, number>(),
}));

type RunAsync = BaseAgent['runAsync'];

/** Wraps `agent.runAsync` once so that watchers learn how its runs end; leaves other agents alone. */
export function watchAgentRuns(agent: BaseAgent | undefined): boolean {
  if (!agent || typeof agent.runAsync !== 'function') return false;
  const holder = agent as unknown as Record<symbol, unknown>;
  if (holder[WATCHED]) return true;
  const original = agent.runAsync as RunAsync;
  const watched = async function* (this: BaseAgent, parentContext: Parameters<RunAsync>[0]) {
    const invocationId = (parentContext as { invocationId?: unknown } | undefined)?.invocationId;
    const watcher = typeof invocationId === 'string' ? registry.watchers.get(invocationId) : undefined;
    if (!watcher || typeof invocationId !== 'string') {
      yield* original.call(this, parentContext);
      return;
    }
    const depth = (registry.depth.get(invocationId) ?? 0) + 1;
    registry.depth.set(invocationId, depth);
    let outcome: AgentRunOutcome = 'returned';
    try {
      yield* original.call(this, parentContext);
      outcome = 'completed';
    } catch (error) {
      outcome = 'threw';
      throw error;
    } finally {
      if (depth === 1) registry.depth.delete(invocationId);
      else registry.depth.set(invocationId, depth - 1);
      if (depth === 1) {
        try {
          watcher(outcome);
        } catch {
          // A watcher never breaks the agent's run.
        }
      }
    }
  } as unknown as RunAsync;
  Object.defineProperty(agent, 'runAsync', { value: watched, configurable: true, writable: true });
  Object.defineProperty(agent, WATCHED, { value: true, configurable: true });
  return true;
}

/** Calls `watcher` once the root agent's run of `invocationId` ends; returns a function that stops watching. */
export function watchInvocation(invocationId: string, watcher: Watcher): () => void {
  registry.watchers.set(invocationId, watcher);
  return () => {
    if (registry.watchers.get(invocationId) === watcher) registry.watchers.delete(invocationId);
  };
}
