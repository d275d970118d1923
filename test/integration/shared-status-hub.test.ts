import { sharedStatusHub } from '../../src/hub/shared-status-hub.js';

describe('sharedStatusHub', () => {
  it('returns one hub per name, and a fresh one after close', async () => {
    const a = sharedStatusHub({ name: 'shared-test', heartbeatIntervalMs: 0 });
    expect(sharedStatusHub({ name: 'shared-test' })).toBe(a);
    await a.close();
    const b = sharedStatusHub({ name: 'shared-test', heartbeatIntervalMs: 0 });
    expect(b).not.toBe(a);
    await b.close();
  });
});
