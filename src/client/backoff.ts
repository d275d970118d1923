/**
 * Reconnect delays: exponential backoff with full jitter. Pure (the random source is passed in),
 * no DOM, so it is unit-tested in Node.
 *
 * Full jitter (a uniform delay between 0 and the exponential cap) spreads the reconnects of
 * many tabs after a server restart instead of having them all retry in lockstep.
 */

export interface BackoffOptions {
  /** The cap of the first retry's delay; each further retry doubles it. @default 500 */
  reconnectDelayMs?: number;
  /** The largest cap, however many retries failed. @default 30000 */
  maxReconnectDelayMs?: number;
}

export const BACKOFF_DEFAULTS = { reconnectDelayMs: 500, maxReconnectDelayMs: 30_000 } as const;

/**
 * The delay before retry number `attempt` (1 for the first retry after a drop):
 * uniform in `[0, min(max, base · 2^(attempt-1)))`, in whole milliseconds.
 */
export function backoffDelay(attempt: number, options: BackoffOptions = {}, random: () => number = Math.random): number {
  const base = options.reconnectDelayMs ?? BACKOFF_DEFAULTS.reconnectDelayMs;
  const max = options.maxReconnectDelayMs ?? BACKOFF_DEFAULTS.maxReconnectDelayMs;
  const cap = Math.min(max, base * 2 ** Math.max(0, attempt - 1));
  return Math.floor(random() * cap);
}
