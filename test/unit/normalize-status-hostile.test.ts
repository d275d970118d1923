import { StatusMessengerError } from '../../src/errors.js';
import { normalizeStatus } from '../../src/status.js';

describe('normalizeStatus with hostile field values', () => {
  it.each([['level'], ['progress'], ['state']])('refuses a %s whose toString is not a function with ERR_INVALID_STATUS', (field) => {
    const hostile = { message: 'hi', [field]: { toString: 0 } };
    let error: unknown;
    try {
      normalizeStatus(hostile as never, 500);
    } catch (e) {
      error = e;
    }
    expect(StatusMessengerError.isInstance(error, 'ERR_INVALID_STATUS')).toBe(true);
    expect((error as Error).message).toContain('an object');
  });
});
