/**
 * The client's own parser for the three frames it acts on (`status`, `hello`, `gap`).
 *
 * It mirrors `parseServerFrame` in ../protocol.ts for those types (a property test holds the
 * two together) but is its own copy so the drop-in bundle carries only what it needs and the
 * client imports nothing but types from the contract. Never throws; returns fresh objects with
 * known fields only, so hostile JSON (`__proto__` keys and the like) cannot leak through.
 */
import type { GapFrame, HelloFrame, RunEndState, StatusFrame, StatusLevel } from '../protocol.js';

export type ClientFrame = StatusFrame | HelloFrame | GapFrame;

const LEVELS: readonly string[] = ['info', 'success', 'warning', 'error'];
const END_STATES: readonly string[] = ['done', 'failed', 'aborted'];

const isSeq = (value: unknown): value is number =>
  typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;

/** A known frame from untrusted text (or an already-parsed value), or `undefined`. */
export function parseFrame(input: unknown): ClientFrame | undefined {
  let raw = input;
  if (typeof input === 'string') {
    try {
      raw = JSON.parse(input);
    } catch {
      return undefined;
    }
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return undefined;
  const r = raw as Record<string, unknown>;
  if (r.type === 'status') {
    // A seed-era frame has neither seq nor ts: it is shown, unnumbered (seq 0).
    const seed = r.seq === undefined && r.ts === undefined;
    const seq = seed ? 0 : r.seq;
    const ts = seed ? '' : r.ts;
    if (typeof r.data !== 'string' || !isSeq(seq) || typeof ts !== 'string') return undefined;
    const frame: StatusFrame = { type: 'status', data: r.data, seq, ts };
    if (typeof r.level === 'string' && LEVELS.includes(r.level)) frame.level = r.level as StatusLevel;
    const progress = r.progress;
    if (typeof progress === 'number' && progress >= 0 && progress <= 100) frame.progress = progress;
    if (typeof r.agent === 'string') frame.agent = r.agent;
    if (typeof r.tool === 'string') frame.tool = r.tool;
    if (typeof r.state === 'string' && END_STATES.includes(r.state)) frame.state = r.state as RunEndState;
    if (r.replay === true) frame.replay = true;
    return frame;
  }
  if (r.type === 'hello') {
    return isSeq(r.v) && typeof r.epoch === 'string' && isSeq(r.seq)
      ? { type: 'hello', v: r.v, epoch: r.epoch, seq: r.seq }
      : undefined;
  }
  if (r.type === 'gap') {
    return isSeq(r.from) && isSeq(r.to) && (r.reason === 'expired' || r.reason === 'reset')
      ? { type: 'gap', from: r.from, to: r.to, reason: r.reason }
      : undefined;
  }
  return undefined;
}
