import fc from 'fast-check';
import { parseFrame } from '../../src/client/parse-frame.js';
import { parseServerFrame } from '../../src/protocol.js';

// The client keeps its own small parser (the bundle must not carry the whole contract);
// these tests hold it to the contract's parser for every frame the client acts on.
const clientKinds = new Set(['status', 'hello', 'gap']);
const contract = (input: unknown) => {
  const frame = parseServerFrame(input);
  return frame && clientKinds.has(frame.type) ? frame : undefined;
};

describe('parseFrame (client)', () => {
  it('parses status, hello and gap frames with their known fields only', () => {
    expect(parseFrame('{"type":"status","data":"<b>hi</b>","seq":3,"ts":"t","level":"warning","progress":50,"agent":"a","tool":"t","state":"failed","replay":true,"evil":1}'))
      .toStrictEqual({ type: 'status', data: '<b>hi</b>', seq: 3, ts: 't', level: 'warning', progress: 50, agent: 'a', tool: 't', state: 'failed', replay: true });
    expect(parseFrame('{"type":"hello","v":1,"epoch":"e1","seq":7}')).toStrictEqual({ type: 'hello', v: 1, epoch: 'e1', seq: 7 });
    expect(parseFrame('{"type":"gap","from":2,"to":5,"reason":"expired"}')).toStrictEqual({ type: 'gap', from: 2, to: 5, reason: 'expired' });
  });

  it('shows a seed-era status (no seq, no ts) as unnumbered', () => {
    expect(parseFrame('{"type":"status","data":"seed"}')).toStrictEqual({ type: 'status', data: 'seed', seq: 0, ts: '' });
  });

  it('ignores frames it does not render, and malformed ones, without throwing', () => {
    for (const input of ['', 'not json', '{', '[]', 'null', '"status"', '{"type":"status"}', '{"type":"status","data":5,"seq":1,"ts":"t"}',
      '{"type":"status","data":"x","seq":-1,"ts":"t"}', '{"type":"status","data":"x","seq":1.5,"ts":"t"}', '{"type":"status","data":"x","seq":1}',
      '{"type":"hello","v":1,"seq":0}', '{"type":"gap","from":1,"to":2,"reason":"why"}', '{"type":"agent_message","message":"m"}',
      '{"type":"error","message":"m"}', 42, null, undefined, ['status']]) {
      expect(parseFrame(input)).toBeUndefined();
    }
  });

  it('drops invalid optional fields and never lets __proto__ through', () => {
    const frame = parseFrame('{"type":"status","data":"x","seq":1,"ts":"t","level":"fatal","progress":101,"agent":7,"replay":"yes","__proto__":{"polluted":1}}');
    expect(frame).toStrictEqual({ type: 'status', data: 'x', seq: 1, ts: 't' });
    expect(Object.getPrototypeOf(frame)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('agrees with the contract parser on arbitrary JSON (property)', () => {
    const value = fc.oneof(
      fc.constantFrom('info', 'success', 'warning', 'error', 'fatal', 'expired', 'reset', 'done', 'failed', 'aborted', '', 'e'),
      fc.string(),
      fc.integer({ min: -3, max: 1_000 }),
      fc.double(),
      fc.constantFrom(0, 100, 100.5, -0, 2 ** 53, 1e300),
      fc.boolean(),
      fc.constant(null),
      fc.constant([]),
      fc.constant({}),
    );
    const frameLike = fc.record(
      {
        type: fc.constantFrom('status', 'hello', 'gap', 'agent_message', 'error', 'nope'),
        data: value, seq: value, ts: value, level: value, progress: value, agent: value, tool: value, state: value, replay: value,
        v: value, epoch: value, from: value, to: value, reason: value, message: value,
      },
      { requiredKeys: ['type'] },
    );
    fc.assert(
      fc.property(fc.oneof(frameLike, fc.jsonValue()), (input) => {
        const text = JSON.stringify(input);
        expect(parseFrame(text)).toStrictEqual(contract(text));
      }),
      { numRuns: 10_000 },
    );
  });
});
