/**
 * Session ids and the tokens that guard their sockets: a 128-bit random id, and a token that
 * carries its own expiry and an HMAC of both under the server's secret, checked in constant time
 * before the WebSocket upgrade and again before each chat turn.
 *
 * Rotation: sign with a new secret and keep the old one in `previous` (STATUS_MESSENGER_PREVIOUS_SECRET)
 * until the last token it signed has expired (the TTL); then drop it. Without `previous`, changing
 * the secret invalidates every token at once (pages then get a new session).
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const DEFAULT_TOKEN_TTL_MS = 24 * 60 * 60 * 1000;

export interface SessionTokensOptions {
  /** Secrets that still verify tokens (never sign them): the ones before a rotation. @default [] */
  previous?: Buffer[];
  /** How long a token is valid. @default 24 h */
  ttlMs?: number;
  /** The clock, for tests. @default Date.now */
  now?: () => number;
}

// `<expiry in ms, base 36>.<43 base64url characters of HMAC-SHA256>`
const TOKEN = /^([0-9a-z]{1,12})\.([A-Za-z0-9_-]{43})$/;

export class SessionTokens {
  readonly #secrets: Buffer[];
  readonly #ttlMs: number;
  readonly #now: () => number;

  constructor(secret: Buffer, { previous = [], ttlMs = DEFAULT_TOKEN_TTL_MS, now = Date.now }: SessionTokensOptions = {}) {
    if (!Number.isSafeInteger(ttlMs) || ttlMs < 1) throw new Error(`Expected \`ttlMs\` to be a positive integer, got \`${ttlMs}\``);
    this.#secrets = [secret, ...previous];
    this.#ttlMs = ttlMs;
    this.#now = now;
  }

  /** A new session: 16 random bytes as base64url (22 characters), and its token. */
  create(): { sessionId: string; token: string } {
    const sessionId = randomBytes(16).toString('base64url');
    return { sessionId, token: this.sign(sessionId) };
  }

  /** A token for `sessionId`, valid for the TTL from now, signed with the current secret. */
  sign(sessionId: string): string {
    const expiresAt = this.#now() + this.#ttlMs;
    return `${expiresAt.toString(36)}.${mac(this.#secrets[0]!, sessionId, expiresAt).toString('base64url')}`;
  }

  /** When `token` expires (ms since the epoch) if it is a live token for `sessionId`; otherwise undefined. */
  verify(sessionId: string, token: string | null | undefined): number | undefined {
    const match = typeof token === 'string' ? TOKEN.exec(token) : null;
    if (!match) return undefined;
    const expiresAt = parseInt(match[1]!, 36);
    if (!(expiresAt > this.#now())) return undefined;
    const given = Buffer.from(match[2]!, 'base64url');
    // Every secret is tried, so the time taken does not tell which one matched.
    let valid = false;
    for (const secret of this.#secrets) valid = timingSafeEqual(given, mac(secret, sessionId, expiresAt)) || valid;
    return valid ? expiresAt : undefined;
  }
}

function mac(secret: Buffer, sessionId: string, expiresAt: number): Buffer {
  return createHmac('sha256', secret).update(`ws-session:${sessionId}:${expiresAt}`).digest();
}
