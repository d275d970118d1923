import { checkOptions, InvalidOptionError } from '../../src/client/check-options.js';
import { connectStatusUpdates } from '../../src/client/connect-status-updates.js';

describe('the client options check', () => {
  it('rejects an unknown key naming it and the closest known one', () => {
    const call = () => connectStatusUpdates('ws://127.0.0.1:1/ws/a', { reconectDelayMs: 10 } as never);
    expect(call).toThrow(InvalidOptionError);
    expect(call).toThrow('connectStatusUpdates(url, options): unknown option `reconectDelayMs` (did you mean `reconnectDelayMs`?)');
    try {
      call();
    } catch (error) {
      expect((error as InvalidOptionError).code).toBe('ERR_INVALID_OPTION');
      expect(error).toBeInstanceOf(TypeError);
    }
  });

  it('rejects a bad transport and lists the known options for a key far from all of them', () => {
    expect(() => connectStatusUpdates('ws://127.0.0.1:1/ws/a', { transport: 'polling' as never })).toThrow(
      /`transport` to be one of auto, websocket, sse, got `polling`/,
    );
    expect(() => checkOptions('f(options)', { zzzzzzzz: 1 }, ['alpha', 'beta'])).toThrow(
      /^f\(options\): unknown option `zzzzzzzz`\. Known options: alpha, beta\.$/,
    );
    expect(() => checkOptions('f(options)', 'x', ['a'])).toThrow(/expected the options to be an object/);
    expect(() => checkOptions('f(options)', { a: 1, b: undefined }, ['a'])).not.toThrow();
  });
});
