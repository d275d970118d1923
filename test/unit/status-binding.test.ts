import { addStatusMessage, resetAddStatusMessageWarning } from '../../src/context/add-status-message.js';
import { currentStatusSession } from '../../src/context/status-context.js';
import { streamStatusUpdates } from '../../src/context/status-stream.js';
import { withStatusSession } from '../../src/context/with-status-session.js';
import { setDefaultLogger, silentLogger } from '../../src/logger.js';
import type { StatusInput } from '../../src/protocol.js';

class RecordingSink {
  sent: [string, StatusInput][] = [];
  send(sessionId: string, status: StatusInput): number {
    this.sent.push([sessionId, status]);
    return 1;
  }
}

describe('withStatusSession / currentStatusSession', () => {
  it('binds across awaits and keeps concurrent bindings apart', async () => {
    const sink = new RecordingSink();
    const work = (id: string) =>
      withStatusSession({ hub: sink, sessionId: id }, async () => {
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 10));
        expect(currentStatusSession()?.sessionId).toBe(id);
        addStatusMessage(`from ${id}`);
      });
    await Promise.all(Array.from({ length: 50 }, (_, i) => work(`s${i}`)));
    expect(sink.sent).toHaveLength(50);
    for (const [sessionId, status] of sink.sent) expect(status).toEqual({ message: `from ${sessionId}` });
    expect(currentStatusSession()).toBeUndefined();
  });

  it('rejects a bad session id and a hub without send()', () => {
    expect(() => withStatusSession({ sessionId: 'no spaces' }, () => 0)).toThrow(/sessionId/);
    expect(() => withStatusSession({ sessionId: 'ok', hub: {} as never }, () => 0)).toThrow(/hub/);
  });
});

describe('addStatusMessage', () => {
  afterEach(() => setDefaultLogger(silentLogger));

  it('returns false and warns once outside a binding', () => {
    const warnings: string[] = [];
    setDefaultLogger({ ...silentLogger, warn: (message: string) => warnings.push(message) });
    resetAddStatusMessageWarning();
    expect(addStatusMessage('lost')).toBe(false);
    expect(addStatusMessage('lost again')).toBe(false);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('withStatusSession');
  });

  it('throws on a bad status even without a hub', () => {
    expect(() => withStatusSession({ sessionId: 's' }, () => addStatusMessage(''))).toThrow(/empty/);
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
});
