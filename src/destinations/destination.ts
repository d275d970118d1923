/**
 * The seam between a run and the places its statuses go. A run (src/binding/status-run.ts)
 * checks each status once — fields validated, text cut with `…` to the smallest `maxLength` of
 * its destinations — and hands the same object to every destination it was given: the hub
 * session, ADK's own event stream, an A2A task's bus, a UI stream (AI SDK, AG-UI), the
 * `streamStatusUpdates()` consumers. A destination knows only the status it is handed; adding one
 * is a new file beside these, not an edit of a producer or of another destination.
 */
import type { Context } from '@google/adk';
import type { StatusUpdate } from '../protocol.js';

/** Where a status was made, as far as the run knows. */
export interface StatusOrigin {
  /**
   * The ADK tool call whose run's event stream takes the status: the call it was made in, or the
   * call that encloses an AgentTool's sub-run (whose own stream nobody forwards).
   */
  readonly toolCall?: Context;
}

export interface StatusDestination {
  /** What it is, for the delivery report and for `eventStream: false` (which skips `'adk-events'`). */
  readonly kind: 'hub' | 'adk-events' | 'a2a' | 'ui' | 'listeners';
  /** The longest text it takes; a run cuts every status to the smallest of its destinations'. @default none */
  readonly maxLength?: number;
  /**
   * `true`: it takes every status as it is made, also those a throttled producer sends in a burst
   * (ADK's event stream: a held status could come after the tool call's stream closed). `false`:
   * of a burst it gets the newest, when the burst is over. @default false
   */
  readonly every?: boolean;
  /**
   * Takes one status. Returns how many viewers it reached now (sockets, streams, a task's
   * caller; for ADK's event stream 1 when the stream took it). A throw is caught and logged by the
   * run: one destination never keeps a status from the others.
   */
  deliver(status: Readonly<StatusUpdate>, origin: StatusOrigin): number;
  /** The run ended; nothing more comes. */
  close?(): void;
}
