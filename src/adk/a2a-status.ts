/**
 * `withA2AStatus(executor)`: statuses of an agent served over A2A reach the caller live, as A2A's
 * own "what I am doing" channel — a `working` TaskStatusUpdateEvent whose message carries the
 * text and `metadata.status_messenger`. ADK's `A2AAgentExecutor` publishes one `working` update
 * with no message, so without this a caller sees nothing until the task is done.
 *
 * How: `execute` runs inside a status-session binding whose sink publishes on the task's event
 * bus. ADK's executor iterates its runner inside that call, so every `next()` sees the binding
 * (ADK-NOTES §3, case A) and the status tool, `addStatusMessage` and `StatusPlugin` all land on
 * the bus, synchronously and so in order with ADK's own events. The status tool's own function
 * call and response (its argument IS the status text) are kept out of the artifacts: statuses
 * are not the answer.
 */
import { randomUUID } from 'node:crypto';
import type { TaskArtifactUpdateEvent, TaskStatusUpdateEvent } from '@a2a-js/sdk';
import type { AgentExecutionEvent, AgentExecutor, ExecutionEventBus, RequestContext } from '@a2a-js/sdk/server';
import { z } from 'zod';
import { registerAdkSessionRoute } from '../context/adk-session-routes.js';
import { bindStatusSession } from '../context/status-context.js';
import { createStatusSession } from '../context/status-session.js';
import type { StatusSink } from '../context/status-session.js';
import { normalizeStatus } from '../status.js';
import { SESSION_ID_PATTERN } from '../protocol.js';
import type { StatusUpdate } from '../protocol.js';
import { defineOptions, parseOptions } from '../options.js';
import { DEFAULT_STATUS_TOOL_NAME } from '../tools/status-message-tool.js';

/** Where a status travels in an A2A message's `metadata` (and in ADK events' `customMetadata`). */
export const A2A_STATUS_METADATA_KEY = 'status_messenger';

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

/** The A2A v0.3 event a status becomes: the shape `RemoteA2AAgent` and plain A2A clients read. */
export function toA2AStatusEvent(ids: { taskId: string; contextId: string }, status: StatusUpdate): TaskStatusUpdateEvent {
  return {
    kind: 'status-update',
    taskId: ids.taskId,
    contextId: ids.contextId,
    final: false,
    status: {
      state: 'working',
      timestamp: new Date().toISOString(),
      message: {
        kind: 'message',
        role: 'agent',
        messageId: randomUUID(),
        parts: [{ kind: 'text', text: status.message }],
        metadata: { [A2A_STATUS_METADATA_KEY]: { ...status } },
      },
    },
  };
}

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
      const task = new TaskStatusChannel(ctx, bus, statusTools);
      const session = createStatusSession({
        sessionId: statusSessionIdFor(ctx),
        hub: task,
        adk: { userId: a2aUserId(ctx.contextId), sessionId: ctx.contextId },
      });
      // The second route (ADK ids → session) for code that escaped the async context.
      const unregister = registerAdkSessionRoute(a2aUserId(ctx.contextId), ctx.contextId, session);
      try {
        await bindStatusSession(session, () => executor.execute(ctx, task.bus));
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
  if (SESSION_ID_PATTERN.test(ctx.contextId)) return ctx.contextId;
  if (SESSION_ID_PATTERN.test(ctx.taskId)) return ctx.taskId;
  return randomUUID();
}

/**
 * One task's bus, seen two ways: a `StatusSink` that publishes statuses on it, and a filtered
 * bus for the executor. After the task's final event (or once `execute` returned) statuses are
 * dropped: the caller's stream has ended, and a late status must not reopen it.
 */
class TaskStatusChannel implements StatusSink {
  readonly bus: ExecutionEventBus;
  #closed = false;

  constructor(
    private readonly ctx: RequestContext,
    private readonly inner: ExecutionEventBus,
    private readonly statusTools: ReadonlySet<string>,
  ) {
    const publish = (event: AgentExecutionEvent): void => {
      const kept = this.#withoutStatusParts(event);
      if (!kept) return;
      if (isFinal(kept)) this.#closed = true;
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
    this.bus = bus;
  }

  /** Returns 1 (the task's stream) when published, 0 once the task has ended. */
  send(_sessionId: string, status: StatusUpdate | string): number {
    const update = normalizeStatus(status);
    if (this.#closed) return 0;
    this.inner.publish(toA2AStatusEvent(this.ctx, update));
    return 1;
  }

  close(): void {
    this.#closed = true;
  }

  #withoutStatusParts(event: AgentExecutionEvent): AgentExecutionEvent | undefined {
    if (event.kind !== 'artifact-update') return event;
    const parts = event.artifact.parts.filter((part) => !this.#isStatusToolPart(part));
    if (parts.length === event.artifact.parts.length) return event;
    if (parts.length === 0) return undefined;
    return { ...event, artifact: { ...event.artifact, parts } } satisfies TaskArtifactUpdateEvent;
  }

  #isStatusToolPart(part: TaskArtifactUpdateEvent['artifact']['parts'][number]): boolean {
    if (part.kind !== 'data') return false;
    const type = part.metadata?.[ADK_DATA_PART_TYPE];
    const name = (part.data as { name?: unknown }).name;
    return typeof type === 'string' && FUNCTION_PART_TYPES.has(type) && typeof name === 'string' && this.statusTools.has(name);
  }
}

function isFinal(event: AgentExecutionEvent): boolean {
  return event.kind === 'message' || (event.kind === 'status-update' && event.final);
}
