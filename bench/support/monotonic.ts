/**
 * Milliseconds on the system-wide monotonic clock (`CLOCK_MONOTONIC` on Linux), comparable
 * across processes of one machine, unlike `performance.now()`, whose origin is per process.
 */
export function monotonicMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}
