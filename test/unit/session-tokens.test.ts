/**
 * The chat example's session tokens: they expire (24 h by default), verify only for their own
 * session and under a current or previous secret, and are compared with crypto.timingSafeEqual.
 */
import crypto from 'node:crypto';
import { DEFAULT_TOKEN_TTL_MS, SessionTokens } from '../../examples/chat/session-tokens.js';

const secret = Buffer.from('current-secret-0123456789');
const old = Buffer.from('previous-secret-0123456789');

describe('SessionTokens', () => {
  let clock = 1_800_000_000_000;
  const now = () => clock;

  it('verifies a fresh token for its own session only, and says when it expires', () => {
    const tokens = new SessionTokens(secret, { now });
    const a = tokens.create();
    const b = tokens.create();
    expect(a.sessionId).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(tokens.verify(a.sessionId, a.token)).toBe(clock + DEFAULT_TOKEN_TTL_MS);
    expect(tokens.verify(a.sessionId, b.token)).toBeUndefined();
    expect(DEFAULT_TOKEN_TTL_MS).toBe(24 * 60 * 60 * 1000);
  });

  it('stops verifying a token once its TTL has passed', () => {
    const tokens = new SessionTokens(secret, { now, ttlMs: 60_000 });
    const { sessionId, token } = tokens.create();
    clock += 59_999;
    expect(tokens.verify(sessionId, token)).toBeDefined();
    clock += 1;
    expect(tokens.verify(sessionId, token)).toBeUndefined();
  });

  it('refuses a token whose expiry was pushed later (the HMAC covers it), and malformed ones', () => {
    const tokens = new SessionTokens(secret, { now });
    const { sessionId, token } = tokens.create();
    const [expiry, mac] = token.split('.') as [string, string];
    const later = (parseInt(expiry, 36) + 365 * DEFAULT_TOKEN_TTL_MS).toString(36);
    expect(tokens.verify(sessionId, `${later}.${mac}`)).toBeUndefined();
    for (const bad of [undefined, null, '', mac, `${token}x`, `${expiry}.`, `.${mac}`, token.replace('.', ':'), 'a'.repeat(500)]) {
      expect(tokens.verify(sessionId, bad)).toBeUndefined();
    }
  });

  it('keeps verifying tokens signed with the previous secret after a rotation, and not with an unknown one', () => {
    const before = new SessionTokens(old, { now });
    const { sessionId, token } = before.create();
    expect(new SessionTokens(secret, { now, previous: [old] }).verify(sessionId, token)).toBeDefined();
    expect(new SessionTokens(secret, { now }).verify(sessionId, token)).toBeUndefined();
  });

  it('compares MACs with crypto.timingSafeEqual, trying every secret', () => {
    const tokens = new SessionTokens(secret, { now, previous: [old] });
    const { sessionId, token } = tokens.create();
    const spy = jest.spyOn(crypto, 'timingSafeEqual');
    try {
      expect(tokens.verify(sessionId, token)).toBeDefined();
      expect(spy).toHaveBeenCalledTimes(2);
    } finally {
      spy.mockRestore();
    }
  });

  it('rejects a TTL that is not a positive integer', () => {
    expect(() => new SessionTokens(secret, { ttlMs: 0 })).toThrow('Expected `ttlMs` to be a positive integer, got `0`');
  });
});
