/**
 * Seed parity: `addStatusMessage(message)` sends a status to the run the current code is part
 * of, like the seed's `add_status_message`.
 */
import { currentToolCall } from '../binding/context.js';
import { sendToEventStream, statusSessionFor } from '../binding/status-run.js';
import { getDefaultLogger } from '../logger.js';
import { processRegistry } from '../process-registry.js';
import type { StatusInput } from '../protocol.js';
import { normalizeStatus } from '../status.js';

const warning = processRegistry('add-status-message-warning.v1', () => ({ warned: false }));

/** @internal for tests */
export function resetAddStatusMessageWarning(): void {
  warning.warned = false;
}

/**
 * Returns whether the status reached a viewer (a connection, a UI stream, a stream consumer) or
 * the ADK event stream of the tool call it was made in. A text longer than the limit is cut with
 * `…`, never refused. A bad status (no text, bad level) throws, inside a run or not. Outside any
 * run it returns `false` and warns once (a wiring bug: iterate the runner through
 * `runWithStatus`, register `StatusPlugin`, or wrap the work in `withStatusSession`).
 */
export function addStatusMessage(message: StatusInput): boolean {
  const toolCall = currentToolCall();
  const session = statusSessionFor(toolCall);
  if (session) {
    // The run checks it (and throws for a bad one).
    const delivery = session.send(message);
    return delivery.delivered || delivery.eventStream;
  }
  // Checked here too, so a bad status throws outside a run as inside one.
  const status = normalizeStatus(message, Number.POSITIVE_INFINITY);
  if (toolCall) return sendToEventStream(toolCall, status).eventStream;
  if (!warning.warned) {
    warning.warned = true;
    getDefaultLogger().warn(
      'addStatusMessage() was called outside a status session, so the status was not delivered. ' +
        'Run the agent through runWithStatus(runner, { hub, ... }), register StatusPlugin (with ' +
        'plugin.instrument(rootAgent) for tools behind AgentTools), or wrap the code in withStatusSession({ hub, sessionId }, fn).',
    );
  }
  return false;
}
