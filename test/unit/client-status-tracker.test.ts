import { MAX_STEPS, StatusTracker } from '../../src/client/status-tracker.js';
import type { StatusFrame } from '../../src/protocol.js';

const status = (seq: number, data = `s${seq}`, replay = false): StatusFrame =>
  replay ? { type: 'status', data, seq, ts: 't', replay: true } : { type: 'status', data, seq, ts: 't' };
const hello = (epoch: string, seq = 0) => ({ type: 'hello' as const, v: 1, epoch, seq });

describe('StatusTracker', () => {
  it('asks for nothing until a hub has greeted it, then for what it saw', () => {
    const tracker = new StatusTracker();
    expect(tracker.resumeFrom()).toBeUndefined();
    tracker.hello(hello('E', 4));
    expect(tracker.resumeFrom()).toEqual({ since: 0, epoch: 'E' });
    tracker.accept(status(4, 's4', true));
    tracker.accept(status(5));
    expect(tracker.resumeFrom()).toEqual({ since: 5, epoch: 'E' });
  });

  it('never goes back to an older or duplicate status within an epoch', () => {
    const tracker = new StatusTracker();
    tracker.hello(hello('E'));
    expect(tracker.accept(status(3))).toBe(true);
    expect(tracker.accept(status(3, 'dup'))).toBe(false);
    expect(tracker.accept(status(2, 'late', true))).toBe(false);
    expect(tracker.accept(status(1))).toBe(false);
    expect(tracker.latest?.data).toBe('s3');
    expect(tracker.accept(status(5))).toBe(true);
    expect(tracker.accept(status(4, 'out of order'))).toBe(false);
    expect(tracker.latest?.data).toBe('s5');
    expect(tracker.lastSeq).toBe(5);
  });

  it('accepts seq 1 again after a new epoch, keeping the old status until then', () => {
    const tracker = new StatusTracker();
    expect(tracker.hello(hello('old'))).toBe(false);
    tracker.accept(status(7));
    expect(tracker.hello(hello('old', 7))).toBe(false);
    expect(tracker.lastSeq).toBe(7);
    expect(tracker.hello(hello('new'))).toBe(true);
    expect(tracker.latest?.data).toBe('s7');
    expect(tracker.resumeFrom()).toEqual({ since: 0, epoch: 'new' });
    expect(tracker.accept(status(1, 'after restart'))).toBe(true);
    expect(tracker.latest?.data).toBe('after restart');
  });

  it('always shows unnumbered (seed-era) statuses and keeps the numbering intact', () => {
    const tracker = new StatusTracker();
    tracker.accept(status(4));
    expect(tracker.accept(status(0, 'seed a'))).toBe(true);
    expect(tracker.accept(status(0, 'seed b'))).toBe(true);
    expect(tracker.latest?.data).toBe('seed b');
    expect(tracker.lastSeq).toBe(4);
    expect(tracker.accept(status(4))).toBe(false);
  });
});

describe('StatusTracker runs and steps', () => {
  const at = (seq: number, ms: number, extra: Partial<StatusFrame> = {}): StatusFrame => ({
    type: 'status', data: `s${seq}`, seq, ts: new Date(Date.UTC(2026, 0, 1) + ms).toISOString(), ...extra,
  });
  const T0 = Date.UTC(2026, 0, 1);

  it('keeps the steps in order with durations until the next step, and ends the run on a state', () => {
    const tracker = new StatusTracker();
    expect(tracker.runState).toBe('idle');
    tracker.accept(at(1, 0, { agent: 'a', tool: 't', level: 'info', progress: 10 }));
    tracker.accept(at(2, 1500));
    const running = tracker.steps;
    expect(tracker.runState).toBe('running');
    expect(running.map((s) => [s.text, s.durationMs])).toEqual([['s1', 1500], ['s2', undefined]]);
    expect(running[0]).toMatchObject({ agent: 'a', tool: 't', level: 'info', progress: 10, seq: 1, startedAt: T0 });
    tracker.accept(at(3, 4000, { data: 'Done', state: 'done' }));
    expect(tracker.runState).toBe('done');
    expect(tracker.steps.map((s) => s.durationMs)).toEqual([1500, 2500]);
    expect([tracker.runStartedAt, tracker.runEndedAt]).toEqual([T0, T0 + 4000]);
    // A new array on each change: a snapshot taken earlier does not change under its holder.
    expect(running.map((s) => s.durationMs)).toEqual([1500, undefined]);

    tracker.accept(at(4, 9000));
    expect(tracker.runState).toBe('running');
    expect(tracker.steps.map((s) => s.text)).toEqual(['s4']);
    expect(tracker.runEndedAt).toBeUndefined();
  });

  it('has no steps for a late tab that only sees the end of a run, and ignores a replayed duplicate', () => {
    const tracker = new StatusTracker();
    tracker.accept(at(9, 100, { data: 'Something went wrong', level: 'error', state: 'failed' }));
    expect(tracker.runState).toBe('failed');
    expect(tracker.steps).toEqual([]);
    expect(tracker.accept(at(9, 100, { state: 'failed' }))).toBe(false);
  });

  it('uses the arrival time for seed-era frames without ts, and keeps at most MAX_STEPS', () => {
    const tracker = new StatusTracker();
    tracker.accept({ type: 'status', data: 'seed', seq: 0, ts: '' }, 42);
    expect(tracker.steps[0]?.startedAt).toBe(42);
    for (let i = 1; i <= MAX_STEPS + 5; i += 1) tracker.accept(at(i, i));
    expect(tracker.steps).toHaveLength(MAX_STEPS);
    expect(tracker.steps[0]?.seq).toBe(6);
  });
});
