/**
 * What the client knows about its session's status stream: the hub's epoch, the highest `seq`
 * seen in it, the status on display, and the current run (its state and its steps). Pure, so the
 * ordering and step rules are unit-tested in Node.
 *
 * Why it exists: after a reconnect the hub replays statuses, and with several hubs or a retried
 * connection a frame can arrive twice or late. The display must never go back to an older
 * status, yet after a server restart (a new epoch) `seq` starts again at 1 and must be accepted.
 */
import type { HelloFrame, RunEndState, StatusFrame, StatusLevel } from '../protocol.js';

/**
 * - `idle`: no status seen yet;
 * - `running`: the last status belongs to a run that has not ended;
 * - `done` / `failed` / `aborted`: the last status ended the run (its `state` field).
 */
export type RunState = 'idle' | 'running' | RunEndState;

/** One step of a run: a status, when it started, and how long it lasted. */
export interface StatusStep {
  /** The status text. */
  readonly text: string;
  readonly seq: number;
  readonly level?: StatusLevel;
  readonly progress?: number;
  readonly agent?: string;
  readonly tool?: string;
  /** When the step started (ms since 1970): the hub's `ts`, or the arrival time for a seed-era frame. */
  readonly startedAt: number;
  /** Until the next step (or the end of the run); `undefined` while it is the current step. */
  readonly durationMs?: number;
}

/** The most steps kept per run; older ones are dropped first. */
export const MAX_STEPS = 100;

export class StatusTracker {
  /** The epoch from the last `hello`, if any hub has greeted us. */
  epoch: string | undefined;
  /** The highest `seq` seen in `epoch` (0 when none). */
  lastSeq = 0;
  /** The status on display. */
  latest: StatusFrame | undefined;
  /** The current run's state. */
  runState: RunState = 'idle';
  /** The current run's steps, oldest first. A new array on every change (safe to keep as a snapshot). */
  steps: readonly StatusStep[] = [];
  /** When the current run started and (once it has) ended, in ms since 1970. */
  runStartedAt: number | undefined;
  runEndedAt: number | undefined;

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
   * statuses carry no order and are always shown. An accepted frame also updates the run.
   */
  accept(frame: StatusFrame, now: number = Date.now()): boolean {
    if (frame.seq !== 0) {
      if (frame.seq <= this.lastSeq) return false;
      this.lastSeq = frame.seq;
    }
    this.latest = frame;
    this.record(frame, now);
    return true;
  }

  /** What a reconnect should ask for, once a hub has told us its epoch. */
  resumeFrom(): { since: number; epoch: string } | undefined {
    return this.epoch === undefined ? undefined : { since: this.lastSeq, epoch: this.epoch };
  }

  private record(frame: StatusFrame, now: number): void {
    const parsed = frame.ts ? Date.parse(frame.ts) : Number.NaN;
    const at = Number.isFinite(parsed) ? parsed : now;
    const steps = this.steps.slice();
    // The step before this status ends where this one starts.
    const last = steps[steps.length - 1];
    if (this.runState === 'running' && last && last.durationMs === undefined) {
      steps[steps.length - 1] = { ...last, durationMs: Math.max(0, at - last.startedAt) };
    }
    if (frame.state !== undefined) {
      // The end of a run is not a step; a tab that only sees the end has no steps to show.
      if (this.runState !== 'running') {
        steps.length = 0;
        this.runStartedAt = at;
      }
      this.runState = frame.state;
      this.runEndedAt = at;
      this.steps = steps;
      return;
    }
    if (this.runState !== 'running') {
      // The first status after an ended run (or ever) starts a new run.
      steps.length = 0;
      this.runState = 'running';
      this.runStartedAt = at;
      this.runEndedAt = undefined;
    }
    const step: { -readonly [K in keyof StatusStep]: StatusStep[K] } = { text: frame.data, seq: frame.seq, startedAt: at };
    if (frame.level !== undefined) step.level = frame.level;
    if (frame.progress !== undefined) step.progress = frame.progress;
    if (frame.agent !== undefined) step.agent = frame.agent;
    if (frame.tool !== undefined) step.tool = frame.tool;
    steps.push(step);
    if (steps.length > MAX_STEPS) steps.splice(0, steps.length - MAX_STEPS);
    this.steps = steps;
  }
}
