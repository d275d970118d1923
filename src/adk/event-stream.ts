/**
 * Statuses in ADK's own event stream: wherever a status is made inside a tool call, it also
 * goes into that run's output as a partial event carrying `customMetadata.status_messenger`,
 * so `adk web`, `adk api_server`'s `/run_sse` and a plain `runner.runAsync` loop all see it.
 *
 * The event has no content (no answer text, nothing for the model) and is partial, so the
 * Runner does not persist it: the intent of ADK RFC #5445 (progress that is not persisted, not
 * sent to the model, attributed to its source). The channel into the stream is feature-detected:
 * `invocationContext.enqueueEvent(event)` (ADK 2.2) or `invocationContext.eventQueue.push`
 * (ADK 2.0, present only while tools run). Where neither exists the status is not emitted.
 */
import { createEvent } from '@google/adk';
import type { Context, Event } from '@google/adk';
import { currentToolContext } from '../context/status-context.js';
import { enclosingToolCall } from '../context/active-tool-calls.js';
import { getDefaultLogger } from '../logger.js';
import { STATUS_EVENT_METADATA_KEY } from '../protocol.js';
import type { StatusEventMetadata, StatusUpdate } from '../protocol.js';

// `status_messenger` is not `__adk_internal_`-prefixed on purpose: ADK 2.2 strips those keys.
export { STATUS_EVENT_METADATA_KEY };
export type { StatusEventMetadata };

/** The parts of an invocation context this module reads; absent fields mean "not this ADK". */
interface StreamChannel {
  invocationId?: string;
  branch?: string;
  agent?: { name?: string };
  enqueueEvent?: (event: Event) => unknown;
  eventQueue?: { push(event: Event): void; isClosed?: boolean };
}

/** The metadata of a status made now. */
export function statusEventMetadata(update: StatusUpdate, ts = new Date().toISOString()): StatusEventMetadata {
  const meta: StatusEventMetadata = { type: 'status', data: update.message, ts };
  if (update.level !== undefined) meta.level = update.level;
  if (update.progress !== undefined) meta.progress = update.progress;
  if (update.agent !== undefined) meta.agent = update.agent;
  if (update.tool !== undefined) meta.tool = update.tool;
  return meta;
}

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

/**
 * The tool call whose run's stream a status made in `ctx` belongs to: the call that encloses an
 * AgentTool's sub-run when there is one (its own queue is read by AgentTool and dropped), else
 * `ctx` itself. Without `ctx`, the tool call bound to the async context.
 */
export function streamTarget(ctx: Context | undefined): Context | undefined {
  const bound = currentToolContext();
  if (!ctx) return bound;
  if (bound && bound.invocationId !== ctx.invocationId) return bound;
  // A call left open by a run that died (aborted mid-tool) has no live channel: not a parent.
  const enclosing = enclosingToolCall(ctx, ctx.invocationId);
  return enclosing && hasLiveChannel(enclosing) ? enclosing : ctx;
}

function hasLiveChannel(ctx: Context): boolean {
  const channel = (ctx as { invocationContext?: StreamChannel }).invocationContext;
  if (typeof channel?.enqueueEvent === 'function') return true;
  return typeof channel?.eventQueue?.push === 'function' && channel.eventQueue.isClosed !== true;
}

let warnedMissing = false;

/**
 * Emits the status into the event stream of the run `ctx` belongs to. Returns whether ADK took
 * it. Never throws.
 */
export function emitStatusEvent(ctx: Context | undefined, metadata: StatusEventMetadata): boolean {
  const target = streamTarget(ctx);
  const channel = (target as { invocationContext?: StreamChannel } | undefined)?.invocationContext;
  if (!channel) return false;
  try {
    const event = buildStatusEvent(
      {
        invocationId: channel.invocationId ?? target?.invocationId ?? '',
        author: metadata.agent || target?.agentName || channel.agent?.name || 'status_messenger',
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
  if (!warnedMissing) {
    warnedMissing = true;
    getDefaultLogger().debug(
      'This ADK has no event channel here (neither invocationContext.enqueueEvent nor eventQueue): ' +
        'statuses are not emitted into the event stream.',
    );
  }
  return false;
}
