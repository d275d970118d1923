import { BACKOFF_DEFAULTS, backoffDelay } from '../../src/client/backoff.js';

describe('backoffDelay', () => {
  it('doubles the cap per retry and never passes the maximum', () => {
    const top = () => 0.999999;
    const caps = [1, 2, 3, 4, 5, 6, 7, 8, 20, 1000].map((attempt) =>
      backoffDelay(attempt, { reconnectDelayMs: 500, maxReconnectDelayMs: 30_000 }, top),
    );
    expect(caps).toEqual([499, 999, 1999, 3999, 7999, 15_999, 29_999, 29_999, 29_999, 29_999]);
  });

  it('is full jitter: anywhere from 0 up to the cap', () => {
    expect(backoffDelay(3, { reconnectDelayMs: 100 }, () => 0)).toBe(0);
    expect(backoffDelay(3, { reconnectDelayMs: 100 }, () => 0.5)).toBe(200);
    const seen = new Set<number>();
    for (let i = 0; i < 200; i += 1) {
      const delay = backoffDelay(4, { reconnectDelayMs: 100, maxReconnectDelayMs: 10_000 });
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThan(800);
      seen.add(Math.floor(delay / 100));
    }
    // Spread over the whole range, not clustered at the cap (which would reconnect every tab at once).
    expect(seen.size).toBeGreaterThanOrEqual(6);
  });

  it('uses documented defaults and survives absurd attempt numbers', () => {
    expect(backoffDelay(1, {}, () => 0.999999)).toBe(BACKOFF_DEFAULTS.reconnectDelayMs - 1);
    expect(backoffDelay(5000, {}, () => 0.5)).toBe(BACKOFF_DEFAULTS.maxReconnectDelayMs / 2);
    expect(Number.isInteger(backoffDelay(0, {}, () => 0.3))).toBe(true);
  });
});
