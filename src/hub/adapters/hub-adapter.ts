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
 *    - same epoch, a higher seq: appended, fanned out, replayable here too; a jump in seq is a
 *      hole (statuses that never reached this instance), which subscribers are told of with a
 *      gap frame, live and in replays;
 *    - same epoch, a seq this instance already holds or passed: ignored (a duplicate or a
 *      late copy), `deliver` returns 0;
 *    - another epoch: the session's history is replaced by one in the new epoch (open
 *      connections get a `hello` for it, and a `reset` gap for what they cannot have).
 *
 * 3. Numbering continues after the highest seq the core has seen for a session, from either
 *    path: a local status after a delivered seq 7 is seq 8. A client's `since`/`epoch` never
 *    moves it.
 *
 * `newEpoch(sessionId)` (optional) names the epoch of a session the core starts a history for.
 * Without it the core draws a random epoch.
 *
 * `stillComing(sessionId, epoch)` (optional) lets the core take up a client that resumes in an
 * epoch it has no history of: `true` only when every status of that epoch is sure to reach this
 * instance and none has yet (the client came from an instance ahead of this one), so waiting for
 * them loses nothing. Without it, or on `false`, such a client gets a `reset` gap, as on a single
 * instance: an instance that cannot vouch for a position never takes it.
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
  /**
   * Whether every status of `epoch` for `sessionId` is still on its way to this instance (none
   * has arrived, none can have been missed). Asked when a client resumes in an epoch the core
   * has no history of; it must not trust the client (an epoch is any string of the pattern).
   * @default never: such a client gets a `reset` gap
   */
  stillComing?(sessionId: string, epoch: string): boolean;
  /** Called by `hub.close()`; stops delivering. */
  close(): void | Promise<void>;
}
