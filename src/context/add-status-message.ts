/**
 * Seed parity: `addStatusMessage(message)` sends a status to the session bound to the current
 * async context, like the seed's `add_status_message`.
 */
import { getDefaultLogger } from '../logger.js';
import type { StatusInput } from '../protocol.js';
import { currentStatusSession } from './status-context.js';

let warned = false;

/** @internal for tests */
export function resetAddStatusMessageWarning(): void {
  warned = false;
}

/**
 * Returns whether the status reached at least one socket or stream consumer.
 * Outside any binding it returns `false` and warns once (a wiring bug: wrap the work in
 * `withStatusSession` or iterate the runner through `runWithStatus`). A bad status throws.
 */
export function addStatusMessage(message: StatusInput): boolean {
  const session = currentStatusSession();
  if (!session) {
    if (!warned) {
      warned = true;
      getDefaultLogger().warn(
        'addStatusMessage() was called outside a status session, so the status was not delivered. ' +
          'Run the agent through runWithStatus(runner, { hub, ... }) or wrap the code in ' +
          'withStatusSession({ hub, sessionId }, fn).',
      );
    }
    return false;
  }
  return session.send(message).delivered;
}
