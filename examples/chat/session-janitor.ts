/**
 * Keeps the example's in-memory state bounded: forgets ADK sessions idle for `idleMs` (the
 * chat's own and the ones AgentTool creates per sub-agent, which ADK never deletes: ADK-NOTES
 * pitfall 2), and limits how fast one client address can create sessions.
 */
import type { BaseSessionService } from '@google/adk';

export class SessionJanitor {
  readonly #lastUsed = new Map<string, number>();
  readonly #timer: NodeJS.Timeout;

  constructor(
    private readonly sessions: BaseSessionService,
    /** The chat's app name and every AgentTool agent's name (AgentTool uses it as the app name). */
    private readonly appNames: readonly string[],
    private readonly idleMs = 60 * 60_000,
  ) {
    this.#timer = setInterval(() => void this.sweep(Date.now()), Math.min(idleMs, 10 * 60_000));
    this.#timer.unref();
  }

  touch(sessionId: string): void {
    this.#lastUsed.set(sessionId, Date.now());
  }

  async sweep(now: number): Promise<number> {
    let forgotten = 0;
    for (const [sessionId, at] of this.#lastUsed) {
      if (now - at < this.idleMs) continue;
      this.#lastUsed.delete(sessionId);
      forgotten += 1;
      // The chat uses the session id as the user id too.
      await Promise.all(
        this.appNames.map((appName) =>
          this.sessions.deleteSession({ appName, userId: sessionId, sessionId }).catch(() => undefined),
        ),
      );
    }
    return forgotten;
  }

  stop(): void {
    clearInterval(this.#timer);
  }
}

/** A fixed-window counter per key: at most `limit` per `windowMs`. */
export class WindowLimiter {
  readonly #counts = new Map<string, { start: number; count: number }>();

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
  ) {}

  allow(key: string, now = Date.now()): boolean {
    const entry = this.#counts.get(key);
    if (!entry || now - entry.start >= this.windowMs) {
      if (this.#counts.size > 10_000) this.#counts.clear();
      this.#counts.set(key, { start: now, count: 1 });
      return true;
    }
    entry.count += 1;
    return entry.count <= this.limit;
  }
}
