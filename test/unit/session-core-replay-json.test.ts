/**
 * The history keeps a local status as its parts and rebuilds its frame on replay. A replayed
 * frame must be byte for byte the live one plus `"replay":true`, whatever the text and details.
 */
import fc from 'fast-check';
import { InMemoryAdapter } from '../../src/hub/adapters/in-memory-adapter.js';
import type { OutboundFrame } from '../../src/hub/outbound-frame.js';
import { SessionCore } from '../../src/hub/session-core.js';
import type { Subscriber } from '../../src/hub/session-core.js';
import { silentLogger } from '../../src/logger.js';
import type { StatusUpdate } from '../../src/protocol.js';

class Raw implements Subscriber {
  readonly coalesced = 0;
  readonly json: string[] = [];
  readonly ids: (string | undefined)[] = [];
  write(frame: OutboundFrame): 'sent' {
    this.json.push(frame.json);
    this.ids.push(frame.eventId);
    return 'sent';
  }
}

describe('SessionCore replay JSON', () => {
  it('replays exactly the frames it sent live, with the same event ids', () => {
    const update = fc.record(
      {
        message: fc.string({ minLength: 1, unit: 'binary' }),
        level: fc.constantFrom('info', 'success', 'warning', 'error'),
        progress: fc.integer({ min: 0, max: 100 }),
        tool: fc.string({ unit: 'binary' }),
        state: fc.constantFrom('done', 'failed', 'aborted'),
      },
      { requiredKeys: ['message'] },
    );
    fc.assert(
      fc.property(fc.array(update, { minLength: 1, maxLength: 8 }), fc.integer({ min: 0, max: 2 ** 40 }), (updates, at) => {
        const core = new SessionCore({
          historySize: 10,
          historyTtlMs: 60_000,
          adapter: new InMemoryAdapter(),
          logger: () => silentLogger,
          onStatus: Object.assign(() => {}, { wanted: () => false }),
        });
        const live = new Raw();
        core.subscribe('s', live, { since: undefined, epoch: undefined }, 0);
        updates.forEach((u, i) => core.publish('s', u as StatusUpdate, at + i, at + i));
        const epoch = (JSON.parse(live.json[0]!) as { epoch: string }).epoch;
        const late = new Raw();
        core.subscribe('s', late, { since: 0, epoch }, at);
        const sent = live.json.slice(1);
        expect(late.json.slice(1)).toEqual(sent.map((json) => `${json.slice(0, -1)},"replay":true}`));
        expect(late.ids.slice(1)).toEqual(live.ids.slice(1));
        for (const json of sent) expect(() => JSON.parse(json) as unknown).not.toThrow();
      }),
      { numRuns: 200 },
    );
  });
});
