import { StatusHistory } from '../../src/hub/status-history.js';

const build = (seq: number) => `{"seq":${seq}}`;

function history(maxEntries = 5, maxAgeMs = 1000): StatusHistory {
  return new StatusHistory('e1', { maxEntries, maxAgeMs }, 0);
}

describe('StatusHistory', () => {
  it('numbers entries from 1 and keeps at most maxEntries, newest last', () => {
    const h = history(3);
    for (let i = 0; i < 5; i += 1) h.append(build, i);
    expect(h.lastSeq).toBe(5);
    expect(h.size).toBe(3);
    expect(h.latest()?.seq).toBe(5);
  });

  it('prunes by age but always keeps the newest', () => {
    const h = history(10, 100);
    h.append(build, 0);
    h.append(build, 10);
    h.prune(500);
    expect(h.size).toBe(1);
    expect(h.latest()?.seq).toBe(2);
  });

  it('gives a fresh client only the latest', () => {
    const h = history();
    h.append(build, 0);
    h.append(build, 1);
    expect(h.resume(undefined, undefined, 2).entries.map((e) => e.seq)).toEqual([2]);
    expect(history().resume(undefined, undefined, 0).entries).toEqual([]);
  });

  it('replays everything after since when the window holds it', () => {
    const h = history();
    for (let i = 0; i < 4; i += 1) h.append(build, i);
    expect(h.resume(1, 'e1', 5)).toEqual({ entries: expect.any(Array) });
    expect(h.resume(1, 'e1', 5).entries.map((e) => e.seq)).toEqual([2, 3, 4]);
    expect(h.resume(4, 'e1', 5).entries).toEqual([]);
    expect(h.resume(0, 'e1', 5).entries.map((e) => e.seq)).toEqual([1, 2, 3, 4]);
    // `since` without its epoch could be from another history: a reset, never a guess.
    expect(h.resume(2, undefined, 5).gap?.reason).toBe('reset');
  });

  it('reports an expired gap for what fell out of the window', () => {
    const h = history(2);
    for (let i = 0; i < 6; i += 1) h.append(build, i);
    const plan = h.resume(1, 'e1', 10);
    expect(plan.gap).toEqual({ from: 2, to: 4, reason: 'expired' });
    expect(plan.entries.map((e) => e.seq)).toEqual([5, 6]);
  });

  it('reports a reset for another epoch; a seq it never issued in its epoch means the client is ahead', () => {
    const h = history();
    h.append(build, 0);
    expect(h.resume(3, 'other', 1).gap).toEqual({ from: 1, to: 0, reason: 'reset' });
    // A seq beyond this history in its own epoch: the client came from an instance ahead of this one.
    expect(h.resume(9, 'e1', 1)).toEqual({ entries: [], after: 9 });
  });
});
