import { StatusTracker } from '../../src/client/status-tracker.js';
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
