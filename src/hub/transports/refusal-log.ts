/**
 * Makes refused requests visible without flooding the log: each refusal is logged at debug
 * with its reason, and each reason at most once a minute at warn (with how many were refused
 * since), so a dev origin refused with 403 shows up once, not a thousand times.
 */
import type { Logger } from '../../logger.js';

export const REFUSAL_WARN_INTERVAL_MS = 60_000;

export class RefusalLog {
  readonly #logger: () => Logger;
  readonly #intervalMs: number;
  readonly #lastWarned = new Map<string, { at: number; since: number }>();

  constructor(logger: () => Logger, intervalMs = REFUSAL_WARN_INTERVAL_MS) {
    this.#logger = logger;
    this.#intervalMs = intervalMs;
  }

  /** `reason` is the key (e.g. "403 origin not allowed"); `detail` names this request. */
  refused(transport: string, status: number, reason: string, detail: string, now = Date.now()): void {
    const logger = this.#logger();
    const key = `${status} ${reason}`;
    logger.debug(`StatusHub refused a ${transport} request with ${key}: ${detail}`);
    const last = this.#lastWarned.get(key);
    if (last && now - last.at < this.#intervalMs) {
      last.since += 1;
      return;
    }
    const more = last && last.since > 0 ? ` (${last.since} more refused for this reason since the last warning)` : '';
    logger.warn(
      `StatusHub refused a ${transport} request with ${key}: ${detail}${more}. ` +
        'Logged once a minute per reason; every refusal is logged at debug.',
    );
    this.#lastWarned.set(key, { at: now, since: 0 });
    // A bounded table: reasons are few, but an attacker must not be able to grow it.
    if (this.#lastWarned.size > 64) this.#lastWarned.delete(this.#lastWarned.keys().next().value!);
  }
}
