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

/** Fields per entry: seq, time (ms after the history began), text, ts, details. */
const STRIDE = 5;
/** Entries per chunk (a power of two). */
const CHUNK_SHIFT = 4;
const CHUNK = 1 << CHUNK_SHIFT;
type Chunk = (number | string | undefined)[];

/**
 * The window is a queue of small fixed-size chunks, an entry's fields side by side in its
 * chunk, rather than an array of entry objects: storing a status allocates nothing but, every
 * 16 statuses, a chunk (and none once the window is full: the chunk the oldest entries leave
 * is used again for the newest), and touches one spot of memory (a hub round-robins over many
 * sessions). Nothing is ever copied to grow: one ring array doubled in place made every
 * growing session's array young again, for the scavenger to copy over and over (measured: a
 * status cost twice as much while histories grew). Times are kept relative to the history's
 * start, so they stay small integers V8 stores inline. A local status keeps its parts (text,
 * time, encoded details; the frame is rebuilt for a replay, and the history holds no second
 * copy of the text); an adopted one keeps its JSON (ts `undefined`).
 */
export class StatusHistory {
  readonly epoch: string;
  readonly #limits: HistoryLimits;
  readonly #t0: number;
  /** Oldest first; the oldest entry is at `#first` in the first chunk. */
  readonly #chunks: Chunk[] = [];
  /** The last chunk (where the next entry goes, unless it is full), and the position just past it. */
  #tail: Chunk | undefined;
  #end = 0;
  #first = 0;
  #count = 0;
  /** A chunk the oldest entries left, kept for the next one needed. */
  #spare: Chunk | undefined;
  #lastSeq = 0;
  /** Last time a status was added (or a connection of the session left); drives eviction. */
  lastActivity: number;

  constructor(epoch: string, limits: HistoryLimits, now: number) {
    this.epoch = epoch;
    this.#limits = limits;
    this.#t0 = now;
    this.lastActivity = now;
  }

  get lastSeq(): number {
    return this.#lastSeq;
  }

  /** Numbers a local status (the next seq) and keeps its parts; returns the seq. */
  appendStatus(message: string, ts: string, details: string, now: number): number {
    const seq = this.#lastSeq + 1;
    this.#push(seq, now, message, ts, details);
    return seq;
  }

  /**
   * Stores a frame numbered elsewhere (another instance); numbering continues after it. A seq
   * past `lastSeq + 1` leaves a hole, which a replay names with a gap frame. `false` (nothing
   * stored) for a seq this history already passed.
   */
  adopt(seq: number, json: string, now: number): boolean {
    if (!Number.isSafeInteger(seq) || seq <= this.#lastSeq) return false;
    this.#push(seq, now, json, undefined, undefined);
    return true;
  }

  #push(seq: number, at: number, text: string, ts: string | undefined, details: string | undefined): void {
    this.#lastSeq = seq;
    this.lastActivity = at;
    if (this.#count >= this.#limits.maxEntries) this.#drop(1);
    const position = this.#first + this.#count;
    if (position === this.#end) {
      this.#tail = this.#spare ?? new Array<number | string | undefined>(CHUNK * STRIDE).fill(undefined);
      this.#spare = undefined;
      this.#chunks.push(this.#tail);
      this.#end += CHUNK;
    }
    const chunk = this.#tail!;
    const i = (position & (CHUNK - 1)) * STRIDE;
    chunk[i] = seq;
    chunk[i + 1] = at - this.#t0;
    chunk[i + 2] = text;
    chunk[i + 3] = ts;
    chunk[i + 4] = details;
    this.#count += 1;
  }

  /** Forgets the `count` oldest entries (their strings are released at once). */
  #drop(count: number): void {
    for (let k = 0; k < count; k += 1) {
      const chunk = this.#chunks[0]!;
      const i = this.#first * STRIDE;
      chunk[i + 2] = chunk[i + 3] = chunk[i + 4] = undefined;
      this.#first += 1;
      if (this.#first === CHUNK) {
        this.#spare = this.#chunks.shift();
        if (this.#chunks.length === 0) this.#tail = undefined;
        this.#first = 0;
        this.#end -= CHUNK;
      }
    }
    this.#count -= count;
  }

  /** The chunk and offset of the fields of the entry `index` places after the oldest. */
  #field(index: number, field: number): number | string | undefined {
    const position = this.#first + index;
    return this.#chunks[position >> CHUNK_SHIFT]![(position & (CHUNK - 1)) * STRIDE + field];
  }

  #seqAt(index: number): number {
    return this.#field(index, 0) as number;
  }

  #atOf(index: number): number {
    return (this.#field(index, 1) as number) + this.#t0;
  }

  /** The entry `index` places after the oldest, as an object (built for replays only). */
  #entry(index: number): HistoryEntry {
    const seq = this.#seqAt(index);
    const text = this.#field(index, 2) as string;
    const ts = this.#field(index, 3) as string | undefined;
    return { seq, at: this.#atOf(index), json: ts === undefined ? text : statusJson(text, seq, ts, this.#field(index, 4) as string) };
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
   * Adopted statuses may skip numbers (a hole): the entries then skip them too, and the caller
   * names each hole with a gap frame.
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
