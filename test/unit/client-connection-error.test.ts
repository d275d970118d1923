import { checkSessionIdInUrl, classifyRefusal, connectionErrorHint, InvalidSessionIdError } from '../../src/client/connection-error.js';

describe('classifyRefusal', () => {
  it('finds nothing wrong when the hub would open an event stream', () => {
    expect(classifyRefusal({ status: 200, eventStream: true })).toBeUndefined();
  });

  it('stops for refusals a retry cannot fix: a bad id, not authorised, forbidden, no hub', () => {
    expect(classifyRefusal({ status: 400, eventStream: false })).toEqual({ error: { status: 400, code: 'ERR_INVALID_SESSION_ID' }, final: true });
    expect(classifyRefusal({ status: 401, eventStream: false })).toEqual({ error: { status: 401, code: 'ERR_UNAUTHORIZED' }, final: true });
    expect(classifyRefusal({ status: 403, eventStream: false })).toEqual({ error: { status: 403, code: 'ERR_FORBIDDEN' }, final: true });
    expect(classifyRefusal({ status: 404, eventStream: false })).toEqual({ error: { status: 404, code: 'ERR_HUB_NOT_FOUND' }, final: true });
  });

  it('takes an answer that is not an event stream (an app page, a redirect target) as no hub there', () => {
    expect(classifyRefusal({ status: 200, eventStream: false })).toEqual({ error: { status: 200, code: 'ERR_HUB_NOT_FOUND' }, final: true });
  });

  it('keeps retrying after refusals that pass: 429, 503 and other server errors', () => {
    expect(classifyRefusal({ status: 429, eventStream: false })).toEqual({ error: { status: 429, code: 'ERR_TOO_MANY_CONNECTIONS' }, final: false });
    expect(classifyRefusal({ status: 503, eventStream: false })).toEqual({ error: { status: 503, code: 'ERR_HUB_UNAVAILABLE' }, final: false });
    expect(classifyRefusal({ status: 500, eventStream: false })).toEqual({ error: { status: 500, code: 'ERR_CONNECTION_REFUSED' }, final: false });
  });
});

describe('connectionErrorHint', () => {
  it('names the URL, the status and the fix', () => {
    expect(connectionErrorHint({ status: 404, code: 'ERR_HUB_NOT_FOUND' }, 'ws://h/wrong/abc')).toMatch(/^No StatusHub answers at ws:\/\/h\/wrong\/abc \(HTTP 404\): check .*path/);
    expect(connectionErrorHint({ status: 403, code: 'ERR_FORBIDDEN' }, 'ws://h/ws/a')).toContain('`allowedOrigins`');
    expect(connectionErrorHint({ status: 401, code: 'ERR_UNAUTHORIZED' }, 'ws://h/ws/a')).toContain('`authorize`');
    expect(connectionErrorHint({ status: 400, code: 'ERR_INVALID_SESSION_ID' }, 'ws://h/ws/a b')).toContain('encodeURIComponent(sessionId)');
  });
});

describe('checkSessionIdInUrl', () => {
  it.each(['/ws/undefined', '/ws/null', '/ws/', 'ws://h/ws/undefined?token=t', 'https://h/ws/%6Eull'])('refuses %s before connecting', (url) => {
    let thrown: unknown;
    try {
      checkSessionIdInUrl('connectStatusUpdates(url)', url);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(InvalidSessionIdError);
    expect(thrown).toBeInstanceOf(TypeError);
    expect((thrown as InvalidSessionIdError).code).toBe('ERR_INVALID_SESSION_ID');
    expect((thrown as Error).message).toMatch(/^connectStatusUpdates\(url\): the URL `.*` has (the session id `(undefined|null)`|no session id): the id was not set/);
  });

  it.each(['/ws/abc', 'ws://h/ws/alice@example.com', '/ws/tenant:42:chat?since=1', '/ws/undefined-user', '/ws/%E0%A4%A'])('lets %s through', (url) => {
    expect(() => checkSessionIdInUrl('x', url)).not.toThrow();
  });
});
