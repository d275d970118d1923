/**
 * Seed parity: `addStatusMessage(message)` sends a status to the session bound to the current
 * async context, like the seed's `add_status_message`.
 */
import { getDefaultLogger } from '../logger.js';
import type { StatusInput } from '../protocol.js';
import { statusSessionForAdkSession } from './adk-session-routes.js';
import { processRegistry } from '../process-registry.js';
import { currentStatusSession, currentToolContext } from './status-context.js';
import { sendToEventStream } from './status-session.js';

const warning = processRegistry('add-status-message-warning.v1', () => ({ warned: false }));

/** @internal for tests */
export function resetAddStatusMessageWarning(): void {
  warning.warned = false;
}

/**
 * Returns whether the status reached at least one socket, stream consumer or the ADK event
 * stream of the tool call it was made in. A text longer than the limit is cut with `…`, never
 * refused. Outside any binding it returns `false` and warns once (a wiring bug: wrap the work
 * in `withStatusSession` or iterate the runner through `runWithStatus`). A bad status (no text,
 * bad level) throws.
 */
export function addStatusMessage(message: StatusInput): boolean {
  // A run StatusPlugin bound (no runWithStatus around it) is found through the bound tool call.
  const session = currentStatusSession() ?? statusSessionForAdkSession(currentToolContext());
  if (session) {
    const delivery = session.send(message);
    return delivery.delivered || delivery.eventStream;
  }
  if (currentToolContext()) return sendToEventStream(undefined, message).eventStream;
  if (!warning.warned) {
    warning.warned = true;
    getDefaultLogger().warn(
      'addStatusMessage() was called outside a status session, so the status was not delivered. ' +
        'Run the agent through runWithStatus(runner, { hub, ... }), wrap the code in ' +
        'withStatusSession({ hub, sessionId }, fn), or register StatusPlugin and call plugin.instrument(rootAgent).',
    );
  }
  return false;
}
