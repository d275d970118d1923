/**
 * The status that closes a run: `{ message, state: 'done' | 'failed' | 'aborted' }` (see the top
 * of src/protocol.ts for why the end of a run is a status). `runWithStatus` / `runLiveWithStatus`
 * send it; `StatusPlugin` sends it for the runs it binds itself.
 *
 * `done` and `aborted` are sent only after a run that showed at least one status: the session's
 * latest status is then always either one of the running run's or an end status, so a tab that
 * opens late never shows a finished run's working status as current, and a run that showed
 * nothing adds nothing. `failed` is always sent: the user must learn that their request failed.
 */
import { getDefaultLogger } from '../logger.js';
import type { RunEndState, StatusUpdate } from '../protocol.js';
import type { StatusSink } from '../context/status-session.js';

/** The end statuses. The failure text is generic on purpose: server internals never reach the browser. */
export const RUN_END_STATUSES: Readonly<Record<RunEndState, Readonly<StatusUpdate>>> = Object.freeze({
  done: Object.freeze({ message: 'Done', level: 'success', state: 'done' }),
  failed: Object.freeze({ message: 'Something went wrong. Please try again.', level: 'error', state: 'failed' }),
  aborted: Object.freeze({ message: 'Stopped', level: 'warning', state: 'aborted' }),
} as const);

/** A sink that remembers whether anything was sent through it (the run "showed" something). */
export interface WatchedSink extends StatusSink {
  readonly shown: boolean;
}

/**
 * Wraps `hub` so the run knows whether it showed a status. Returns `hub` itself when it is not a
 * sink, so that the session's own check reports the wiring bug.
 */
export function watchStatuses(hub: StatusSink): StatusSink | WatchedSink {
  if (typeof hub !== 'object' || hub === null || typeof hub.send !== 'function') return hub;
  let shown = false;
  const watched: WatchedSink = {
    get shown() {
      return shown;
    },
    send(sessionId, status) {
      const sockets = hub.send(sessionId, status);
      shown = true;
      return sockets;
    },
  };
  if (typeof hub.maxStatusLength === 'number') Object.defineProperty(watched, 'maxStatusLength', { value: hub.maxStatusLength });
  return watched;
}

/**
 * Sends the end-of-run status to `session` (anything with `send(status)`). `shown` says whether the
 * run showed a status (see above). Never throws: the run's own outcome must not be masked.
 */
export function sendRunEnd(session: { send(status: StatusUpdate): unknown }, state: RunEndState, shown = true): void {
  if (state !== 'failed' && !shown) return;
  try {
    session.send({ ...RUN_END_STATUSES[state] });
  } catch (error) {
    getDefaultLogger().warn(`could not send the end-of-run status (${state}):`, error);
  }
}
