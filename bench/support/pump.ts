/**
 * The one send loop every throughput variant shares: keep at most `window` messages in flight
 * (sent but not yet received by the client), and stop when the client has all of them. The
 * window keeps each socket's buffer far below the hub's `maxBufferedBytes`, so no variant gets
 * to coalesce or drop, and none is measured against a growing kernel buffer.
 */
import type { Counter } from './counter.js';

export interface PumpSpec {
  /** Messages to send (each fans out to `fanOut` client receipts). */
  total: number;
  /** Messages in flight at most. @default 1000 */
  window?: number;
  /** Client receipts per message (sockets per session in a fan-out). @default 1 */
  fanOut?: number;
  /** Sends message number `i`. */
  send: (i: number) => void;
  /** Counts client receipts. */
  counter: Counter;
}

export interface PumpResult {
  /** From the first send to the last receipt. */
  wallMs: number;
  /** CPU time (user + system) this process spent meanwhile: the sender's cost. */
  cpuMs: number;
}

export async function pump(spec: PumpSpec): Promise<PumpResult> {
  const { total, send, counter } = spec;
  const window = spec.window ?? 1000;
  const fanOut = spec.fanOut ?? 1;
  counter.reset();
  const cpu = process.cpuUsage();
  const started = performance.now();
  let sent = 0;
  while (sent < total) {
    const allowed = Math.min(total, Math.floor(counter.count / fanOut) + window);
    while (sent < allowed) send(sent++);
    if (sent < total) await counter.until((sent - window / 2) * fanOut);
  }
  await counter.until(total * fanOut);
  const wallMs = performance.now() - started;
  const used = process.cpuUsage(cpu);
  return { wallMs, cpuMs: (used.user + used.system) / 1000 };
}
