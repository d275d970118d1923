import { formatDuration, runSummary } from '../../src/client/run-summary.js';
import type { StatusStep } from '../../src/client/status-tracker.js';

const steps = (n: number): StatusStep[] => Array.from({ length: n }, (_, i) => ({ text: `s${i}`, seq: i + 1, startedAt: i }));

describe('run summary', () => {
  it('formats durations for people', () => {
    expect([850, 1000, 2149, 9999, 10_000, 12_400, 59_600, 65_000, 120_000].map(formatDuration)).toEqual([
      '850 ms', '1.0 s', '2.1 s', '9.9 s', '10 s', '12 s', '1 min', '1 min 5 s', '2 min',
    ]);
  });

  it('says how a run ended, in one line, and nothing while it runs or without steps', () => {
    const base = { runStartedAt: 0, runEndedAt: 12_000 };
    expect(runSummary({ ...base, steps: steps(8), runState: 'done' })).toBe('Worked for 12 s · 8 steps');
    expect(runSummary({ ...base, steps: steps(1), runState: 'failed' })).toBe('Failed after 12 s · 1 step');
    expect(runSummary({ ...base, steps: steps(2), runState: 'aborted' })).toBe('Stopped after 12 s · 2 steps');
    expect(runSummary({ ...base, steps: steps(2), runState: 'running' })).toBeUndefined();
    expect(runSummary({ ...base, steps: [], runState: 'done' })).toBeUndefined();
  });
});
