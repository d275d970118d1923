/**
 * Timestamps for the tool → frame latency, on the system-wide monotonic clock: when ADK
 * started the tool, when `hub.send` started and how long it took. Receipt times come from the
 * client process. Statuses of one session are sequential, so the k-th entries of a session's
 * lists belong to the same status.
 */
import type { StatusInput, StatusSink } from '../../src/index.js';
import { monotonicMs } from './monotonic.js';

export class LatencyRecorder {
  readonly toolStarts = new Map<string, number[]>();
  readonly sendStarts = new Map<string, number[]>();
  /** `hub.send` durations (ms): our synchronous, in-process part. */
  readonly sendDurations: number[] = [];

  constructor(sessionIds: readonly string[]) {
    for (const id of sessionIds) {
      this.toolStarts.set(id, []);
      this.sendStarts.set(id, []);
    }
  }

  reset(): void {
    for (const map of [this.toolStarts, this.sendStarts]) for (const list of map.values()) list.length = 0;
    this.sendDurations.length = 0;
  }

  toolStarted(sessionId: string): void {
    this.toolStarts.get(sessionId)?.push(monotonicMs());
  }

  /** A `StatusSink` that times each `hub.send` it forwards. */
  timedSink(hub: StatusSink): StatusSink {
    return {
      send: (sessionId: string, status: StatusInput): number => {
        const started = monotonicMs();
        const written = hub.send(sessionId, status);
        this.sendDurations.push(monotonicMs() - started);
        this.sendStarts.get(sessionId)?.push(started);
        return written;
      },
    };
  }

  /** receipt − start (ms) for every status that has both; `receipts` is keyed by session id. */
  static latencies(starts: Map<string, number[]>, receipts: Map<string, number[]>): number[] {
    const out: number[] = [];
    for (const [sessionId, list] of starts) {
      const received = receipts.get(sessionId) ?? [];
      list.forEach((start, k) => {
        const receipt = received[k];
        if (receipt !== undefined) out.push(receipt - start);
      });
    }
    return out;
  }
}
