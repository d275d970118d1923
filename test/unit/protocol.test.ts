import { parseServerFrame } from '../../src/protocol.js';
import { normalizeStatus } from '../../src/status.js';

describe('parseServerFrame', () => {
  it('parses every frame type and keeps only known fields', () => {
    expect(parseServerFrame('{"type":"status","data":"hi","seq":3,"ts":"t","level":"warning","progress":50,"evil":1}')).toEqual({
      type: 'status',
      data: 'hi',
      seq: 3,
      ts: 't',
      level: 'warning',
      progress: 50,
    });
    expect(parseServerFrame('{"type":"hello","v":1,"epoch":"e","seq":0}')).toEqual({ type: 'hello', v: 1, epoch: 'e', seq: 0 });
    expect(parseServerFrame('{"type":"gap","from":2,"to":5,"reason":"expired"}')).toEqual({ type: 'gap', from: 2, to: 5, reason: 'expired' });
    expect(parseServerFrame('{"type":"agent_message","message":"m"}')).toEqual({ type: 'agent_message', message: 'm' });
    expect(parseServerFrame('{"type":"agent_turn_complete","turn_complete":true}')?.type).toBe('agent_turn_complete');
  });

  it('accepts the seed frame without seq/ts', () => {
    expect(parseServerFrame('{"type":"status","data":"seed"}')).toEqual({ type: 'status', data: 'seed', seq: 0, ts: '' });
  });

  it('returns undefined for malformed input and never throws', () => {
    for (const input of ['', 'not json', '[]', 'null', '{"type":"status"}', '{"type":"status","data":5}', '{"type":"nope"}',
      '{"type":"status","data":"x","seq":-1,"ts":"t"}', '{"type":"gap","from":1,"to":2,"reason":"why"}', 42, null, undefined]) {
      expect(parseServerFrame(input)).toBeUndefined();
    }
  });

  it('drops invalid optional fields instead of passing them on', () => {
    const frame = parseServerFrame('{"type":"status","data":"x","seq":1,"ts":"t","level":"<b>","progress":900}');
    expect(frame).toEqual({ type: 'status', data: 'x', seq: 1, ts: 't' });
  });

  it('cannot be used for prototype pollution', () => {
    const frame = parseServerFrame('{"type":"status","data":"x","seq":1,"ts":"t","__proto__":{"polluted":true}}');
    expect(frame).toBeDefined();
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(frame)).toBe(Object.prototype);
    expect((frame as unknown as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('the end-of-run state', () => {
  it('is kept on a status frame when it is one of done, failed, aborted, and dropped otherwise', () => {
    expect(parseServerFrame('{"type":"status","data":"Done","seq":4,"ts":"t","state":"done"}')).toEqual({
      type: 'status', data: 'Done', seq: 4, ts: 't', state: 'done',
    });
    expect(parseServerFrame('{"type":"status","data":"x","seq":4,"ts":"t","state":"running"}')).toEqual({
      type: 'status', data: 'x', seq: 4, ts: 't',
    });
  });

  it('is validated by normalizeStatus', () => {
    expect(normalizeStatus({ message: ' Done ', state: 'aborted' })).toEqual({ message: 'Done', state: 'aborted' });
    expect(() => normalizeStatus({ message: 'x', state: 'over' as never })).toThrow(/`state` must be one of done, failed, aborted, got `over`/);
  });
});
