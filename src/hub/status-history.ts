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

/**
 * A status frame's JSON: `type` and `data` first (the seed's format), then `details` (every
 * other field, encoded). Written by hand: twice as fast as JSON.stringify of the object, same text.
 */
export function statusJson(message: string, seq: number, ts: string, details: string): string {
  return `{"type":"status","data":${JSON.stringify(message)},"seq":${seq},"ts":"${ts}"${details}}`;
}

/** Fields per entry in the ring: seq, time (ms after the history began), text, ts, details. */
const STRIDE = 5;

/**
 * The window is a ring in one flat array, an entry's fields side by side, rather than an array
 * of entry objects: storing a status allocates nothing (an entry object per status, kept for
 * minutes, is what the young generation would copy and promote, over and over, for every busy
 * session), and touches one spot of memory (a hub round-robins over many sessions: separate
 * columns would cost a cache miss each). Times are kept relative to the history's start, so
 * they stay small integers V8 stores inline. A local status keeps its parts (text, time,
 * encoded details; the frame is rebuilt for a replay, and the history holds no second copy of
 * the text); an adopted one keeps its JSON (ts `undefined`). Capacity grows by doubling up to
 * `maxEntries`.
 */
export class StatusHistory {
  readonly epoch: string;
  readonly #limits: HistoryLimits;
  readonly #t0: number;
  #ring: (number | string | undefined)[];
  #capacity: number;
  /** Ring index of the oldest entry, and how many there are. */
  #head = 0;
  #count = 0;
  #lastSeq = 0;
  /** Last time a status was added (or a connection of the session left); drives eviction. */
  lastActivity: number;

  /** `base`: numbering starts after it (a history whose earlier part was issued elsewhere). */
  constructor(epoch: string, limits: HistoryLimits, now: number, base = 0) {
    this.epoch = epoch;
    this.#limits = limits;
    this.#t0 = now;
    this.lastActivity = now;
    this.#lastSeq = base;
    this.#capacity = Math.min(4, limits.maxEntries);
    this.#ring = new Array<number | string | undefined>(this.#capacity * STRIDE).fill(undefined);
  }

  get lastSeq(): number {
    return this.#lastSeq;
  }

  get size(): number {
    return this.#count;
  }

  /** Numbers a local status (the next seq) and keeps its parts; returns the seq. */
  appendStatus(message: string, ts: string, details: string, now: number): number {
    const seq = this.#lastSeq + 1;
    this.#push(seq, now, message, ts, details);
    return seq;
  }

  /** Assigns the next seq and stores the frame `build(seq)` returns. */
  append(build: (seq: number) => string, now: number): HistoryEntry {
    const seq = this.#lastSeq + 1;
    const json = build(seq);
    this.#push(seq, now, json, undefined, undefined);
    return { seq, at: now, json };
  }

  /**
   * Stores a frame numbered elsewhere (another instance); numbering continues after it.
   * `undefined` (nothing stored) for a seq this history already passed.
   */
  adopt(seq: number, json: string, now: number): HistoryEntry | undefined {
    if (!Number.isSafeInteger(seq) || seq <= this.#lastSeq) return undefined;
    this.#push(seq, now, json, undefined, undefined);
    return { seq, at: now, json };
  }

  #push(seq: number, at: number, text: string, ts: string | undefined, details: string | undefined): void {
    this.#lastSeq = seq;
    this.lastActivity = at;
    if (this.#count >= this.#limits.maxEntries) this.#drop(1);
    else if (this.#count === this.#capacity) this.#grow();
    const i = this.#slot(this.#count) * STRIDE;
    const ring = this.#ring;
    ring[i] = seq;
    ring[i + 1] = at - this.#t0;
    ring[i + 2] = text;
    ring[i + 3] = ts;
    ring[i + 4] = details;
    this.#count += 1;
  }

  #grow(): void {
    const capacity = Math.min(this.#limits.maxEntries, this.#capacity * 2);
    const ring = new Array<number | string | undefined>(capacity * STRIDE).fill(undefined);
    for (let k = 0; k < this.#count; k += 1) {
      const from = this.#slot(k) * STRIDE;
      for (let f = 0; f < STRIDE; f += 1) ring[k * STRIDE + f] = this.#ring[from + f];
    }
    this.#ring = ring;
    this.#capacity = capacity;
    this.#head = 0;
  }

  /** Forgets the `count` oldest entries (their strings are released at once). */
  #drop(count: number): void {
    const ring = this.#ring;
    for (let k = 0; k < count; k += 1) {
      const i = this.#head * STRIDE;
      ring[i + 2] = ring[i + 3] = ring[i + 4] = undefined;
      this.#head = this.#head + 1 === this.#capacity ? 0 : this.#head + 1;
    }
    this.#count -= count;
  }

  /** The ring slot of the entry `index` places after the oldest. */
  #slot(index: number): number {
    const slot = this.#head + index;
    return slot >= this.#capacity ? slot - this.#capacity : slot;
  }

  #seqAt(index: number): number {
    return this.#ring[this.#slot(index) * STRIDE] as number;
  }

  #atOf(index: number): number {
    return (this.#ring[this.#slot(index) * STRIDE + 1] as number) + this.#t0;
  }

  /** The entry `index` places after the oldest, as an object (built for replays only). */
  #entry(index: number): HistoryEntry {
    const i = this.#slot(index) * STRIDE;
    const ring = this.#ring;
    const seq = ring[i] as number;
    const text = ring[i + 2] as string;
    const ts = ring[i + 3] as string | undefined;
    return { seq, at: (ring[i + 1] as number) + this.#t0, json: ts === undefined ? text : statusJson(text, seq, ts, ring[i + 4] as string) };
  }

  latest(): HistoryEntry | undefined {
    return this.#count === 0 ? undefined : this.#entry(this.#count - 1);
  }

  /** Drops entries past the age limit, always keeping the newest. */
  prune(now: number): void {
    const cutoff = now - this.#limits.maxAgeMs;
    let expired = 0;
    while (expired < this.#count - 1 && this.#atOf(expired) < cutoff) expired += 1;
    if (expired > 0) this.#drop(expired);
  }

  /** Entries from the `first` oldest on, as objects. */
  #entriesFrom(first: number): HistoryEntry[] {
    const entries: HistoryEntry[] = [];
    for (let k = first; k < this.#count; k += 1) entries.push(this.#entry(k));
    return entries;
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
    if (since === undefined) return { entries: this.#count === 0 ? [] : [this.#entry(this.#count - 1)] };
    const oldest = this.#count === 0 ? this.#lastSeq + 1 : this.#seqAt(0);
    // A `since` without its epoch could belong to any history: never guess.
    if (epoch !== this.epoch) return { gap: { from: 1, to: oldest - 1, reason: 'reset' }, entries: this.#entriesFrom(0) };
    if (since > this.#lastSeq) return { entries: [], after: since };
    if (since >= this.#lastSeq) return { entries: [] };
    if (since + 1 < oldest) return { gap: { from: since + 1, to: oldest - 1, reason: 'expired' }, entries: this.#entriesFrom(0) };
    // Adopted statuses may skip numbers, so find the first one after `since` rather than index.
    let first = this.#count;
    while (first > 0 && this.#seqAt(first - 1) > since) first -= 1;
    return { entries: this.#entriesFrom(first) };
  }
}
