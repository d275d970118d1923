/**
 * The checks an HTTP upgrade request passes before it becomes a WebSocket: path and session
 * id, Origin, and the refusal response. Refusals are answered before any upgrade (WebSockets
 * are not covered by CORS, so the Origin check is ours to do: OWASP, ASVS V4.4.2).
 */
import { STATUS_CODES } from 'node:http';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { SESSION_ID_PATTERN } from '../protocol.js';

export type PathMatch =
  | { kind: 'other' }
  | { kind: 'invalid' }
  | { kind: 'session'; sessionId: string; query: URLSearchParams };

/** Matches `<basePath>/<sessionId>[?query]`. Paths outside `basePath` are someone else's. */
export function matchSessionPath(url: string | undefined, basePath: string): PathMatch {
  if (typeof url !== 'string') return { kind: 'invalid' };
  const queryStart = url.indexOf('?');
  const pathname = queryStart === -1 ? url : url.slice(0, queryStart);
  const prefix = `${basePath}/`;
  if (pathname !== basePath && !pathname.startsWith(prefix)) return { kind: 'other' };
  const sessionId = pathname.slice(prefix.length);
  if (!SESSION_ID_PATTERN.test(sessionId)) return { kind: 'invalid' };
  let query: URLSearchParams;
  try {
    query = new URLSearchParams(queryStart === -1 ? '' : url.slice(queryStart + 1));
  } catch {
    return { kind: 'invalid' };
  }
  return { kind: 'session', sessionId, query };
}

/** Exact origins (`https://app.example.com`), or a function deciding per request. */
export type OriginPolicy =
  | readonly string[]
  | ((origin: string | undefined, request: IncomingMessage) => boolean);

/** Normalises an allowlist entry to its serialised origin; throws on nonsense. */
export function normalizeOrigin(origin: string): string {
  const url = new URL(origin);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError(`not an http(s) origin: ${origin}`);
  return url.origin;
}

/**
 * - no `Origin` header (a non-browser client; browsers always send one): `allowMissing`;
 * - a function policy decides everything;
 * - an allowlist: the exact serialised origin must be listed;
 * - no policy: same origin, i.e. the Origin's host equals the request's `Host`.
 * `Origin: null` (sandboxed frames, file://) passes only a function policy that accepts it.
 */
export function isOriginAllowed(
  request: IncomingMessage,
  policy: OriginPolicy | undefined,
  allowMissing: boolean,
): boolean {
  const origin = request.headers.origin;
  if (typeof policy === 'function') return policy(origin, request) === true;
  if (origin === undefined) return allowMissing;
  if (Array.isArray(policy)) return policy.includes(origin);
  if (origin === 'null') return false;
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
  const host = request.headers.host;
  return typeof host === 'string' && url.host === host.toLowerCase();
}

/** Answers a refused upgrade with a plain HTTP response and destroys the socket. */
export function refuseUpgrade(
  socket: Duplex,
  status: number,
  message: string,
  headers: Record<string, string> = {},
): void {
  if (socket.writable && !socket.destroyed) {
    const body = `${message}\n`;
    const lines = [
      `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}`,
      'Connection: close',
      'Content-Type: text/plain; charset=utf-8',
      `Content-Length: ${Buffer.byteLength(body)}`,
      ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
    ];
    // As ws's abortHandshake: end, then destroy once the response is flushed.
    socket.once('finish', () => socket.destroy());
    socket.end(`${lines.join('\r\n')}\r\n\r\n${body}`);
    return;
  }
  socket.destroy();
}
