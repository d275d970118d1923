/**
 * The status every variant sends, so all of them move the same bytes: the hub's frame shape
 * (`{"type":"status","data":…,"seq":…,"ts":…}`) with the same text.
 */
export const STATUS_TEXT = 'Searching the web for recent reviews…';

export interface BenchStatusFrame {
  type: 'status';
  data: string;
  seq: number;
  ts: string;
}

const TS = new Date().toISOString();

/** The frame as an object (what a Socket.IO user emits). */
export function statusFrame(seq: number): BenchStatusFrame {
  return { type: 'status', data: STATUS_TEXT, seq, ts: TS };
}

/**
 * One serialised frame the size of the hub's (a six-digit seq), identical every time: the
 * wire ceiling (no sender of a status stream can send the same bytes twice: seq and ts change).
 */
export const PREBUILT_FRAME = JSON.stringify(statusFrame(100_000));

/** What a hand-rolled server does per message: build the frame object and serialise it. */
export function buildFrame(seq: number): string {
  return JSON.stringify({ type: 'status', data: STATUS_TEXT, seq, ts: new Date().toISOString() });
}

/**
 * The least any status sender does per status, and what the limit rows do: number it (one
 * counter per session), time it (the ISO text formatted once per millisecond, as the hub
 * does), and encode it with the same hand-written template as the hub (text JSON-escaped,
 * every field in place). Nothing else: no validation, history, replay or backpressure.
 */
export class RawStatusEncoder {
  readonly #seqs: number[];
  #isoAt = Number.NaN;
  #iso = '';

  constructor(sessions = 1) {
    this.#seqs = new Array<number>(sessions).fill(0);
  }

  /** The next status frame of session number `session`, for `text`. */
  frame(text: string, session = 0): string {
    const seq = (this.#seqs[session] = this.#seqs[session]! + 1);
    const now = Date.now();
    if (now !== this.#isoAt) {
      this.#isoAt = now;
      this.#iso = new Date(now).toISOString();
    }
    return `{"type":"status","data":${JSON.stringify(text)},"seq":${seq},"ts":"${this.#iso}"}`;
  }

  /** The seq `frame` gave session `session` last (for an SSE `id:`). */
  lastSeq(session = 0): number {
    return this.#seqs[session]!;
  }
}

/** `{"type":"s…`: a status frame (the hub's `hello` has an `h` there). Byte 9 of the UTF-8 text. */
export function isStatusFrame(data: Buffer): boolean {
  return data[9] === 0x73;
}
