/**
 * The adapter seam: how a hub's statuses reach other instances, so that many processes behind a
 * load balancer behave as one hub (after socket.io's adapters: the in-memory default, Redis,
 * Postgres). The session core keeps subscribers, numbering, history and replay; an adapter only
 * moves numbered statuses between instances.
 *
 * The contract, both ways:
 *
 * 1. Out: when the core accepts a status from this process (`hub.send`), it numbers it in the
 *    session's `epoch` and `seq`, writes it to its own subscribers, and then calls
 *    `adapter.published(status)` with those numbers. A Pub/Sub adapter publishes it. The call
 *    is synchronous and must not throw (a throw is caught and logged; the status stays sent).
 *
 * 2. In: the adapter hands statuses numbered by another instance to `host.deliver(status)`. The
 *    core ADOPTS their numbers instead of renumbering, so a client can hop instances and resume
 *    with `?since=&epoch=` (or `Last-Event-ID`):
 *    - a session this instance has no history of takes the status's epoch and seq;
 *    - same epoch, a higher seq: appended, fanned out, replayable here too (a jump in seq is
 *      left as it is; the client sees it);
 *    - same epoch, a seq this instance already holds or passed: ignored (a duplicate or a
 *      late copy), `deliver` returns 0;
 *    - another epoch: the session's history is replaced by one in the new epoch (open
 *      connections get a `hello` for it, and a `reset` gap for what they cannot have).
 *
 * 3. Numbering continues after the highest seq the core has seen for a session, from either
 *    path: a local status after a delivered seq 7 is seq 8.
 *
 * `newEpoch(sessionId)` (optional) names the epoch of a session the core starts a history for.
 * An adapter that has it shares numbering across instances, so the core also takes up a client
 * that resumes in an epoch this instance has no history of yet (it came from another instance:
 * same epoch, numbering after its seq, nothing sent again) instead of answering a reset.
 * Without it the core draws a random epoch.
 */
import type { StatusFrame } from '../../protocol.js';

/** A status with the numbers its first instance gave it. */
export interface NumberedStatus {
  readonly sessionId: string;
  /** The session history it belongs to. */
  readonly epoch: string;
  /** Its `seq` in that epoch (equal to `frame.seq`). */
  readonly seq: number;
  /**
   * The wire frame, as subscribers get it: `type`, `data`, `seq`, `ts` and every optional
   * field (level, progress, agent, tool, … — fields this version does not know pass through
   * unchanged, so serialise the whole object).
   */
  readonly frame: Readonly<StatusFrame>;
  /** The instance that accepted it; `undefined` for a status accepted by this process. */
  readonly origin: string | undefined;
}

/** What an adapter may call on the hub's core. */
export interface AdapterHost {
  /**
   * Delivers a status numbered by another instance (`status.origin` set), keeping its numbers.
   * Returns how many local connections it was written to; 0 when it was a duplicate, or the
   * hub is closed.
   */
  deliver(status: NumberedStatus): number;
}

export interface HubAdapter {
  /** Called once, by the hub's constructor, before any status. */
  attach(host: AdapterHost): void;
  /** A status this process accepted, numbered; publish it to the other instances. */
  published(status: NumberedStatus): void;
  /** The epoch for a session the core has no history of yet. @default a random id */
  newEpoch?(sessionId: string): string;
  /** Called by `hub.close()`; stops delivering. */
  close(): void | Promise<void>;
}
