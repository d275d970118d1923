/**
 * A run's statuses on an A2A task's event bus, as A2A's own "what I am doing" channel: a
 * `working` TaskStatusUpdateEvent whose message has the text as a text part (any A2A client shows
 * it) and the status in `metadata.status_messenger` (the one status shape, src/protocol.ts), which
 * `RemoteA2AAgent` parents with `StatusPlugin` turn back into statuses. After the task's final
 * event the bus takes nothing more: the caller's stream has ended, and a late status must not
 * reopen it.
 */
import { randomUUID } from 'node:crypto';
import type { TaskStatusUpdateEvent } from '@a2a-js/sdk';
import type { ExecutionEventBus } from '@a2a-js/sdk/server';
import { STATUS_EVENT_METADATA_KEY, toStatusPayload } from '../protocol.js';
import type { StatusUpdate } from '../protocol.js';
import type { StatusDestination } from './destination.js';

/** The A2A v0.3 event a status becomes: the shape `RemoteA2AAgent` and plain A2A clients read. */
export function toA2AStatusEvent(ids: { taskId: string; contextId: string }, status: StatusUpdate): TaskStatusUpdateEvent {
  const timestamp = new Date().toISOString();
  return {
    kind: 'status-update',
    taskId: ids.taskId,
    contextId: ids.contextId,
    final: false,
    status: {
      state: 'working',
      timestamp,
      message: {
        kind: 'message',
        role: 'agent',
        messageId: randomUUID(),
        parts: [{ kind: 'text', text: status.message }],
        metadata: { [STATUS_EVENT_METADATA_KEY]: toStatusPayload(status, timestamp) },
      },
    },
  };
}

export class A2aTaskBus implements StatusDestination {
  readonly kind = 'a2a';
  readonly #ids: { taskId: string; contextId: string };
  readonly #bus: Pick<ExecutionEventBus, 'publish'>;
  #closed = false;

  constructor(ids: { taskId: string; contextId: string }, bus: Pick<ExecutionEventBus, 'publish'>) {
    this.#ids = { taskId: ids.taskId, contextId: ids.contextId };
    this.#bus = bus;
  }

  /** Publishes a working update; 1 (the task's caller), or 0 once the task has ended. */
  deliver(status: Readonly<StatusUpdate>): number {
    if (this.#closed) return 0;
    this.#bus.publish(toA2AStatusEvent(this.#ids, status));
    return 1;
  }

  close(): void {
    this.#closed = true;
  }
}
