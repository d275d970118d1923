/**
 * The one path of a status: a run checks it once, cuts it to the smallest limit of its
 * destinations, hands it to each, throttles bursts, and ends with one `state` status. With the
 * binding around it (`withStatusSession`, `currentStatusSession`, `addStatusMessage`,
 * `streamStatusUpdates`) and the routes that find a run without the async context.
 */
import type { Context } from '@google/adk';
import { currentStatusSession } from '../../src/binding/context.js';
import { enclosingToolCall, openToolCall, registerRoute, routeFor, routeForToolCall } from '../../src/binding/routes.js';
import { StatusRun } from '../../src/binding/status-run.js';
import type { StatusDestination, StatusOrigin } from '../../src/destinations/destination.js';
import { HubSession } from '../../src/destinations/hub-session.js';
import { streamStatusUpdates } from '../../src/destinations/status-stream.js';
import { StatusHub } from '../../src/hub/status-hub.js';
import { setDefaultLogger, silentLogger } from '../../src/logger.js';
import type { Logger } from '../../src/logger.js';
import type { StatusFrame, StatusInput, StatusUpdate } from '../../src/protocol.js';
import { withStatusSession } from '../../src/runner/run-with-status.js';
import { addStatusMessage, resetAddStatusMessageWarning } from '../../src/tools/add-status-message.js';

/** A destination that records what it is handed. */
class Recorder implements StatusDestination {
  readonly received: { status: Readonly<StatusUpdate>; origin: StatusOrigin }[] = [];
  closed = 0;
  constructor(
    readonly kind: StatusDestination['kind'] = 'ui',
    readonly options: { maxLength?: number; every?: boolean; reach?: number } = {},
  ) {}
  get maxLength(): number | undefined {
    return this.options.maxLength;
  }
  get every(): boolean | undefined {
    return this.options.every;
  }
  get texts(): string[] {
    return this.received.map((r) => r.status.message);
  }
  deliver(status: Readonly<StatusUpdate>, origin: StatusOrigin): number {
    this.received.push({ status, origin });
    return this.options.reach ?? 1;
  }
  close(): void {
    this.closed += 1;
  }
}

class RecordingSink {
  sent: [string, StatusInput][] = [];
  send(sessionId: string, status: StatusInput): number {
    this.sent.push([sessionId, status]);
    return 1;
  }
}

const until = (condition: () => boolean, timeoutMs = 5000): Promise<void> =>
  new Promise((resolve, reject) => {
    const started = Date.now();
    const check = (): void => {
      if (condition()) return resolve();
      if (Date.now() - started > timeoutMs) return reject(new Error('condition not met'));
      setTimeout(check, 5);
    };
    check();
  });

function recordingLogger(): Logger & { warnings: string[] } {
  const warnings: string[] = [];
  return { ...silentLogger, warnings, warn: (message: string) => void warnings.push(String(message)) };
}

describe('StatusRun', () => {
  afterEach(() => setDefaultLogger(silentLogger));

  describe('#send', () => {
    it('checks a status once and hands the same object to every destination', () => {
      const a = new Recorder('hub');
      const b = new Recorder('ui');
      const run = new StatusRun({ sessionId: 's', destinations: [a, b] });
      const delivery = run.send({ message: '  Searching…  ', level: 'info', progress: 20 });
      expect(a.received[0]!.status).toBe(b.received[0]!.status);
      expect(a.received[0]!.status).toEqual({ message: 'Searching…', level: 'info', progress: 20 });
      expect(delivery).toEqual({ viewers: 2, delivered: true, viewable: true, eventStream: false });
    });

    it('throws for a bad status before any destination sees it', () => {
      const a = new Recorder();
      const run = new StatusRun({ sessionId: 's', destinations: [a] });
      expect(() => run.send('   ')).toThrow(expect.objectContaining({ code: 'ERR_INVALID_STATUS' }));
      expect(() => run.send({ message: 'x', level: 'loud' as never })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_STATUS' }));
      expect(() => run.send({ message: 'x', progress: 101 })).toThrow(/progress/);
      expect(a.received).toHaveLength(0);
    });

    it('cuts the text with … to the smallest limit of its destinations, and says so', () => {
      const a = new Recorder('hub', { maxLength: 12 });
      const b = new Recorder('ui', { maxLength: 40 });
      const run = new StatusRun({ sessionId: 's', destinations: [a, b] });
      const delivery = run.send('Searching the whole web for reviews');
      expect(a.texts).toEqual(['Searching t…']);
      expect(b.texts).toEqual(['Searching t…']);
      expect(delivery.truncated).toBe(true);
      expect(new StatusRun({ sessionId: 's', destinations: [new Recorder()] }).send('x'.repeat(600)).truncated).toBe(true);
    });

    it('reports the event stream apart from viewers, and skips it with eventStream: false', () => {
      const events = new Recorder('adk-events', { every: true });
      const listeners = new Recorder('listeners', { reach: 0 });
      const run = new StatusRun({ sessionId: 's', destinations: [events, listeners] });
      expect(run.send('one')).toEqual({ viewers: 0, delivered: false, viewable: false, eventStream: true });
      expect(run.send('two', { eventStream: false })).toEqual({ viewers: 0, delivered: false, viewable: false, eventStream: false });
      expect(events.texts).toEqual(['one']);
      expect(listeners.texts).toEqual(['one', 'two']);
    });

    it('keeps going when a destination throws: the others get the status, the warning comes once', () => {
      const logger = recordingLogger();
      setDefaultLogger(logger);
      const broken: StatusDestination = {
        kind: 'hub',
        deliver: () => {
          throw new Error('down');
        },
      };
      const after = new Recorder();
      const run = new StatusRun({ sessionId: 's', destinations: [broken, after] });
      expect(run.send('one').viewers).toBe(1);
      run.send('two');
      expect(after.texts).toEqual(['one', 'two']);
      expect(logger.warnings).toHaveLength(1);
    });
  });

  describe('throttled sends', () => {
    it('sends the first at once, then only the newest per interval; every-destinations get each at once', async () => {
      const hub = new Recorder('hub');
      const events = new Recorder('adk-events', { every: true });
      const run = new StatusRun({ sessionId: 's', destinations: [hub, events] });
      for (const text of ['a', 'b', 'c']) run.send(text, { throttleMs: 40 });
      expect(hub.texts).toEqual(['a']);
      expect(events.texts).toEqual(['a', 'b', 'c']);
      await until(() => hub.texts.length === 2);
      expect(hub.texts).toEqual(['a', 'c']);
    });

    it('sends what it holds before any status sent without a throttle, so nothing made earlier lands later', () => {
      const hub = new Recorder('hub');
      const run = new StatusRun({ sessionId: 's', destinations: [hub] });
      run.send('start a', { throttleMs: 10_000 });
      run.send('start b', { throttleMs: 10_000 });
      run.send('the tool says: step 2');
      expect(hub.texts).toEqual(['start a', 'start b', 'the tool says: step 2']);
    });

    it('drops what it holds when the run is aborted: nothing made before the abort shows after it', () => {
      const hub = new Recorder('hub');
      const controller = new AbortController();
      const run = new StatusRun({ sessionId: 's', destinations: [hub], signal: controller.signal });
      run.send('page 1', { throttleMs: 10_000 });
      run.send('page 2', { throttleMs: 10_000 });
      controller.abort();
      run.flush();
      run.end('aborted');
      expect(hub.received.map((r) => r.status.message)).toEqual(['page 1', 'Stopped']);
    });

    it('never holds an error-level status', () => {
      const hub = new Recorder('hub');
      const run = new StatusRun({ sessionId: 's', destinations: [hub] });
      run.send('a', { throttleMs: 10_000 });
      run.send('b', { throttleMs: 10_000 });
      run.send({ message: 'failed!', level: 'error' }, { throttleMs: 10_000 });
      expect(hub.texts).toEqual(['a', 'b', 'failed!']);
    });
  });

  describe('#end', () => {
    it('sends `failed` always, `done` and `aborted` only after a run that showed a status', () => {
      const quiet = new Recorder();
      new StatusRun({ sessionId: 's', destinations: [quiet] }).end('done');
      new StatusRun({ sessionId: 's', destinations: [quiet] }).end('aborted');
      expect(quiet.received).toHaveLength(0);
      new StatusRun({ sessionId: 's', destinations: [quiet] }).end('failed');
      expect(quiet.received.map((r) => r.status)).toEqual([
        { message: 'Something went wrong. Please try again.', level: 'error', state: 'failed' },
      ]);
      const busy = new Recorder();
      const run = new StatusRun({ sessionId: 's', destinations: [busy] });
      run.send('Working');
      run.end('done');
      expect(busy.received.map((r) => r.status)).toEqual([{ message: 'Working' }, { message: 'Done', level: 'success', state: 'done' }]);
    });

    it('uses the run-end texts it was given, sends what a throttle held first, closes its destinations once', () => {
      const hub = new Recorder('hub');
      const run = new StatusRun({ sessionId: 's', destinations: [hub], runEndMessages: { done: 'Fertig', aborted: 'Abgebrochen' } });
      run.send('eins', { throttleMs: 10_000 });
      run.send('zwei', { throttleMs: 10_000 });
      run.end('done');
      run.end('failed');
      expect(hub.received.map((r) => r.status)).toEqual([
        { message: 'eins' },
        { message: 'zwei' },
        { message: 'Fertig', level: 'success', state: 'done' },
      ]);
      expect(hub.closed).toBe(1);
      expect(run.ended).toBe('done');
    });

    it('takes no status after its end, and still throws for a bad one', () => {
      const hub = new Recorder('hub');
      const run = new StatusRun({ sessionId: 's', destinations: [hub] });
      run.end('aborted');
      expect(run.send('late')).toMatchObject({ viewers: 0, delivered: false });
      expect(() => run.send('')).toThrow(expect.objectContaining({ code: 'ERR_INVALID_STATUS' }));
      expect(hub.received).toHaveLength(0);
    });
  });
});

describe('HubSession', () => {
  it('takes the hub’s own limit (never read back from a refusal), and the hub numbers each status', async () => {
    const hub = new StatusHub({ maxStatusLength: 12 });
    const frames: StatusFrame[] = [];
    hub.on('status', (_sessionId, frame) => frames.push(frame));
    const destination = new HubSession(hub, 'limit-1');
    expect(destination.maxLength).toBe(12);
    const run = new StatusRun({ sessionId: 'limit-1', destinations: [destination] });
    expect(run.send('  Searching the whole web  ').truncated).toBe(true);
    run.send({ message: 'Step', level: 'success', progress: 40, tool: 'search' });
    expect(frames.map((f) => [f.data, f.seq])).toEqual([
      ['Searching t…', 1],
      ['Step', 2],
    ]);
    expect(frames[1]).toMatchObject({ level: 'success', progress: 40, tool: 'search' });
    expect(() => hub.send('limit-1', 'much too long')).toThrow(expect.objectContaining({ code: 'ERR_STATUS_TOO_LONG' }));
    await hub.close();
  });
});

describe('withStatusSession / currentStatusSession', () => {
  it('binds across awaits and keeps concurrent bindings apart', async () => {
    const sink = new RecordingSink();
    const work = (id: string) =>
      withStatusSession({ hub: sink, sessionId: id }, async () => {
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 10)); // jitter: the 50 bindings resume in random order
        expect(currentStatusSession()?.sessionId).toBe(id);
        addStatusMessage(`from ${id}`);
      });
    await Promise.all(Array.from({ length: 50 }, (_, i) => work(`s${i}`)));
    expect(sink.sent).toHaveLength(50);
    for (const [sessionId, status] of sink.sent) expect(status).toEqual({ message: `from ${sessionId}` });
    expect(currentStatusSession()).toBeUndefined();
  });

  it('rejects a bad session id, a hub without send() and unknown options', () => {
    expect(() => withStatusSession({ sessionId: 'no spaces' }, () => 0)).toThrow(/sessionId/);
    expect(() => withStatusSession({ sessionId: 'ok', hub: {} as never }, () => 0)).toThrow(/hub/);
    expect(() => withStatusSession({ sessionId: 'ok', hubb: {} } as never, () => 0)).toThrow(/unknown option `hubb`/);
  });
});

describe('addStatusMessage', () => {
  afterEach(() => setDefaultLogger(silentLogger));

  it('returns false and warns once outside a binding', () => {
    const logger = recordingLogger();
    setDefaultLogger(logger);
    resetAddStatusMessageWarning();
    expect(addStatusMessage('lost')).toBe(false);
    expect(addStatusMessage('lost again')).toBe(false);
    expect(logger.warnings).toHaveLength(1);
    expect(logger.warnings[0]).toContain('withStatusSession');
  });

  it('rejects an empty or bad status the same way inside and outside a binding', () => {
    resetAddStatusMessageWarning();
    for (const bad of ['', '   ', { message: 'x', level: 'loud' }] as StatusInput[]) {
      expect(() => withStatusSession({ sessionId: 's' }, () => addStatusMessage(bad))).toThrow(
        expect.objectContaining({ code: 'ERR_INVALID_STATUS' }),
      );
      expect(() => addStatusMessage(bad)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_STATUS' }));
    }
  });
});

describe('streamStatusUpdates', () => {
  it('yields { sessionId, message } for every status added through a binding', async () => {
    const stream = streamStatusUpdates();
    const delivered = withStatusSession({ sessionId: 'seed' }, () => {
      const first = addStatusMessage('one');
      addStatusMessage({ message: 'two', progress: 50 });
      return first;
    });
    expect(delivered).toBe(true);
    const first = await stream.next();
    const second = await stream.next();
    expect(first.value).toEqual({ sessionId: 'seed', message: 'one' });
    expect(second.value).toEqual({ sessionId: 'seed', message: 'two', progress: 50 });
    await stream.return!();
    expect((await stream.next()).done).toBe(true);
  });

  it('bounds what a slow consumer holds and counts what it dropped', async () => {
    const stream = streamStatusUpdates({ bufferSize: 3 });
    withStatusSession({ sessionId: 's' }, () => {
      for (let i = 0; i < 10; i += 1) addStatusMessage(`m${i}`);
    });
    expect(stream.droppedCount()).toBe(7);
    const items: string[] = [];
    for (let i = 0; i < 3; i += 1) items.push((await stream.next()).value.message);
    expect(items).toEqual(['m7', 'm8', 'm9']);
    await stream.return!();
  });

  it('serves several pending next() calls in order', async () => {
    const stream = streamStatusUpdates();
    const first = stream.next();
    const second = stream.next();
    withStatusSession({ sessionId: 's' }, () => {
      addStatusMessage('one');
      addStatusMessage('two');
    });
    expect((await first).value.message).toBe('one');
    expect((await second).value.message).toBe('two');
    const third = stream.next();
    await stream.return!();
    expect((await third).done).toBe(true);
  });

  it('ends when its signal aborts, also while waiting', async () => {
    const controller = new AbortController();
    const stream = streamStatusUpdates({ signal: controller.signal });
    const pending = stream.next();
    controller.abort();
    expect((await pending).done).toBe(true);
  });

  it('rejects unknown and bad options, naming the close one', () => {
    expect(() => streamStatusUpdates({ bufferSise: 5 } as never)).toThrow(/unknown option `bufferSise` \(did you mean `bufferSize`\?\)/);
    expect(() => streamStatusUpdates({ bufferSize: 0 })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_OPTION' }));
  });
});

describe('routes', () => {
  const run = (sessionId: string) => new StatusRun({ sessionId, destinations: [] });
  const toolCall = (ids: { appName: string; userId: string; sessionId: string; invocationId: string }) =>
    ({ userId: ids.userId, sessionId: ids.sessionId, invocationId: ids.invocationId, invocationContext: { appName: ids.appName } }) as unknown as Context;

  it('keeps two users with the same ADK session id apart', () => {
    const first = run('browser-1');
    const second = run('browser-2');
    const undoFirst = registerRoute({ appName: 'app', userId: 'user-1', sessionId: 'default' }, first);
    const undoSecond = registerRoute({ appName: 'app', userId: 'user-2', sessionId: 'default' }, second);
    expect(routeFor({ appName: 'app', userId: 'user-1', sessionId: 'default' })).toBe(first);
    expect(routeFor({ appName: 'app', userId: 'user-2', sessionId: 'default' })).toBe(second);
    expect(routeFor({ sessionId: 'default' })).toBeUndefined();
    undoSecond();
    undoFirst();
    undoFirst();
    expect(routeFor({ appName: 'app', userId: 'user-1', sessionId: 'default' })).toBeUndefined();
  });

  it('keeps two apps apart whose clients picked the same user and session ids', () => {
    const a = run('a');
    const b = run('b');
    const undo = [
      registerRoute({ appName: 'billing', userId: 'u', sessionId: 's' }, a),
      registerRoute({ appName: 'support', userId: 'u', sessionId: 's' }, b),
    ];
    expect(routeForToolCall(toolCall({ appName: 'billing', userId: 'u', sessionId: 's', invocationId: 'e-1' }))).toBe(a);
    expect(routeForToolCall(toolCall({ appName: 'support', userId: 'u', sessionId: 's', invocationId: 'e-2' }))).toBe(b);
    for (const remove of undo) remove();
  });

  it('finds a run by its invocation first', () => {
    const bySession = run('by-session');
    const byInvocation = run('by-invocation');
    const undo = [
      registerRoute({ appName: 'app', userId: 'u', sessionId: 'inv' }, bySession),
      registerRoute({ appName: 'app', userId: 'u', sessionId: 'other', invocationId: 'e-7' }, byInvocation),
    ];
    expect(routeForToolCall(toolCall({ appName: 'app', userId: 'u', sessionId: 'inv', invocationId: 'e-7' }))).toBe(byInvocation);
    for (const remove of undo) remove();
  });

  it('takes a sub-run’s tool call to the run of the open AgentTool call that runs its agent', () => {
    const parentRun = run('parent');
    const undoRoute = registerRoute({ appName: 'app', userId: 'u', sessionId: 'nested', invocationId: 'e-parent' }, parentRun);
    const parent = toolCall({ appName: 'app', userId: 'u', sessionId: 'nested', invocationId: 'e-parent' });
    const unrelated = toolCall({ appName: 'app', userId: 'u', sessionId: 'nested', invocationId: 'e-parent' });
    const closeUnrelated = openToolCall(unrelated, 'lookup');
    const closeParent = openToolCall(parent, 'researcher');
    const child = toolCall({ appName: 'researcher', userId: 'u', sessionId: 'nested', invocationId: 'e-child' });
    expect(enclosingToolCall(child)).toBe(parent);
    expect(routeForToolCall(child)).toBe(parentRun);
    closeParent();
    expect(routeForToolCall(child)).toBeUndefined();
    closeUnrelated();
    undoRoute();
  });
});
