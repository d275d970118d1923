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

/** One serialised frame the size of the hub's (a six-digit seq): the raw baselines send this. */
export const PREBUILT_FRAME = JSON.stringify(statusFrame(100_000));

/** What a hand-rolled server does per message: build the frame and serialise it. */
export function buildFrame(seq: number): string {
  return JSON.stringify({ type: 'status', data: STATUS_TEXT, seq, ts: new Date().toISOString() });
}

/** `{"type":"s…`: a status frame (the hub's `hello` has an `h` there). Byte 9 of the UTF-8 text. */
export function isStatusFrame(data: Buffer): boolean {
  return data[9] === 0x73;
}
