import type { IncomingMessage } from 'node:http';
import { isOriginAllowed, matchSessionPath } from '../../src/hub/transports/request-checks.js';

const request = (headers: Record<string, string>) => ({ headers }) as unknown as IncomingMessage;

describe('matchSessionPath', () => {
  it('matches <base>/<id> with an optional query', () => {
    expect(matchSessionPath('/ws/abc_1-2?token=t&since=3', '/ws')).toMatchObject({ kind: 'session', sessionId: 'abc_1-2' });
    const match = matchSessionPath('/ws/abc?since=3', '/ws');
    expect(match.kind === 'session' && match.query.get('since')).toBe('3');
  });

  it('leaves paths that are not one segment below the base to others, and flags a segment that is no session id', () => {
    for (const url of ['/other/abc', '/wsx/abc', '/ws', '/ws/', '/ws?x=1', '/ws/a/b', '/ws/../../etc/passwd', '/ws/a/']) {
      expect([url, matchSessionPath(url, '/ws').kind]).toEqual([url, 'other']);
    }
    for (const url of ['/ws/a%20b', '/ws/..', '/ws/.', '/ws/a%2Fb', '/ws/%E0%A4%A', `/ws/${'x'.repeat(257)}`]) {
      expect([url, matchSessionPath(url, '/ws').kind]).toEqual([url, 'invalid']);
    }
  });

  it('at the root, takes one-segment paths only', () => {
    expect(matchSessionPath('/abc?since=1', '')).toMatchObject({ kind: 'session', sessionId: 'abc' });
    expect(matchSessionPath('/a%20b', '').kind).toBe('invalid');
    for (const url of ['/', '/?x=1', '//abc', '/app/socket', '/socket.io/', '/api/events/1']) {
      expect([url, matchSessionPath(url, '').kind]).toEqual([url, 'other']);
    }
  });

  it('accepts the ids real apps use, percent-encoded or not, up to 256 characters', () => {
    for (const [url, id] of [
      ['/ws/alice@example.com', 'alice@example.com'],
      ['/ws/alice%40example.com', 'alice@example.com'],
      ['/ws/tenant:42:chat', 'tenant:42:chat'],
      ['/ws/a.b~c!$&\'()*+,;=', "a.b~c!$&'()*+,;="],
      [`/ws/${'x'.repeat(256)}`, 'x'.repeat(256)],
    ]) {
      expect(matchSessionPath(url, '/ws')).toMatchObject({ kind: 'session', sessionId: id });
    }
  });
});

describe('isOriginAllowed', () => {
  it('same origin by default, compared on host including port', () => {
    expect(isOriginAllowed(request({ host: 'app.test:8000', origin: 'http://app.test:8000' }), undefined, true)).toBe(true);
    expect(isOriginAllowed(request({ host: 'app.test', origin: 'https://APP.test' }), undefined, true)).toBe(true);
    expect(isOriginAllowed(request({ host: 'app.test:8000', origin: 'http://app.test:9000' }), undefined, true)).toBe(false);
    expect(isOriginAllowed(request({ host: 'app.test', origin: 'null' }), undefined, true)).toBe(false);
    expect(isOriginAllowed(request({ host: 'app.test', origin: 'file://app.test' }), undefined, true)).toBe(false);
  });

  it('applies allowMissingOrigin to requests without Origin', () => {
    expect(isOriginAllowed(request({ host: 'a' }), undefined, true)).toBe(true);
    expect(isOriginAllowed(request({ host: 'a' }), undefined, false)).toBe(false);
  });

  it('lets a function decide everything', () => {
    const policy = (origin: string | undefined) => origin === 'null';
    expect(isOriginAllowed(request({ host: 'a', origin: 'null' }), policy, false)).toBe(true);
    expect(isOriginAllowed(request({ host: 'a' }), policy, true)).toBe(false);
  });
});
