/**
 * A status session cuts a status to the hub's own limit (read from `hub.maxStatusLength`, never
 * from a refusal) before it hands it to `hub.send`, numbers nothing itself, and the run-end
 * watcher sees what went through it.
 */
import { createStatusSession } from '../../src/context/status-session.js';
import { StatusHub } from '../../src/hub/status-hub.js';
import { watchStatuses } from '../../src/runner/run-end-status.js';
import type { StatusFrame } from '../../src/protocol.js';

function recordingHub(options: ConstructorParameters<typeof StatusHub>[0] = {}): { hub: StatusHub; frames: StatusFrame[] } {
  const hub = new StatusHub(options);
  const frames: StatusFrame[] = [];
  hub.on('status', (_sessionId, frame) => frames.push(frame));
  return { hub, frames };
}

describe('status session → StatusHub', () => {
  it('cuts a text longer than the hub limit, numbers every status and keeps details', async () => {
    const { hub, frames } = recordingHub({ maxStatusLength: 12 });
    const session = createStatusSession({ sessionId: 'fast-1', hub });
    const long = session.send('  Searching the whole web  ');
    expect(long.truncated).toBe(true);
    session.send({ message: 'Step', level: 'success', progress: 40, tool: 'search' });
    expect(frames.map((f) => [f.data, f.seq])).toEqual([
      ['Searching t…', 1],
      ['Step', 2],
    ]);
    expect(frames[1]).toMatchObject({ level: 'success', progress: 40, tool: 'search' });
    await hub.close();
  });

  it('hub.send itself refuses a text over the limit, and says the limit', async () => {
    const { hub } = recordingHub({ maxStatusLength: 5 });
    expect(hub.maxStatusLength).toBe(5);
    expect(() => hub.send('fast-2', 'too long')).toThrow(expect.objectContaining({ code: 'ERR_STATUS_TOO_LONG' }));
    await hub.close();
  });

  it('still validates what a producer hands in before the fast path', async () => {
    const { hub, frames } = recordingHub();
    const session = createStatusSession({ sessionId: 'fast-3', hub });
    expect(() => session.send({ message: 'x', level: 'loud' as never })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_STATUS' }));
    expect(() => session.send('   ')).toThrow(expect.objectContaining({ code: 'ERR_INVALID_STATUS' }));
    expect(frames).toHaveLength(0);
    await hub.close();
  });

  it('the run-end watcher keeps the hub limit and sees a status went through', async () => {
    const { hub, frames } = recordingHub();
    const watched = watchStatuses(hub) as ReturnType<typeof watchStatuses> & { shown: boolean };
    expect(watched.maxStatusLength).toBe(500);
    expect(watched.shown).toBe(false);
    createStatusSession({ sessionId: 'fast-4', hub: watched }).send('Working');
    expect(watched.shown).toBe(true);
    expect(frames.map((f) => f.data)).toEqual(['Working']);
    await hub.close();
  });
});
