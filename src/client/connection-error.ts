/**
 * Why a connection cannot be made, so that a wrong URL is never a silent, endless retry.
 *
 * A browser's `WebSocket` hides the HTTP answer to a refused upgrade (the page sees close code
 * 1006, exactly as for a server that is down), and `EventSource` hides it too. The hub answers
 * the same URL over HTTP, through the same admission path (session id, Origin, `authorize`,
 * limits): so after a try that never opened, the client asks once with `HEAD <url>` and
 * `Accept: text/event-stream`, which the hub answers with the refusal's status, or with 200
 * without opening a stream. Retrying cannot fix 400, 401, 403 or 404: the client stops there.
 */
import { toEventStreamUrl } from './transports.js';

/**
 * - `ERR_INVALID_SESSION_ID` (400): the id in the URL is not one the hub accepts;
 * - `ERR_UNAUTHORIZED` (401): the hub's `authorize` hook refused the request;
 * - `ERR_FORBIDDEN` (403): the page's Origin is not allowed, or `authorize` refused with 403;
 * - `ERR_HUB_NOT_FOUND` (404, or an answer that is not the hub's): no hub serves this path;
 * - `ERR_TOO_MANY_CONNECTIONS` (429): the session has `maxSocketsPerSession` connections open;
 * - `ERR_HUB_UNAVAILABLE` (503): the hub is shutting down or holds `maxSockets` connections;
 * - `ERR_CONNECTION_REFUSED`: any other refusal (a 500 when `authorize` threw, say).
 */
export type ConnectionErrorCode =
  | 'ERR_INVALID_SESSION_ID'
  | 'ERR_UNAUTHORIZED'
  | 'ERR_FORBIDDEN'
  | 'ERR_HUB_NOT_FOUND'
  | 'ERR_TOO_MANY_CONNECTIONS'
  | 'ERR_HUB_UNAVAILABLE'
  | 'ERR_CONNECTION_REFUSED';

/** Why the hub refused a connection: its HTTP status and a stable code. */
export interface ConnectionError {
  /** The HTTP status the URL answered with. */
  status: number;
  code: ConnectionErrorCode;
}

/** What `HEAD <url>` answered: the status, and whether it was the hub's event stream. */
export interface ProbeAnswer {
  status: number;
  eventStream: boolean;
}

/**
 * The refusal `answer` means, and whether retrying can help (`final: false`), or `undefined`
 * when the hub would have taken the connection (the try failed for another reason: a proxy
 * that drops upgrades, a network error).
 */
export function classifyRefusal(answer: ProbeAnswer): { error: ConnectionError; final: boolean } | undefined {
  const { status } = answer;
  if (status >= 200 && status < 300 && answer.eventStream) return undefined;
  const refused = (code: ConnectionErrorCode, final: boolean) => ({ error: { status, code }, final });
  // The hub answers every request on its path as an event stream or a refusal: anything else
  // (404, or the app's own 200 page) came from something that is not a hub.
  if (status < 400 || status === 404 || status === 410) return refused('ERR_HUB_NOT_FOUND', true);
  if (status === 400) return refused('ERR_INVALID_SESSION_ID', true);
  if (status === 401) return refused('ERR_UNAUTHORIZED', true);
  if (status === 403) return refused('ERR_FORBIDDEN', true);
  if (status === 429) return refused('ERR_TOO_MANY_CONNECTIONS', false);
  if (status === 503) return refused('ERR_HUB_UNAVAILABLE', false);
  return refused('ERR_CONNECTION_REFUSED', false);
}

const PROBE_TIMEOUT_MS = 5000;

/**
 * Asks the hub at `url` (ws(s) or http(s)) how it would answer, with the cookies a WebSocket
 * would send (`withCredentials`). `undefined` when there is no answer to read: the server is
 * down, the request timed out, there is no `fetch`, or a cross-origin answer without CORS
 * headers (the browser hides it).
 */
export async function probeHub(url: string, withCredentials: boolean, signal?: AbortSignal): Promise<ProbeAnswer | undefined> {
  const fetchFn = (globalThis as { fetch?: typeof fetch }).fetch;
  if (typeof fetchFn !== 'function') return undefined;
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), PROBE_TIMEOUT_MS);
  const onAbort = () => abort.abort();
  signal?.addEventListener('abort', onAbort);
  try {
    const response = await fetchFn(toEventStreamUrl(url), {
      method: 'HEAD',
      headers: { accept: 'text/event-stream' },
      credentials: withCredentials ? 'include' : 'same-origin',
      cache: 'no-store',
      signal: abort.signal,
    });
    const type = response.headers.get('content-type') ?? '';
    return { status: response.status, eventStream: /^text\/event-stream\b/i.test(type) };
  } catch {
    return undefined;
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
  }
}

/** What a developer should do about `error` at `url`: the text of the client's one `console.warn`. */
export function connectionErrorHint({ status, code }: ConnectionError, url: string): string {
  const at = `${url} (HTTP ${status})`;
  switch (code) {
    case 'ERR_INVALID_SESSION_ID':
      return `The hub refused the session id in ${at}: build the URL with '/ws/' + encodeURIComponent(sessionId).`;
    case 'ERR_UNAUTHORIZED':
      return `The hub's \`authorize\` refused ${at}: send the cookie or token it checks.`;
    case 'ERR_FORBIDDEN':
      return `The hub refused ${at}: add this page's origin to its \`allowedOrigins\`, or see what its \`authorize\` refuses.`;
    case 'ERR_HUB_NOT_FOUND':
      return `No StatusHub answers at ${at}: check the host, port and path (the hub's \`path\`, '/ws' by default).`;
    case 'ERR_TOO_MANY_CONNECTIONS':
      return `Too many connections for this session at ${at} (\`maxSocketsPerSession\`): open one per tab. Retrying.`;
    default:
      return `The hub at ${at} refused the connection; its log says why. Retrying.`;
  }
}

/** A `TypeError` with the code the hub's own id errors carry. */
export class InvalidSessionIdError extends TypeError {
  readonly code = 'ERR_INVALID_SESSION_ID';
}

/**
 * Throws `InvalidSessionIdError` when the URL's last path segment (the hub's session id) is
 * empty, `undefined` or `null`: an id that was not set when the URL was built. The hub would
 * refuse such a URL anyway; caught here, the mistake is an error at the call. `api` names the
 * call, `fix` says what to do instead.
 */
export function checkSessionIdInUrl(api: string, url: string, fix = "build it once the id is known: '/ws/' + encodeURIComponent(sessionId)"): void {
  let id: string;
  try {
    // Any base will do: only the path's last segment matters.
    const path = new URL(url, 'http://localhost/').pathname;
    id = decodeURIComponent(path.slice(path.lastIndexOf('/') + 1));
  } catch {
    return; // not a URL: resolveSocketUrl says so; a malformed id: the hub answers 400
  }
  if (id !== '' && id !== 'undefined' && id !== 'null') return;
  throw new InvalidSessionIdError(
    `${api}: the URL \`${url}\` has ${id ? `the session id \`${id}\`` : 'no session id'}: the id was not set when the URL was built; ${fix}.`,
  );
}
