/**
 * What every transport checks on an incoming request before admission: the path and session
 * id, and the Origin. Pure functions over the request's URL and headers (WebSocket upgrades
 * are not covered by CORS, so the Origin check is ours to do: OWASP, ASVS V4.4.2).
 */
import type { IncomingHttpHeaders } from 'node:http';
import { SESSION_ID_PATTERN } from '../../protocol.js';

export type PathMatch =
  | { kind: 'other' }
  | { kind: 'invalid' }
  | { kind: 'session'; sessionId: string; query: URLSearchParams };

/**
 * Whether `pathname` is one of the hub's: `<basePath>/<segment>`, exactly one non-empty path
 * segment below its base (`basePath` is `''` for a hub at `/`). A session id never holds a
 * `/`, so every other path — the base itself, `<base>/`, `<base>/a/b`, and at `/` every path
 * of more than one segment — belongs to the app.
 */
export function isHubPath(pathname: string, basePath: string): boolean {
  const start = basePath.length + 1;
  return (
    pathname.length > start &&
    pathname.charCodeAt(basePath.length) === 47 /* / */ &&
    pathname.startsWith(basePath) &&
    pathname.indexOf('/', start) === -1
  );
}

/**
 * Matches `<basePath>/<sessionId>[?query]`; paths that are not the hub's (`isHubPath`) are
 * someone else's. The session segment is percent-decoded before it is checked, so
 * `alice%40example.com` (what `encodeURIComponent` makes) and `alice@example.com` name the same
 * session; a segment that is no session id (`has%20space`, `a%2Fb`) is `invalid`.
 */
export function matchSessionPath(url: string | undefined, basePath: string): PathMatch {
  if (typeof url !== 'string') return { kind: 'invalid' };
  const queryStart = url.indexOf('?');
  const pathname = queryStart === -1 ? url : url.slice(0, queryStart);
  if (!isHubPath(pathname, basePath)) return { kind: 'other' };
  const segment = pathname.slice(basePath.length + 1);
  let sessionId = segment;
  if (segment.includes('%')) {
    try {
      sessionId = decodeURIComponent(segment);
    } catch {
      return { kind: 'invalid' };
    }
  }
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
  | ((origin: string | undefined, request: import('node:http').IncomingMessage) => boolean);

/** Normalises an allowlist entry to its serialised origin; throws on nonsense. */
export function normalizeOrigin(origin: string): string {
  const url = new URL(origin);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError(`not an http(s) origin: ${origin}`);
  return url.origin;
}

/** The request's host as the client named it: `Host` (HTTP/1.1) or `:authority` (HTTP/2). */
export function requestHost(headers: IncomingHttpHeaders): string | undefined {
  const host = headers.host ?? headers[':authority'];
  return typeof host === 'string' ? host.toLowerCase() : undefined;
}

/** Whether the request comes from the page's own origin (the Origin's host is the Host). */
export function isSameOrigin(origin: string, headers: IncomingHttpHeaders): boolean {
  if (origin === 'null') return false;
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
  const host = requestHost(headers);
  return host !== undefined && url.host === host;
}

/**
 * - no `Origin` header (a non-browser client, or a same-origin `EventSource`): `allowMissing`;
 * - a function policy decides everything (it may throw: the caller guards it);
 * - an allowlist: the exact serialised origin must be listed;
 * - no policy: same origin, i.e. the Origin's host equals the request's `Host`.
 * `Origin: null` (sandboxed frames, file://) passes only a function policy that accepts it.
 */
export function isOriginAllowed(
  request: { headers: IncomingHttpHeaders },
  policy: OriginPolicy | undefined,
  allowMissing: boolean,
): boolean {
  const origin = request.headers.origin;
  if (typeof policy === 'function') {
    return policy(origin, request as import('node:http').IncomingMessage) === true;
  }
  if (origin === undefined) return allowMissing;
  if (Array.isArray(policy)) return policy.includes(origin);
  return isSameOrigin(origin, request.headers);
}
