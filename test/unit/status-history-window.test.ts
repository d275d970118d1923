/**
 * StatusHistory keeps its window in chunks of 16 entries that it drops and reuses as the window
 * moves. Checked against a plain model that shifts an array every time: any mix of appends,
 * adopts, prunes and resumes, with windows from 1 entry to several chunks, gives the same
 * window, latest entry and resume plans.
 */
import fc from 'fast-check';
import { StatusHistory } from '../../src/hub/status-history.js';
import type { HistoryEntry, ResumePlan } from '../../src/hub/status-history.js';

class ModelHistory {
  entries: HistoryEntry[] = [];
  lastSeq = 0;
  constructor(readonly maxEntries: number, readonly maxAgeMs: number) {}
  push(seq: number, at: number): void {
    if (!Number.isSafeInteger(seq) || seq <= this.lastSeq) return;
    this.lastSeq = seq;
    this.entries.push({ seq, at, json: `{"seq":${seq}}` });
    if (this.entries.length > this.maxEntries) this.entries.shift();
  }
  prune(now: number): void {
    while (this.entries.length > 1 && this.entries[0]!.at < now - this.maxAgeMs) this.entries.shift();
  }
}

type Op = { kind: 'append' | 'adopt' | 'prune' | 'resume'; step: number; since: number };

describe('StatusHistory window', () => {
  it('matches a shift-per-status model for any sequence of operations', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.integer({ min: 1, max: 7 }), fc.integer({ min: 15, max: 50 })),
        fc.oneof(fc.integer({ min: 5, max: 60 }), fc.constant(1e9)),
        fc.array(
          fc.record({ kind: fc.constantFrom('append', 'append', 'append', 'adopt', 'prune', 'resume'), step: fc.integer({ min: 0, max: 20 }), since: fc.integer({ min: 0, max: 260 }) }),
          { maxLength: 240, size: 'max' },
        ),
        (maxEntries, maxAgeMs, ops: Op[]) => {
          const real = new StatusHistory('e', { maxEntries, maxAgeMs }, 0);
          const model = new ModelHistory(maxEntries, maxAgeMs);
          let now = 0;
          for (const op of ops) {
            now += op.step;
            if (op.kind === 'append') {
              const seq = model.lastSeq + 1;
              real.appendStatus('m', '2026-01-01T00:00:00.000Z', '', now);
              model.push(seq, now);
            } else if (op.kind === 'adopt') {
              const seq = model.lastSeq + 1 + (op.since % 3);
              real.adopt(seq, `{"seq":${seq}}`, now);
              model.push(seq, now);
            } else if (op.kind === 'prune') {
              real.prune(now);
              model.prune(now);
            } else {
              const plan: ResumePlan = real.resume(op.since, 'e', now);
              model.prune(now);
              const seqs = plan.entries.map((e) => e.seq);
              // A client ahead of this history (it came from an instance further on) gets nothing
              // replayed and skips what it already has (`after`); others get what follows `since`.
              expect(seqs.every((seq) => seq > op.since)).toBe(true);
              const expected = op.since > model.lastSeq ? [] : model.entries.filter((e) => e.seq > op.since);
              expect(seqs).toEqual(expected.map((e) => e.seq));
              expect(plan.after).toBe(op.since > model.lastSeq ? op.since : undefined);
              // The whole window, and the latest entry a fresh page gets.
              expect(real.resume(0, 'e', now).entries.map((e) => e.seq)).toEqual(model.entries.map((e) => e.seq));
              expect(real.resume(undefined, undefined, now).entries.map((e) => e.seq)).toEqual(model.entries.slice(-1).map((e) => e.seq));
            }
            expect(real.lastSeq).toBe(model.lastSeq);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
