/**
 * What the client knows about its session's status stream: the hub's epoch, the highest `seq`
 * seen in it, and the status on display. Pure, so the ordering rules are unit-tested in Node.
 *
 * Why it exists: after a reconnect the hub replays statuses, and with several hubs or a retried
 * connection a frame can arrive twice or late. The display must never go back to an older
 * status, yet after a server restart (a new epoch) `seq` starts again at 1 and must be accepted.
 */
import type { HelloFrame, StatusFrame } from '../protocol.js';

export class StatusTracker {
  /** The epoch from the last `hello`, if any hub has greeted us. */
  epoch: string | undefined;
  /** The highest `seq` seen in `epoch` (0 when none). */
  lastSeq = 0;
  /** The status on display. */
  latest: StatusFrame | undefined;

  /** Records a `hello`; returns true when it starts a different epoch than the one we had. */
  hello(frame: HelloFrame): boolean {
    if (frame.epoch === this.epoch) return false;
    const changed = this.epoch !== undefined;
    this.epoch = frame.epoch;
    // Numbering starts again in a new epoch; the status on display stays until a new one comes.
    this.lastSeq = 0;
    return changed;
  }

  /**
   * Whether `frame` should replace the status on display: yes when its seq is newer than any
   * seen in this epoch; no for a duplicate or an older one. Unnumbered (seed-era, seq 0)
   * statuses carry no order and are always shown.
   */
  accept(frame: StatusFrame): boolean {
    if (frame.seq !== 0) {
      if (frame.seq <= this.lastSeq) return false;
      this.lastSeq = frame.seq;
    }
    this.latest = frame;
    return true;
  }

  /** What a reconnect should ask for, once a hub has told us its epoch. */
  resumeFrom(): { since: number; epoch: string } | undefined {
    return this.epoch === undefined ? undefined : { since: this.lastSeq, epoch: this.epoch };
  }
}
