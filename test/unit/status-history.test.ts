/**
 * StatusHistory with plain values: numbering, the window bounded by count and age, and what a
 * (re)connecting client is sent: the latest, what follows its `since`, or a gap first.
 */
import { StatusHistory } from '../../src/hub/status-history.js';

const TS = '2026-01-01T00:00:00.000Z';

function history(maxEntries = 5, maxAgeMs = 1000): StatusHistory {
  return new StatusHistory('e1', { maxEntries, maxAgeMs }, 0);
}

/** Appends `count` local statuses, one per millisecond from `from`. */
function append(h: StatusHistory, count: number, from = 0): void {
  for (let i = 0; i < count; i += 1) h.appendStatus(`m${h.lastSeq + 1}`, TS, '', from + i);
}

const seqs = (h: StatusHistory, since: number, now: number) => h.resume(since, 'e1', now).entries.map((e) => e.seq);

describe('StatusHistory', () => {
  it('numbers statuses from 1 and keeps at most maxEntries, newest last', () => {
    const h = history(3);
    append(h, 5);
    expect(h.lastSeq).toBe(5);
    expect(seqs(h, 0, 5)).toEqual([3, 4, 5]);
    expect(h.resume(undefined, undefined, 5).entries.map((e) => e.seq)).toEqual([5]);
  });

  it('prunes by age but always keeps the newest', () => {
    const h = history(10, 100);
    append(h, 1, 0);
    append(h, 1, 10);
    h.prune(500);
    expect(h.resume(undefined, undefined, 500).entries.map((e) => e.seq)).toEqual([2]);
    expect(h.resume(0, 'e1', 500).gap).toEqual({ from: 1, to: 1, reason: 'expired' });
  });

  it('gives a fresh client only the latest', () => {
    const h = history();
    append(h, 2);
    expect(h.resume(undefined, undefined, 2).entries.map((e) => e.seq)).toEqual([2]);
    expect(history().resume(undefined, undefined, 0).entries).toEqual([]);
  });

  it('replays everything after since when the window holds it', () => {
    const h = history();
    append(h, 4);
    expect(h.resume(1, 'e1', 5)).toEqual({ entries: expect.any(Array) });
    expect(seqs(h, 1, 5)).toEqual([2, 3, 4]);
    expect(seqs(h, 4, 5)).toEqual([]);
    expect(seqs(h, 0, 5)).toEqual([1, 2, 3, 4]);
    // `since` without its epoch could be from another history: a reset, never a guess.
    expect(h.resume(2, undefined, 5).gap?.reason).toBe('reset');
  });

  it('replays a local status as the frame it was sent as', () => {
    const h = history();
    h.appendStatus('hi "there"', TS, ',"level":"info"', 0);
    expect(h.resume(0, 'e1', 0).entries[0]!.json).toBe(`{"type":"status","data":"hi \\"there\\"","seq":1,"ts":"${TS}","level":"info"}`);
  });

  it('reports an expired gap for what fell out of the window', () => {
    const h = history(2);
    append(h, 6);
    const plan = h.resume(1, 'e1', 10);
    expect(plan.gap).toEqual({ from: 2, to: 4, reason: 'expired' });
    expect(plan.entries.map((e) => e.seq)).toEqual([5, 6]);
  });

  it('reports a reset for another epoch; a seq it never issued in its epoch means the client is ahead', () => {
    const h = history();
    append(h, 1);
    expect(h.resume(3, 'other', 1).gap).toEqual({ from: 1, to: 0, reason: 'reset' });
    // A seq beyond this history in its own epoch: the client came from an instance ahead of this one.
    expect(h.resume(9, 'e1', 1)).toEqual({ entries: [], after: 9 });
  });

  it('adopts statuses numbered elsewhere, skipped numbers included, and refuses ones it passed', () => {
    const h = history();
    expect(h.adopt(2, '{"seq":2}', 0)).toBe(true);
    expect(h.adopt(5, '{"seq":5}', 0)).toBe(true);
    expect(h.adopt(5, '{"seq":5}', 0)).toBe(false);
    expect(h.adopt(4, '{"seq":4}', 0)).toBe(false);
    expect(h.lastSeq).toBe(5);
    expect(seqs(h, 2, 0)).toEqual([5]);
    append(h, 1);
    expect(seqs(h, 0, 0)).toEqual([2, 5, 6]);
  });
});
