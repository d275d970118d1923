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

/** What a dropped slot holds until the next compaction: nothing, so its frame can be collected. */
const DROPPED: HistoryEntry = Object.freeze({ seq: 0, at: 0, json: '' });

export class StatusHistory {
  readonly epoch: string;
  readonly #limits: HistoryLimits;
  // The window is `#entries` from `#start` on. Entries that fall out are cut off in one splice
  // once as many as the window holds have piled up, not shifted off one per status.
  #entries: HistoryEntry[] = [];
  #start = 0;
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
    return this.#entries.length - this.#start;
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
    return this.store({ seq, at: now, json });
  }

  /** `adopt` for an entry made by the caller (one that builds its `json` when asked, say). */
  store<E extends HistoryEntry>(entry: E): E | undefined {
    if (!Number.isSafeInteger(entry.seq) || entry.seq <= this.#lastSeq) return undefined;
    return this.#push(entry);
  }

  #push<E extends HistoryEntry>(entry: E): E {
    this.#lastSeq = entry.seq;
    const entries = this.#entries;
    entries.push(entry);
    if (entries.length - this.#start > this.#limits.maxEntries) this.#drop(1);
    this.lastActivity = entry.at;
    return entry;
  }

  /** Forgets the `count` oldest entries of the window (their frames are released at once). */
  #drop(count: number): void {
    const end = this.#start + count;
    for (let i = this.#start; i < end; i += 1) this.#entries[i] = DROPPED;
    this.#start = end;
    if (this.#start >= this.#limits.maxEntries || this.#start >= this.#entries.length) {
      this.#entries.splice(0, this.#start);
      this.#start = 0;
    }
  }

  latest(): HistoryEntry | undefined {
    return this.#entries.at(-1);
  }

  /** Drops entries past the age limit, always keeping the newest. */
  prune(now: number): void {
    const cutoff = now - this.#limits.maxAgeMs;
    const entries = this.#entries;
    let first = this.#start;
    while (first < entries.length - 1 && entries[first]!.at < cutoff) first += 1;
    if (first > this.#start) this.#drop(first - this.#start);
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
    const entries = this.#start === 0 ? this.#entries : this.#entries.slice(this.#start);
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
