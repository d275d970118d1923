/**
 * One session's status history: its epoch, its `seq` counter, and a window of recent frames
 * bounded by count and by age, from which a reconnecting client is resumed. Pure: time is
 * passed in.
 */
export interface HistoryEntry {
  readonly seq: number;
  /** When it was accepted (ms since the epoch). */
  readonly at: number;
  /** The frame as sent on the wire. */
  readonly json: string;
}

export interface HistoryLimits {
  /** Frames kept; the newest is always kept. */
  maxEntries: number;
  /** Frames older than this are dropped, except the newest. */
  maxAgeMs: number;
}

export interface ResumePlan {
  gap?: { from: number; to: number; reason: 'expired' | 'reset' };
  entries: HistoryEntry[];
  /**
   * The client is ahead of this history (it saw `seq`s another instance issued that have not
   * reached this one yet): send it only statuses after this seq.
   */
  after?: number;
}

export class StatusHistory {
  readonly epoch: string;
  readonly #limits: HistoryLimits;
  #entries: HistoryEntry[] = [];
  #lastSeq = 0;
  /** Last time a status was added (or a connection of the session left); drives eviction. */
  lastActivity: number;

  /** `base`: numbering starts after it (a history whose earlier part was issued elsewhere). */
  constructor(epoch: string, limits: HistoryLimits, now: number, base = 0) {
    this.epoch = epoch;
    this.#limits = limits;
    this.lastActivity = now;
    this.#lastSeq = base;
  }

  get lastSeq(): number {
    return this.#lastSeq;
  }

  get size(): number {
    return this.#entries.length;
  }

  /** Assigns the next seq, stores the frame `build(seq)` returns, and returns the entry. */
  append(build: (seq: number) => string, now: number): HistoryEntry {
    return this.#push({ seq: this.#lastSeq + 1, at: now, json: build(this.#lastSeq + 1) });
  }

  /**
   * Stores a frame numbered elsewhere (another instance); numbering continues after it.
   * `undefined` (nothing stored) for a seq this history already passed.
   */
  adopt(seq: number, json: string, now: number): HistoryEntry | undefined {
    if (!Number.isSafeInteger(seq) || seq <= this.#lastSeq) return undefined;
    return this.#push({ seq, at: now, json });
  }

  #push(entry: HistoryEntry): HistoryEntry {
    this.#lastSeq = entry.seq;
    this.#entries.push(entry);
    if (this.#entries.length > this.#limits.maxEntries) this.#entries.shift();
    this.lastActivity = entry.at;
    return entry;
  }

  latest(): HistoryEntry | undefined {
    return this.#entries.at(-1);
  }

  /** Drops entries past the age limit, always keeping the newest. */
  prune(now: number): void {
    const cutoff = now - this.#limits.maxAgeMs;
    let drop = 0;
    while (drop < this.#entries.length - 1 && this.#entries[drop]!.at < cutoff) drop += 1;
    if (drop > 0) this.#entries.splice(0, drop);
  }

  /**
   * What a connecting client should get.
   * - no `since`: the latest status only (a fresh page shows where things stand);
   * - `since` in this epoch: everything after it, preceded by a gap frame for what fell out
   *   of the window;
   * - another epoch, or no epoch: a `reset` gap, then everything this history still holds;
   * - a `since` beyond what this history holds, in its epoch: the client came from an instance
   *   ahead of this one (epochs are unique, so the numbers are the same history's): nothing
   *   now, and `after` so that the statuses it already has are not sent again.
   */
  resume(since: number | undefined, epoch: string | undefined, now: number): ResumePlan {
    this.prune(now);
    const entries = this.#entries;
    if (since === undefined) {
      const latest = entries.at(-1);
      return { entries: latest ? [latest] : [] };
    }
    const oldest = entries[0]?.seq ?? this.#lastSeq + 1;
    // A `since` without its epoch could belong to any history: never guess.
    if (epoch !== this.epoch) {
      return { gap: { from: 1, to: oldest - 1, reason: 'reset' }, entries: entries.slice() };
    }
    if (since > this.#lastSeq) return { entries: [], after: since };
    if (since >= this.#lastSeq) return { entries: [] };
    if (since + 1 < oldest) {
      return { gap: { from: since + 1, to: oldest - 1, reason: 'expired' }, entries: entries.slice() };
    }
    // Adopted statuses may skip numbers, so find the first one after `since` rather than index.
    let first = entries.length;
    while (first > 0 && entries[first - 1]!.seq > since) first -= 1;
    return { entries: entries.slice(first) };
  }
}
