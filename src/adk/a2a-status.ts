/**
 * `withA2AStatus(executor)`: statuses of an agent served over A2A reach the caller live, as A2A's
 * own "what I am doing" channel — a `working` TaskStatusUpdateEvent whose message carries the
 * text and `metadata.status_messenger`. ADK's `A2AAgentExecutor` publishes one `working` update
 * with no message, so without this a caller sees nothing until the task is done.
 *
 * How: `execute` runs inside a run whose destinations include the task's event bus
 * (src/destinations/a2a-bus.ts). ADK's executor iterates its runner inside that call, so every `next()` sees the binding
 * (ADK-NOTES §3, case A) and the status tool, `addStatusMessage` and `StatusPlugin` all land on
 * the bus, synchronously and so in order with ADK's own events. The status tool's own function
 * call and response (its argument IS the status text) are kept out of the artifacts: statuses
 * are not the answer.
 */
import { randomUUID } from 'node:crypto';
import type { TaskArtifactUpdateEvent } from '@a2a-js/sdk';
import type { AgentExecutionEvent, AgentExecutor, ExecutionEventBus, RequestContext } from '@a2a-js/sdk/server';
import { z } from 'zod';
import { bindStatusSession } from '../binding/context.js';
import { registerRoute } from '../binding/routes.js';
import { StatusRun } from '../binding/status-run.js';
import { A2aTaskBus } from '../destinations/a2a-bus.js';
import { ADK_EVENT_STREAM } from '../destinations/adk-event-stream.js';
import { StatusListeners } from '../destinations/status-stream.js';
import { defineOptions, parseOptions } from '../options.js';
import { isServableSessionId } from '../status.js';
import { DEFAULT_STATUS_TOOL_NAME } from '../tools/status-message-tool.js';

/** ADK's `A2AMetadataKeys.DATA_PART_TYPE` (`adk_type`), with the two values that name a tool call. */
const ADK_DATA_PART_TYPE = 'adk_type';
const FUNCTION_PART_TYPES = new Set(['function_call', 'function_response']);

export interface WithA2AStatusOptions {
  /**
   * Status tools whose function calls and responses are kept out of the artifacts.
   * `toA2aWithStatus` adds every status tool it finds in the agent tree.
   * @default ['status_message']
   */
  statusToolNames?: string[];
}

const WITH_A2A_STATUS_OPTIONS = defineOptions('withA2AStatus(executor, options)', {
  statusToolNames: z.array(z.string().min(1)).optional(),
});

/**
 * Wraps an A2A `AgentExecutor` (ADK's `A2AAgentExecutor` or your own) so that statuses made
 * during `execute` are published on the task's event bus. Everything else passes through.
 */
export function withA2AStatus(executor: AgentExecutor, options?: WithA2AStatusOptions): AgentExecutor {
  if (typeof executor?.execute !== 'function' || typeof executor.cancelTask !== 'function') {
    throw new TypeError('withA2AStatus(executor): expected an A2A AgentExecutor (with execute and cancelTask)');
  }
  const parsed = parseOptions(WITH_A2A_STATUS_OPTIONS, options);
  const statusTools = new Set(parsed.statusToolNames ?? [DEFAULT_STATUS_TOOL_NAME]);
  return {
    async execute(ctx: RequestContext, bus: ExecutionEventBus): Promise<void> {
      const task = new A2aTaskBus(ctx, bus);
      const sessionId = statusSessionIdFor(ctx);
      // The task has its own end (its final event): the run sends no end status of its own.
      const run = new StatusRun({
        sessionId,
        adk: { userId: a2aUserId(ctx.contextId), sessionId: ctx.contextId },
        destinations: [task, ADK_EVENT_STREAM, new StatusListeners(sessionId)],
      });
      // The second route (ADK ids → run) for code that escaped the async context.
      const unregister = registerRoute({ userId: a2aUserId(ctx.contextId), sessionId: ctx.contextId }, run);
      try {
        await bindStatusSession(run, () => executor.execute(ctx, filteredBus(bus, task, statusTools)));
      } finally {
        task.close();
        unregister();
      }
    },
    cancelTask: (taskId: string, bus: ExecutionEventBus) => executor.cancelTask(taskId, bus),
  };
}

/** ADK's `A2AAgentExecutor` runs each context as user `A2A_USER_<contextId>`, session `<contextId>`. */
const a2aUserId = (contextId: string): string => `A2A_USER_${contextId}`;

/** The status session id: the A2A context when it is a valid id (it usually is a UUID). */
function statusSessionIdFor(ctx: RequestContext): string {
  if (isServableSessionId(ctx.contextId)) return ctx.contextId;
  if (isServableSessionId(ctx.taskId)) return ctx.taskId;
  return randomUUID();
}

/**
 * The bus the executor publishes on: the task's own, without the status tool's function calls
 * and responses (its argument IS the status text: statuses are not the answer), and closing the
 * task's status channel at the task's final event.
 */
function filteredBus(inner: ExecutionEventBus, task: A2aTaskBus, statusTools: ReadonlySet<string>): ExecutionEventBus {
  const publish = (event: AgentExecutionEvent): void => {
    const kept = withoutStatusParts(event, statusTools);
    if (!kept) return;
    if (isFinal(kept)) task.close();
    inner.publish(kept);
  };
  // Not a Proxy: the SDK's listeners stay on the real bus; only publish is filtered.
  const bus: ExecutionEventBus = {
    publish,
    on: (name, listener) => (inner.on(name, listener), bus),
    off: (name, listener) => (inner.off(name, listener), bus),
    once: (name, listener) => (inner.once(name, listener), bus),
    removeAllListeners: (name) => (inner.removeAllListeners(name), bus),
    finished: () => inner.finished(),
  };
  return bus;
}

function withoutStatusParts(event: AgentExecutionEvent, statusTools: ReadonlySet<string>): AgentExecutionEvent | undefined {
  if (event.kind !== 'artifact-update') return event;
  const parts = event.artifact.parts.filter((part) => !isStatusToolPart(part, statusTools));
  if (parts.length === event.artifact.parts.length) return event;
  if (parts.length === 0) return undefined;
  return { ...event, artifact: { ...event.artifact, parts } } satisfies TaskArtifactUpdateEvent;
}

function isStatusToolPart(part: TaskArtifactUpdateEvent['artifact']['parts'][number], statusTools: ReadonlySet<string>): boolean {
  if (part.kind !== 'data') return false;
  const type = part.metadata?.[ADK_DATA_PART_TYPE];
  const name = (part.data as { name?: unknown }).name;
  return typeof type === 'string' && FUNCTION_PART_TYPES.has(type) && typeof name === 'string' && statusTools.has(name);
}

function isFinal(event: AgentExecutionEvent): boolean {
  return event.kind === 'message' || (event.kind === 'status-update' && event.final);
}
