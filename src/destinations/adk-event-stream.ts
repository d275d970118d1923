/**
 * A run's statuses in ADK's own event stream: a status made inside a tool call goes into that
 * run's output as a partial event carrying `customMetadata.status_messenger` (the one status
 * shape, src/protocol.ts), so `adk web`, `adk api_server`'s `/run_sse` and a plain
 * `runner.runAsync` loop all see it.
 *
 * The event has no content (no answer text, nothing for the model) and is partial, so the
 * Runner does not persist it: the intent of ADK RFC #5445 (progress that is not persisted, not
 * sent to the model, attributed to its source). The channel into the stream is feature-detected:
 * `invocationContext.enqueueEvent(event)` (ADK 2.2) or `invocationContext.eventQueue.push`
 * (ADK 2.0, present only while tools run). A status made outside a tool call (a model callback,
 * the end of a run) has no channel and is not emitted.
 */
import { createEvent } from '@google/adk';
import type { Context, Event } from '@google/adk';
import { getDefaultLogger } from '../logger.js';
import { STATUS_EVENT_METADATA_KEY, toStatusPayload } from '../protocol.js';
import type { StatusEventMetadata, StatusUpdate } from '../protocol.js';
import type { StatusDestination, StatusOrigin } from './destination.js';

/** The parts of an invocation context this module reads; absent fields mean "not this ADK". */
interface StreamChannel {
  invocationId?: string;
  branch?: string;
  agent?: { name?: string };
  enqueueEvent?: (event: Event) => unknown;
  eventQueue?: { push(event: Event): void; isClosed?: boolean };
}

const channelOf = (ctx: Context | undefined): StreamChannel | undefined => (ctx as { invocationContext?: StreamChannel } | undefined)?.invocationContext;

/** The partial, content-less ADK event that carries one status. */
export function buildStatusEvent(
  ids: { invocationId: string; author: string; branch?: string | undefined },
  metadata: StatusEventMetadata,
): Event {
  return createEvent({
    invocationId: ids.invocationId,
    author: ids.author,
    ...(ids.branch ? { branch: ids.branch } : {}),
    partial: true,
    customMetadata: { [STATUS_EVENT_METADATA_KEY]: metadata },
  });
}

/** Whether the run of tool call `ctx` still takes events (a run that died mid-call does not). */
export function hasLiveChannel(ctx: Context): boolean {
  const channel = channelOf(ctx);
  if (typeof channel?.enqueueEvent === 'function') return true;
  return typeof channel?.eventQueue?.push === 'function' && channel.eventQueue.isClosed !== true;
}

const warned = { missing: false };

/**
 * Emits a status into the event stream of the run tool call `ctx` belongs to. Returns whether
 * ADK took it. Never throws.
 */
export function emitStatusEvent(ctx: Context, metadata: StatusEventMetadata): boolean {
  const channel = channelOf(ctx);
  if (!channel) return false;
  try {
    const event = buildStatusEvent(
      {
        invocationId: channel.invocationId ?? ctx.invocationId ?? '',
        author: metadata.agent || ctx.agentName || channel.agent?.name || 'status_messenger',
        branch: channel.branch,
      },
      metadata,
    );
    if (typeof channel.enqueueEvent === 'function') {
      const pending = channel.enqueueEvent(event);
      if (pending && typeof (pending as Promise<unknown>).catch === 'function') (pending as Promise<unknown>).catch(() => {});
      return true;
    }
    const queue = channel.eventQueue;
    if (queue && typeof queue.push === 'function') {
      // A closed queue: the tools of this step are done; the status came too late for the stream.
      if (queue.isClosed === true) return false;
      queue.push(event);
      return true;
    }
  } catch (error) {
    getDefaultLogger().debug('A status could not be emitted into the ADK event stream.', error);
    return false;
  }
  if (!warned.missing) {
    warned.missing = true;
    getDefaultLogger().debug(
      'This ADK has no event channel here (neither invocationContext.enqueueEvent nor eventQueue): ' +
        'statuses are not emitted into the event stream.',
    );
  }
  return false;
}

/** The destination: every status made in a tool call, at once, into that call's run's stream. */
export class AdkEventStream implements StatusDestination {
  readonly kind = 'adk-events';
  readonly every = true;

  deliver(status: Readonly<StatusUpdate>, { toolCall }: StatusOrigin): number {
    return toolCall && emitStatusEvent(toolCall, toStatusPayload(status)) ? 1 : 0;
  }
}

/** One per process: it holds nothing. */
export const ADK_EVENT_STREAM: StatusDestination = new AdkEventStream();
