/**
 * Session ids and the tokens that guard their sockets: a 128-bit random id, and an HMAC of it
 * under the server's secret, checked in constant time before the WebSocket upgrade.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export class SessionTokens {
  readonly #secret: Buffer;

  constructor(secret: Buffer) {
    this.#secret = secret;
  }

  /** A new session: 16 random bytes as base64url (22 characters), and its token. */
  create(): { sessionId: string; token: string } {
    const sessionId = randomBytes(16).toString('base64url');
    return { sessionId, token: this.sign(sessionId) };
  }

  sign(sessionId: string): string {
    return createHmac('sha256', this.#secret).update(`ws-session:${sessionId}`).digest('base64url');
  }

  verify(sessionId: string, token: string | null | undefined): boolean {
    if (typeof token !== 'string' || token.length === 0 || token.length > 128) return false;
    const expected = Buffer.from(this.sign(sessionId));
    const given = Buffer.from(token);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }
}
