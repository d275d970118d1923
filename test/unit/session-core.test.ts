/**
 * The session core with plain-value subscribers: numbering, replay, lazy histories, and the
 * adapter contract (local statuses told to the adapter with their numbers; remote ones adopted
 * with theirs; numbering continues after the highest seq seen).
 */
import fc from 'fast-check';
import { InMemoryAdapter } from '../../src/hub/adapters/in-memory-adapter.js';
import type { HubAdapter, NumberedStatus } from '../../src/hub/adapters/hub-adapter.js';
import type { OutboundFrame } from '../../src/hub/outbound-frame.js';
import { SessionCore } from '../../src/hub/session-core.js';
import type { Subscriber } from '../../src/hub/session-core.js';
import { silentLogger } from '../../src/logger.js';

class Recorder implements Subscriber {
  readonly coalesced = 0;
  readonly frames: Record<string, unknown>[] = [];
  readonly ids: (string | undefined)[] = [];
  write(frame: OutboundFrame): 'sent' {
    this.frames.push(JSON.parse(frame.json) as Record<string, unknown>);
    this.ids.push(frame.eventId);
    return 'sent';
  }
  get types(): string[] {
    return this.frames.map((f) => String(f.type));
  }
}

function core(adapter: HubAdapter = new InMemoryAdapter(), seen: NumberedStatus[] = []) {
  const c = new SessionCore({
    historySize: 5,
    historyTtlMs: 60_000,
    adapter,
    logger: () => silentLogger,
    onStatus: Object.assign((status: NumberedStatus) => void seen.push(status), { wanted: () => true }),
  });
  adapter.attach(c);
  return c;
}

const remote = (sessionId: string, epoch: string, seq: number, data: string, extra: Record<string, unknown> = {}): NumberedStatus => ({
  sessionId,
  epoch,
  seq,
  origin: 'instance-b',
  frame: { type: 'status', data, seq, ts: '2026-01-01T00:00:00.000Z', ...extra },
});

describe('SessionCore', () => {
  it('keeps no history for a session that never got a status', () => {
    const c = core();
    for (let i = 0; i < 1000; i += 1) {
      const s = new Recorder();
      c.subscribe(`anon-${i}`, s, { since: undefined, epoch: undefined }, 0);
      expect(c.sessionCount).toBe(1);
      c.unsubscribe(s, 0);
    }
    expect(c.sessionCount).toBe(0);
  });

  it('indexes subscribers both ways, and forgets a quiet session when its last subscriber leaves', () => {
    const c = core();
    const [a, b, other] = [new Recorder(), new Recorder(), new Recorder()];
    const fresh = { since: undefined, epoch: undefined };
    c.subscribe('s1', a, fresh, 0);
    c.subscribe('s1', b, fresh, 0);
    c.subscribe('s2', other, fresh, 0);
    expect([c.countOf('s1'), c.countOf('s2'), c.countOf('none')]).toEqual([2, 1, 0]);
    expect([c.subscriberCount, c.sessionCount]).toEqual([3, 2]);
    expect([...c.subscribers()]).toEqual([a, b, other]);
    expect(() => c.subscribe('s2', a, fresh, 0)).toThrow(/already subscribed/);
    c.publish('s1', { message: 'one' }, 0, 0);
    expect(c.unsubscribe(a, 0)).toBe('s1');
    expect(c.unsubscribe(a, 0)).toBeUndefined();
    expect(c.unsubscribe(other, 0)).toBe('s2');
    // s1 keeps its history (b is still there); s2 never had a status and is gone.
    expect([c.subscriberCount, c.sessionCount, c.countOf('s1')]).toEqual([1, 1, 1]);
    c.broadcast('s1', '{"type":"x"}', undefined);
    expect(b.types).toEqual(['hello', 'status', 'x']);
    expect(a.types).toEqual(['hello', 'status']);
  });

  it('takes tens of thousands of subscribers of one session joining and leaving in linear time', () => {
    // maxSocketsPerSession has no upper bound: a list copied on every join and leave made this minutes of blocked event loop.
    const c = core();
    const subscribers = Array.from({ length: 50_000 }, () => new Recorder());
    const started = performance.now();
    for (const s of subscribers) c.subscribe('crowd', s, { since: undefined, epoch: undefined }, 0);
    c.publish('crowd', { message: 'to all' }, 0, 0);
    for (let i = 0; i < subscribers.length; i += 2) c.unsubscribe(subscribers[i]!, 0);
    c.publish('crowd', { message: 'to the odd ones' }, 0, 0);
    for (let i = 1; i < subscribers.length; i += 2) c.unsubscribe(subscribers[i]!, 0);
    // About 0.2 s alone; it took over 40 s with copy-on-every-change.
    expect(performance.now() - started).toBeLessThan(10_000);
    expect(subscribers.filter((s) => s.types.join() === 'hello,status').length).toBe(25_000);
    expect(subscribers.filter((s) => s.types.join() === 'hello,status,status').length).toBe(25_000);
    expect([c.subscriberCount, c.countOf('crowd')]).toEqual([0, 0]);
  });

  it('fans a status out to the subscribers it started with, whoever joins or leaves meanwhile', () => {
    const c = core();
    const fresh = { since: undefined, epoch: undefined };
    const [first, second, third] = [new Recorder(), new Recorder(), new Recorder()];
    const newcomer = new Recorder();
    // Its first status makes `first` leave and `newcomer` join, in the middle of the fan-out.
    const joinAndLeave = new (class extends Recorder {
      override write(frame: OutboundFrame): 'sent' {
        super.write(frame);
        if (this.frames.length === 2) {
          c.unsubscribe(first, 0);
          c.subscribe('s', newcomer, fresh, 0);
        }
        return 'sent';
      }
    })();
    for (const s of [first, joinAndLeave, second, third]) c.subscribe('s', s, fresh, 0);
    c.publish('s', { message: 'one' }, 0, 0);
    // Everyone who was there got it once; the newcomer got it once too, as its replay, not again from the fan-out.
    for (const s of [first, joinAndLeave, second, third]) expect(s.types).toEqual(['hello', 'status']);
    expect(newcomer.frames.map((f) => [f.type, f.replay])).toEqual([['hello', undefined], ['status', true]]);
    c.publish('s', { message: 'two' }, 0, 0);
    expect(first.types).toEqual(['hello', 'status']);
    for (const s of [joinAndLeave, second, third, newcomer]) expect(s.frames.at(-1)).toMatchObject({ data: 'two' });
    expect(c.countOf('s')).toBe(4);
  });

  it('keeps the epoch it told a subscriber when the first status arrives', () => {
    const c = core();
    const s = new Recorder();
    c.subscribe('a', s, { since: undefined, epoch: undefined }, 0);
    // A second tab resuming "nothing yet, in this epoch" gets no gap; one from another epoch does.
    const same = new Recorder();
    c.subscribe('a', same, { since: 0, epoch: s.frames[0]!.epoch as string }, 0);
    expect(same.types).toEqual(['hello']);
    const stale = new Recorder();
    c.subscribe('a', stale, { since: 3, epoch: 'old' }, 0);
    expect(stale.frames[1]).toEqual({ type: 'gap', from: 1, to: 0, reason: 'reset' });
    c.publish('a', { message: 'one' }, 0, 0);
    expect(s.types).toEqual(['hello', 'status']);
    const epoch = s.frames[0]!.epoch as string;
    expect(s.ids).toEqual([`${epoch}:0`, `${epoch}:1`]);
    const again = new Recorder();
    c.subscribe('a', again, { since: 0, epoch }, 0);
    expect(again.types).toEqual(['hello', 'status']);
    expect(again.frames[1]).toMatchObject({ data: 'one', seq: 1, replay: true });
  });

  it('passes fields it does not know through history, replay and fan-out', () => {
    const c = core();
    const live = new Recorder();
    c.subscribe('f', live, { since: undefined, epoch: undefined }, 0);
    c.publish('f', { message: 'done', state: 'done' } as never, 0, 0);
    const late = new Recorder();
    c.subscribe('f', late, { since: undefined, epoch: undefined }, 0);
    expect(live.frames[1]).toMatchObject({ data: 'done', state: 'done' });
    expect(late.frames[1]).toMatchObject({ data: 'done', state: 'done', replay: true });
  });

  it('writes each status frame as JSON.stringify would, whatever the text and fields', () => {
    const seen: NumberedStatus[] = [];
    const c = core(new InMemoryAdapter(), seen);
    const s = new Recorder();
    const raw: string[] = [];
    c.subscribe('j', { coalesced: 0, write: (frame) => (raw.push(frame.json), s.write(frame)) }, { since: undefined, epoch: undefined }, 0);
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary' }),
        fc.option(fc.constantFrom('info', 'error')),
        fc.option(fc.integer({ min: 0, max: 100 })),
        fc.option(fc.string()),
        (message, level, progress, agent) => {
          const update: Record<string, unknown> = { message };
          if (level !== null) update.level = level;
          if (progress !== null) update.progress = progress;
          if (agent !== null) update.agent = agent;
          update.seq = 999; // reserved: ignored
          c.publish('j', update as never, 0, 0);
          const frame = seen.at(-1)!.frame;
          expect(raw.at(-1)).toBe(JSON.stringify(frame));
          expect(JSON.parse(raw.at(-1)!)).toEqual({ ...update, type: 'status', data: message, seq: frame.seq, ts: frame.ts, message: undefined });
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('tells the adapter about local statuses with the numbers it gave them', () => {
    const published: NumberedStatus[] = [];
    const adapter: HubAdapter = { attach() {}, published: (s) => published.push(s), close() {}, newEpoch: () => 'shared' };
    const c = core(adapter);
    c.publish('p', { message: 'x', level: 'info' }, 0, 0);
    c.publish('p', { message: 'y' }, 0, 0);
    expect(published.map((s) => [s.epoch, s.seq, s.frame.data, s.origin])).toEqual([
      ['shared', 1, 'x', undefined],
      ['shared', 2, 'y', undefined],
    ]);
    expect(published[0]!.frame).toMatchObject({ level: 'info' });
  });

  it('adopts remote numbers, drops duplicates, and numbers local statuses after the highest seen', () => {
    const adapter = new InMemoryAdapter();
    const seen: NumberedStatus[] = [];
    const c = core(adapter, seen);
    expect(adapter.deliver(remote('r', 'E1', 5, 'five', { agent: 'remote', state: 'x' }))).toBe(0);
    expect(adapter.deliver(remote('r', 'E1', 5, 'five again'))).toBe(0);
    expect(adapter.deliver(remote('r', 'E1', 4, 'late'))).toBe(0);
    c.publish('r', { message: 'local' }, 0, 0);
    const s = new Recorder();
    c.subscribe('r', s, { since: 4, epoch: 'E1' }, 0);
    expect(s.frames[0]).toMatchObject({ type: 'hello', epoch: 'E1', seq: 6 });
    expect(s.frames.slice(1)).toEqual([
      expect.objectContaining({ data: 'five', seq: 5, agent: 'remote', state: 'x', replay: true }),
      expect.objectContaining({ data: 'local', seq: 6, replay: true }),
    ]);
    expect(seen.map((x) => [x.seq, x.origin])).toEqual([
      [5, 'instance-b'],
      [6, undefined],
    ]);
  });

  it('switches a session to a new epoch: open subscribers get a hello and a reset gap first', () => {
    const adapter = new InMemoryAdapter();
    const c = core(adapter);
    const s = new Recorder();
    c.subscribe('e', s, { since: undefined, epoch: undefined }, 0);
    c.publish('e', { message: 'old' }, 0, 0);
    expect(adapter.deliver(remote('e', 'E2', 3, 'new'))).toBe(1);
    expect(s.types).toEqual(['hello', 'status', 'hello', 'gap', 'status']);
    expect(s.frames[2]).toMatchObject({ epoch: 'E2', seq: 2 });
    expect(s.frames[3]).toEqual({ type: 'gap', from: 1, to: 2, reason: 'reset' });
    expect(s.ids[4]).toBe('E2:3');
  });

  it('resumes across skipped numbers without replaying what the client has', () => {
    const adapter = new InMemoryAdapter();
    const c = core(adapter);
    adapter.deliver(remote('j', 'E', 1, 'a'));
    adapter.deliver(remote('j', 'E', 4, 'b'));
    adapter.deliver(remote('j', 'E', 9, 'c'));
    const s = new Recorder();
    c.subscribe('j', s, { since: 4, epoch: 'E' }, 0);
    expect(s.frames.slice(1).map((f) => f.data)).toEqual(['c']);
  });

  it('resumes a client that comes from an instance ahead of this one without sending what it has again', () => {
    const adapter = new InMemoryAdapter();
    const c = core(adapter);
    adapter.deliver(remote('h', 'E', 1, 'a'));
    adapter.deliver(remote('h', 'E', 2, 'b'));
    const s = new Recorder();
    // The client saw up to 4 on another instance; 3 and 4 are still on their way here.
    c.subscribe('h', s, { since: 4, epoch: 'E' }, 0);
    expect(s.types).toEqual(['hello']);
    for (const [seq, data] of [[3, 'c'], [4, 'd'], [5, 'e']] as const) adapter.deliver(remote('h', 'E', seq, data));
    c.publish('h', { message: 'f' }, 0, 0);
    expect(s.frames.slice(1).map((f) => [f.seq, f.data])).toEqual([
      [5, 'e'],
      [6, 'f'],
    ]);
  });

  it('with an adapter that shares numbering, takes up a client resuming in an epoch it has no history of yet', () => {
    const adapter = new InMemoryAdapter();
    (adapter as HubAdapter).newEpoch = () => 'MINE';
    const c = core(adapter);
    const s = new Recorder();
    c.subscribe('t', s, { since: 3, epoch: 'THEIRS' }, 0);
    expect(s.frames).toEqual([expect.objectContaining({ type: 'hello', epoch: 'THEIRS', seq: 3 })]);
    for (const seq of [1, 2, 3, 4]) adapter.deliver(remote('t', 'THEIRS', seq, `r${seq}`));
    c.publish('t', { message: 'local' }, 0, 0);
    expect(s.frames.slice(1).map((f) => [f.seq, f.data])).toEqual([
      [4, 'r4'],
      [5, 'local'],
    ]);
    // Without a shared numbering the same request is a history lost in a restart: a reset.
    const alone = core();
    const t = new Recorder();
    alone.subscribe('t', t, { since: 3, epoch: 'THEIRS' }, 0);
    expect(t.types).toEqual(['hello', 'gap']);
  });
});
