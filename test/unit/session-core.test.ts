/**
 * The session core with plain-value subscribers: numbering, replay, lazy histories, and the
 * adapter contract (local statuses told to the adapter with their numbers; remote ones adopted
 * with theirs; numbering continues after the highest seq seen; a client's position is taken only
 * where the instance can vouch for it).
 */
import fc from 'fast-check';
import { InMemoryAdapter } from '../../src/hub/adapters/in-memory-adapter.js';
import type { AdapterHost, HubAdapter, NumberedStatus } from '../../src/hub/adapters/hub-adapter.js';
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

/** An adapter as a scale-out one is: numbering shared across instances, remote statuses handed to the host. */
class SharedNumbering implements HubAdapter {
  host!: AdapterHost;
  readonly published: (status: NumberedStatus) => void;
  constructor(readonly epochs: string[] = ['MINE'], published: NumberedStatus[] = []) {
    this.published = (status) => void published.push(status);
  }
  attach(host: AdapterHost): void {
    this.host = host;
  }
  newEpoch(): string {
    return this.epochs.shift() ?? 'LATER';
  }
  close(): void {}
  deliver(status: NumberedStatus): number {
    return this.host.deliver(status);
  }
}

/** One that also vouches that every status of the epochs it names is still on its way here. */
class Vouching extends SharedNumbering {
  constructor(readonly coming: string[]) {
    super();
  }
  stillComing(_sessionId: string, epoch: string): boolean {
    return this.coming.includes(epoch);
  }
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
    // A hello names no status: no event id.
    expect(s.ids).toEqual([undefined, `${epoch}:1`]);
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
    const adapter = new SharedNumbering();
    const seen: NumberedStatus[] = [];
    const c = core(adapter, seen);
    expect(adapter.deliver(remote('r', 'E1', 5, 'five', { agent: 'remote', state: 'x' }))).toBe(0);
    expect(adapter.deliver(remote('r', 'E1', 5, 'five again'))).toBe(0);
    expect(adapter.deliver(remote('r', 'E1', 4, 'late'))).toBe(0);
    c.publish('r', { message: 'local' }, 0, 0);
    const s = new Recorder();
    c.subscribe('r', s, { since: 5, epoch: 'E1' }, 0);
    expect(s.frames[0]).toMatchObject({ type: 'hello', epoch: 'E1', seq: 6 });
    expect(s.frames.slice(1)).toEqual([expect.objectContaining({ data: 'local', seq: 6, replay: true })]);
    const first = new Recorder();
    c.subscribe('r', first, { since: 0, epoch: 'E1' }, 0);
    expect(first.frames.slice(1)).toEqual([
      { type: 'gap', from: 1, to: 4, reason: 'expired' },
      expect.objectContaining({ data: 'five', seq: 5, agent: 'remote', state: 'x', replay: true }),
      expect.objectContaining({ data: 'local', seq: 6, replay: true }),
    ]);
    expect(seen.map((x) => [x.seq, x.origin])).toEqual([
      [5, 'instance-b'],
      [6, undefined],
    ]);
  });

  it('switches a session to a new epoch: open subscribers get a hello and a reset gap first', () => {
    const adapter = new SharedNumbering();
    const c = core(adapter);
    const s = new Recorder();
    c.subscribe('e', s, { since: undefined, epoch: undefined }, 0);
    c.publish('e', { message: 'old' }, 0, 0);
    expect(adapter.deliver(remote('e', 'E2', 3, 'new'))).toBe(1);
    expect(s.types).toEqual(['hello', 'status', 'hello', 'gap', 'status']);
    expect(s.frames[2]).toMatchObject({ epoch: 'E2', seq: 2 });
    expect(s.frames[3]).toEqual({ type: 'gap', from: 1, to: 2, reason: 'reset' });
    expect(s.ids.slice(2)).toEqual([undefined, undefined, 'E2:3']);
    adapter.deliver(remote('e', 'E2', 4, 'next'));
    expect(s.types.slice(5)).toEqual(['status']);
  });

  it('names a hole in adopted numbers with a gap frame, live and in replays', () => {
    const adapter = new SharedNumbering();
    const c = core(adapter);
    const live = new Recorder();
    c.subscribe('j', live, { since: undefined, epoch: undefined }, 0);
    adapter.deliver(remote('j', 'E', 1, 'a'));
    adapter.deliver(remote('j', 'E', 2, 'b'));
    adapter.deliver(remote('j', 'E', 5, 'c'));
    adapter.deliver(remote('j', 'E', 6, 'd'));
    expect(live.frames.slice(2).map((f) => (f.type === 'gap' ? `gap ${String(f.from)}-${String(f.to)} ${String(f.reason)}` : f.data))).toEqual([
      'a',
      'b',
      'gap 3-4 expired',
      'c',
      'd',
    ]);
    const resumed = new Recorder();
    c.subscribe('j', resumed, { since: 1, epoch: 'E' }, 0);
    expect(resumed.frames.slice(1)).toEqual([
      expect.objectContaining({ data: 'b', seq: 2 }),
      { type: 'gap', from: 3, to: 4, reason: 'expired' },
      expect.objectContaining({ data: 'c', seq: 5 }),
      expect.objectContaining({ data: 'd', seq: 6 }),
    ]);
    // Resuming inside the hole: the rest of it first.
    const inHole = new Recorder();
    c.subscribe('j', inHole, { since: 3, epoch: 'E' }, 0);
    expect(inHole.frames.slice(1).map((f) => f.type === 'gap' ? [f.from, f.to] : f.seq)).toEqual([[4, 4], 5, 6]);
    // A fresh page gets the latest, as always.
    const fresh = new Recorder();
    c.subscribe('j', fresh, { since: undefined, epoch: undefined }, 0);
    expect(fresh.types).toEqual(['hello', 'status']);
  });

  it('resumes a client that comes from an instance ahead of this one without sending what it has again', () => {
    const adapter = new SharedNumbering();
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

  describe('a client resuming in an epoch it has no history of', () => {
    it('gets a reset gap and the instance’s own epoch, with an adapter that shares numbering too', () => {
      for (const adapter of [new InMemoryAdapter(), new SharedNumbering()]) {
        const c = core(adapter);
        const behind = new Recorder();
        c.subscribe('t', behind, { since: 3, epoch: 'THEIRS' }, 0);
        expect(behind.frames).toEqual([
          expect.objectContaining({ type: 'hello', seq: 0 }),
          { type: 'gap', from: 1, to: 0, reason: 'reset' },
        ]);
        expect(behind.frames[0]!.epoch).not.toBe('THEIRS');
      }
    });

    it('never sets the session’s epoch or numbering: only its own view can be wrong', () => {
      const published: NumberedStatus[] = [];
      const adapter = new SharedNumbering(['MINE'], published);
      const c = core(adapter);
      const forger = new Recorder();
      c.subscribe('t', forger, { since: 1_000_000, epoch: 'zzzzzzzzzzzz' }, 0);
      c.publish('t', { message: 'local' }, 0, 0);
      expect(published.map((s) => [s.epoch, s.seq])).toEqual([['MINE', 1]]);
      const honest = new Recorder();
      c.subscribe('t', honest, { since: undefined, epoch: undefined }, 0);
      expect(honest.frames).toEqual([expect.objectContaining({ type: 'hello', epoch: 'MINE', seq: 1 }), expect.objectContaining({ seq: 1, data: 'local' })]);
    });

    it('numbers later local statuses in an epoch of its own, so nothing old comes back as new where the client came from', () => {
      const published: NumberedStatus[] = [];
      const adapter = new SharedNumbering(['NEWER'], published);
      const c = core(adapter);
      const behind = new Recorder();
      c.subscribe('t', behind, { since: 3, epoch: 'FIRST' }, 0);
      c.publish('t', { message: 'here' }, 0, 0);
      // The first instance holds FIRST up to 11: a status numbered FIRST 4 here would collide with its 4.
      expect(published.map((s) => [s.epoch, s.seq])).toEqual([['NEWER', 1]]);
      expect(behind.frames.at(-1)).toMatchObject({ data: 'here', seq: 1 });
    });

    it('is taken up when the adapter vouches the epoch is still on its way, and skips what it has', () => {
      const adapter = new Vouching(['THEIRS']);
      const c = core(adapter);
      const s = new Recorder();
      c.subscribe('t', s, { since: 3, epoch: 'THEIRS' }, 0);
      expect(s.frames).toEqual([expect.objectContaining({ type: 'hello', epoch: 'THEIRS', seq: 3 })]);
      expect(s.ids).toEqual([undefined]);
      for (const seq of [1, 2, 3, 4]) adapter.deliver(remote('t', 'THEIRS', seq, `r${seq}`));
      c.publish('t', { message: 'local' }, 0, 0);
      expect(s.frames.slice(1).map((f) => [f.seq, f.data])).toEqual([
        [4, 'r4'],
        [5, 'local'],
      ]);
    });

    it('tells a vouched client of a hole before the first status it gets', () => {
      const adapter = new Vouching(['THEIRS']);
      const c = core(adapter);
      const s = new Recorder();
      c.subscribe('t', s, { since: 3, epoch: 'THEIRS' }, 0);
      adapter.deliver(remote('t', 'THEIRS', 6, 'six'));
      expect(s.frames.slice(1)).toEqual([{ type: 'gap', from: 4, to: 5, reason: 'expired' }, expect.objectContaining({ seq: 6, data: 'six' })]);
    });

    it('greets a vouched client again when the statuses come in another epoch', () => {
      const adapter = new Vouching(['FORGED']);
      const c = core(adapter);
      const s = new Recorder();
      const other = new Recorder();
      c.subscribe('t', s, { since: 9, epoch: 'FORGED' }, 0);
      c.subscribe('t', other, { since: undefined, epoch: undefined }, 0);
      adapter.deliver(remote('t', 'REAL', 2, 'two'));
      expect(s.frames.slice(1)).toEqual([
        expect.objectContaining({ type: 'hello', epoch: 'REAL', seq: 1 }),
        { type: 'gap', from: 1, to: 1, reason: 'reset' },
        expect.objectContaining({ seq: 2, data: 'two' }),
      ]);
      expect(other.frames.slice(1)).toEqual(s.frames.slice(1));
    });

    it('answers a reset when the adapter throws, and logs it', () => {
      const errors: unknown[] = [];
      const adapter = new Vouching([]);
      adapter.stillComing = () => {
        throw new Error('boom');
      };
      const c = new SessionCore({
        historySize: 5,
        historyTtlMs: 60_000,
        adapter,
        logger: () => ({ ...silentLogger, error: (...args: unknown[]) => void errors.push(args) }),
        onStatus: Object.assign(() => {}, { wanted: () => false }),
      });
      const s = new Recorder();
      c.subscribe('t', s, { since: 3, epoch: 'THEIRS' }, 0);
      expect(s.types).toEqual(['hello', 'gap']);
      expect(errors).toHaveLength(1);
    });
  });
});
