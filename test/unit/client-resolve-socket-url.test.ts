import { resolveSocketUrl } from '../../src/client/resolve-socket-url.js';

describe('resolveSocketUrl', () => {
  it('turns a path into ws:// on an http page and wss:// on an https page (as the seed did)', () => {
    expect(resolveSocketUrl('/ws/abc', 'http://localhost:8000/chat?x=1')).toBe('ws://localhost:8000/ws/abc');
    expect(resolveSocketUrl('/ws/abc', 'https://app.example.com/')).toBe('wss://app.example.com/ws/abc');
    expect(resolveSocketUrl('/ws/abc?token=t%2Bk', 'https://app.example.com/')).toBe('wss://app.example.com/ws/abc?token=t%2Bk');
  });

  it('resolves relative and protocol-relative URLs against the page', () => {
    expect(resolveSocketUrl('ws/abc', 'https://app.example.com/app/')).toBe('wss://app.example.com/app/ws/abc');
    expect(resolveSocketUrl('//other.example.com/ws/abc', 'https://app.example.com/')).toBe('wss://other.example.com/ws/abc');
  });

  it('keeps absolute ws(s) URLs, maps http(s) ones, and drops a fragment', () => {
    expect(resolveSocketUrl('wss://hub.example.com/ws/a', 'http://page.example.com/')).toBe('wss://hub.example.com/ws/a');
    expect(resolveSocketUrl('ws://127.0.0.1:9/ws/a')).toBe('ws://127.0.0.1:9/ws/a');
    expect(resolveSocketUrl('https://hub.example.com/ws/a#frag')).toBe('wss://hub.example.com/ws/a');
  });

  it('throws a TypeError naming the URL for what cannot be a WebSocket URL', () => {
    expect(() => resolveSocketUrl('/ws/abc')).toThrow(/no page location.*\/ws\/abc/);
    expect(() => resolveSocketUrl('ftp://example.com/ws/a')).toThrow(TypeError);
    expect(() => resolveSocketUrl('javascript:alert(1)', 'https://app.example.com/')).toThrow(/ws:, wss:/);
  });
});
