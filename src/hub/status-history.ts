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

/**
 * The window is a ring of columns rather than an array of entry objects: storing a status
 * allocates nothing (an entry object per status, kept for minutes, is what the young
 * generation would copy and promote, over and over, for every busy session). A local status
 * keeps its parts (text, time, encoded details; the frame is rebuilt for a replay, and the
 * history holds no second copy of the text); an adopted one keeps its JSON (`#ts` undefined).
 * Capacity grows by doubling up to `maxEntries`; the number columns start as doubles (0.5) so
 * V8 keeps them unboxed.
 */
export class StatusHistory {
  readonly epoch: string;
  readonly #limits: HistoryLimits;
  #seqs: number[] = [0.5, 0.5, 0.5, 0.5];
  #ats: number[] = [0.5, 0.5, 0.5, 0.5];
  #texts: (string | undefined)[] = new Array<string | undefined>(4);
  #ts: (string | undefined)[] = new Array<string | undefined>(4);
  #details: (string | undefined)[] = new Array<string | undefined>(4);
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
    this.lastActivity = now;
    this.#lastSeq = base;
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
    else if (this.#count === this.#seqs.length) this.#grow();
    const slot = (this.#head + this.#count) % this.#seqs.length;
    this.#seqs[slot] = seq;
    this.#ats[slot] = at;
    this.#texts[slot] = text;
    this.#ts[slot] = ts;
    this.#details[slot] = details;
    this.#count += 1;
  }

  #grow(): void {
    const capacity = Math.min(this.#limits.maxEntries, this.#seqs.length * 2);
    const seqs = new Array<number>(capacity).fill(0.5);
    const ats = new Array<number>(capacity).fill(0.5);
    const texts = new Array<string | undefined>(capacity);
    const ts = new Array<string | undefined>(capacity);
    const details = new Array<string | undefined>(capacity);
    for (let i = 0; i < this.#count; i += 1) {
      const slot = (this.#head + i) % this.#seqs.length;
      seqs[i] = this.#seqs[slot]!;
      ats[i] = this.#ats[slot]!;
      texts[i] = this.#texts[slot];
      ts[i] = this.#ts[slot];
      details[i] = this.#details[slot];
    }
    this.#seqs = seqs;
    this.#ats = ats;
    this.#texts = texts;
    this.#ts = ts;
    this.#details = details;
    this.#head = 0;
  }

  /** Forgets the `count` oldest entries (their strings are released at once). */
  #drop(count: number): void {
    for (let i = 0; i < count; i += 1) {
      const slot = this.#head;
      this.#texts[slot] = this.#ts[slot] = this.#details[slot] = undefined;
      this.#head = (slot + 1) % this.#seqs.length;
    }
    this.#count -= count;
  }

  /** The entry `index` places after the oldest, as an object (built for replays only). */
  #entry(index: number): HistoryEntry {
    const slot = (this.#head + index) % this.#seqs.length;
    const seq = this.#seqs[slot]!;
    const text = this.#texts[slot]!;
    const ts = this.#ts[slot];
    return { seq, at: this.#ats[slot]!, json: ts === undefined ? text : statusJson(text, seq, ts, this.#details[slot]!) };
  }

  latest(): HistoryEntry | undefined {
    return this.#count === 0 ? undefined : this.#entry(this.#count - 1);
  }

  /** Drops entries past the age limit, always keeping the newest. */
  prune(now: number): void {
    const cutoff = now - this.#limits.maxAgeMs;
    let expired = 0;
    while (expired < this.#count - 1 && this.#ats[(this.#head + expired) % this.#seqs.length]! < cutoff) expired += 1;
    if (expired > 0) this.#drop(expired);
  }

  /** Entries from the `first` oldest on, as objects. */
  #entriesFrom(first: number): HistoryEntry[] {
    const entries: HistoryEntry[] = [];
    for (let i = first; i < this.#count; i += 1) entries.push(this.#entry(i));
    return entries;
  }

  /** The seq of the entry `index` places after the oldest. */
  #seqAt(index: number): number {
    return this.#seqs[(this.#head + index) % this.#seqs.length]!;
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
