/**
 * RelayOrderer with plain messages: a producer's statuses of a session come out in its order
 * whatever order Pub/Sub hands them over in (the emulator reorders after an outage), once each;
 * a missing one is waited for at most `holdMs`.
 */
import { RelayOrderer } from '../../src/hub/adapters/relay-message.js';
import type { RelayMessage } from '../../src/hub/adapters/relay-message.js';

const message = (n: number, prev: number, sessionId = 's', life = 'L1'): RelayMessage => ({
  origin: 'pod-a',
  life,
  n,
  prev,
  sessionId,
  epoch: 'E',
  seq: n,
  frame: { type: 'status', data: `m${n}`, seq: n, ts: '2026-01-01T00:00:00.000Z' },
});

describe('RelayOrderer', () => {
  it('releases a producer’s messages in its order, skipping redeliveries', () => {
    const out: number[] = [];
    const orderer = new RelayOrderer(60_000, 60_000, (m) => out.push(m.n));
    const arrivals = [message(1, 0), message(2, 1), message(5, 4), message(6, 5), message(3, 2), message(2, 1), message(4, 3), message(6, 5)];
    const results = arrivals.map((m) => orderer.offer(m, 0));
    expect(out).toEqual([1, 2, 3, 4, 5, 6]);
    expect(results).toEqual(['released', 'released', 'held', 'held', 'released', 'duplicate', 'released', 'duplicate']);
    orderer.clear();
  });

  it('keeps producer lives and sessions apart (a restart with the same id starts a new order)', () => {
    const out: string[] = [];
    const orderer = new RelayOrderer(60_000, 60_000, (m) => out.push(`${m.life}:${m.sessionId}:${m.n}`));
    orderer.offer(message(7, 0, 's'), 0);
    orderer.offer(message(1, 0, 's', 'L2'), 0);
    orderer.offer(message(8, 0, 't'), 0);
    expect(out).toEqual(['L1:s:7', 'L2:s:1', 'L1:t:8']);
    orderer.clear();
  });

  it('goes on without a message that does not come within holdMs', async () => {
    const out: number[] = [];
    const orderer = new RelayOrderer(50, 60_000, (m) => out.push(m.n));
    orderer.offer(message(1, 0), 0);
    orderer.offer(message(4, 3), 0);
    orderer.offer(message(3, 2), 0);
    expect(out).toEqual([1]);
    await new Promise((resolve) => setTimeout(resolve, 150)); // window: past holdMs (50), the hold timer under test
    expect(out).toEqual([1, 3, 4]);
    expect(orderer.offer(message(2, 1), 0)).toBe('duplicate'); // too late: its successors were shown
  });

  it('forgets an idle stream: after a sweep the same message is new again', () => {
    const out: number[] = [];
    const orderer = new RelayOrderer(60_000, 1000, (m) => out.push(m.n));
    orderer.offer(message(1, 0), 0);
    orderer.sweep(500);
    expect(orderer.offer(message(1, 0), 500)).toBe('duplicate');
    orderer.sweep(2000);
    expect(orderer.offer(message(1, 0), 2000)).toBe('released');
    expect(out).toEqual([1, 1]);
  });
});
