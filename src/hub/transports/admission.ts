/**
 * The one admission path every transport's requests go through before they become a
 * connection of the hub: the session id (from the path), shutdown, Origin, the connection
 * limits (counting requests still being authorised), and the `authorize` hook — sync or async,
 * throwing or hanging. A user callback that throws refuses that one request and is logged; the
 * process goes on. Every refusal is counted, logged (see `RefusalLog`) and handed back to the
 * transport, which answers it in its own way (a raw HTTP response on an upgrade socket, or
 * `res.writeHead` for SSE).
 */
import type { Logger } from '../../logger.js';
import { SESSION_ID_MAX_LENGTH } from '../../protocol.js';
import type { AuthorizeHook, HubRequest, ResolvedHubOptions } from '../hub-options.js';
import { RefusalLog } from './refusal-log.js';
import { isOriginAllowed, matchSessionPath } from './request-checks.js';

/** What admission needs from the hub. */
export interface AdmissionHost {
  readonly closing: boolean;
  /** Open connections in all (every transport). */
  connectionCount(): number;
  /** Open connections of one session. */
  sessionConnectionCount(sessionId: string): number;
  /** Whether a slot of the full session `sessionId` may go to a new connection (an SSE stream's: `SseTransport.replaceable`). */
  slotReplaceable(sessionId: string, now: number): boolean;
  /** Frees that slot; false when there is none. */
  replaceSlot(sessionId: string, now: number): boolean;
  logger(): Logger;
}

export interface Refusal {
  status: number;
  /** The response body: short, and never server internals. */
  message: string;
  headers?: Record<string, string>;
}

/** How a transport answers, once admission has decided. Exactly one is called, at most once. */
export interface AdmissionOutcome {
  admit(sessionId: string, query: URLSearchParams): void;
  refuse(refusal: Refusal): void;
  /** True once the client left (the decision is then dropped). */
  gone(): boolean;
}

export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | null)?.then === 'function';
}

export class Admission {
  readonly #options: ResolvedHubOptions;
  readonly #host: AdmissionHost;
  readonly #pendingBySession = new Map<string, number>();
  readonly #log: RefusalLog;
  readonly #originVerdicts = new WeakMap<object, boolean>();
  #pendingTotal = 0;
  /** Requests refused, by HTTP status. */
  readonly refused: Record<number, number> = {};

  constructor(options: ResolvedHubOptions, host: AdmissionHost) {
    this.#options = options;
    this.#host = host;
    this.#log = new RefusalLog(() => host.logger());
  }

  /**
   * `false` (touching nothing) for paths outside `basePath`; otherwise decides the request and
   * calls `outcome` (synchronously, or later when `authorize` is async).
   */
  run(transport: string, request: HubRequest, basePath: string, outcome: AdmissionOutcome): boolean {
    const match = matchSessionPath(request.url, basePath);
    if (match.kind === 'other') return false;
    const host = this.#host;
    const options = this.#options;
    const refuse = (status: number, reason: string, message: string, headers?: Record<string, string>): true => {
      this.refuse(transport, request, { status, message, headers }, reason, outcome);
      return true;
    };
    if (match.kind === 'invalid') {
      return refuse(
        400,
        'bad session id',
        `Bad Request: the session id must be 1-${SESSION_ID_MAX_LENGTH} characters that are safe in a URL path segment (letters, digits, -._~!$&'()*+,;=:@)`,
      );
    }
    if (host.closing) return refuse(503, 'shutting down', 'Service Unavailable: shutting down');
    const { sessionId, query } = match;
    if (!this.originAllowed(request)) return refuse(403, 'origin not allowed', 'Forbidden: origin not allowed');
    if (host.connectionCount() + this.#pendingTotal >= options.maxSockets) {
      return refuse(503, 'too many connections', 'Service Unavailable: too many connections', { 'Retry-After': '5' });
    }
    if (this.#sessionFull(sessionId) && !host.slotReplaceable(sessionId, Date.now())) {
      return refuse(429, 'too many connections for the session', 'Too Many Requests: too many connections for this session');
    }
    const authorize = options.authorize;
    if (!authorize) {
      this.#admit(transport, request, sessionId, query, outcome);
      return true;
    }
    this.#authorize(transport, authorize, request, sessionId, query, outcome);
    return true;
  }

  /**
   * The Origin policy's verdict for `request`, asked once per request (a function policy is not
   * called twice when SSE also needs it for CORS headers). A throwing policy refuses, logged.
   */
  originAllowed(request: HubRequest): boolean {
    const known = this.#originVerdicts.get(request);
    if (known !== undefined) return known;
    const options = this.#options;
    let allowed: boolean;
    try {
      allowed = isOriginAllowed(request, options.allowedOrigins, options.allowMissingOrigin);
    } catch (error) {
      this.#host.logger().error('The StatusHub `allowedOrigins` function threw; the request was refused with 403.', error);
      allowed = false;
    }
    this.#originVerdicts.set(request, allowed);
    return allowed;
  }

  /** Counts, logs and answers one refusal (also for the transports' own: 405, 406, ws's 400). */
  refuse(transport: string, request: HubRequest, refusal: Refusal, reason: string, outcome: Pick<AdmissionOutcome, 'refuse'>): void {
    this.refused[refusal.status] = (this.refused[refusal.status] ?? 0) + 1;
    const origin = request.headers.origin;
    const path = (request.url ?? '').split('?')[0]!.slice(0, 300);
    this.#log.refused(transport, refusal.status, reason, `${request.method ?? 'GET'} ${path}${origin ? ` from Origin ${origin}` : ''}`);
    outcome.refuse(refusal);
  }

  #authorize(
    transport: string,
    authorize: AuthorizeHook,
    request: HubRequest,
    sessionId: string,
    query: URLSearchParams,
    outcome: AdmissionOutcome,
  ): void {
    const finish = this.#hold(sessionId);
    const failed = (error: unknown): void => {
      this.#host.logger().error('The StatusHub `authorize` hook threw; the request was refused with 500.', error);
      this.refuse(transport, request, { status: 500, message: 'Internal Server Error' }, 'authorize threw', outcome);
    };
    let verdict: ReturnType<AuthorizeHook>;
    try {
      verdict = authorize(request as Parameters<AuthorizeHook>[0], sessionId);
    } catch (error) {
      finish();
      return failed(error);
    }
    if (!isThenable(verdict)) {
      finish();
      return this.#decide(transport, verdict, request, sessionId, query, outcome);
    }
    // An answer that never comes must not hold the request (and a slot of the limits) forever.
    let settled = false;
    const settle = (): boolean => {
      if (settled) return false;
      settled = true;
      clearTimeout(timer);
      finish();
      return true;
    };
    const timer = setTimeout(() => {
      if (!settle()) return;
      this.#host.logger().warn(`The StatusHub \`authorize\` hook did not settle within ${this.#options.authorizeTimeoutMs} ms; answered 503.`);
      if (!outcome.gone()) {
        this.refuse(transport, request, { status: 503, message: 'Service Unavailable: authorization timed out' }, 'authorize timed out', outcome);
      }
    }, this.#options.authorizeTimeoutMs);
    timer.unref();
    Promise.resolve(verdict).then(
      (result) => {
        if (settle()) this.#decide(transport, result, request, sessionId, query, outcome);
      },
      (error: unknown) => {
        if (settle() && !outcome.gone()) failed(error);
      },
    );
  }

  /** Whether the session's open connections and requests being authorised fill its slots. */
  #sessionFull(sessionId: string): boolean {
    const pending = this.#pendingBySession.get(sessionId) ?? 0;
    return this.#host.sessionConnectionCount(sessionId) + pending >= this.#options.maxSocketsPerSession;
  }

  /** Admits, taking a replaceable slot if the session is full; only an admitted request ever frees one. */
  #admit(transport: string, request: HubRequest, sessionId: string, query: URLSearchParams, outcome: AdmissionOutcome): void {
    if (this.#sessionFull(sessionId) && !this.#host.replaceSlot(sessionId, Date.now())) {
      return this.refuse(
        transport,
        request,
        { status: 429, message: 'Too Many Requests: too many connections for this session' },
        'too many connections for the session',
        outcome,
      );
    }
    outcome.admit(sessionId, query);
  }

  /** Counts a request in progress against the limits until the returned function is called. */
  #hold(sessionId: string): () => void {
    this.#pendingBySession.set(sessionId, (this.#pendingBySession.get(sessionId) ?? 0) + 1);
    this.#pendingTotal += 1;
    return () => {
      const left = (this.#pendingBySession.get(sessionId) ?? 1) - 1;
      if (left <= 0) this.#pendingBySession.delete(sessionId);
      else this.#pendingBySession.set(sessionId, left);
      this.#pendingTotal -= 1;
    };
  }

  #decide(
    transport: string,
    verdict: unknown,
    request: HubRequest,
    sessionId: string,
    query: URLSearchParams,
    outcome: AdmissionOutcome,
  ): void {
    if (outcome.gone()) return;
    if (this.#host.closing) {
      return this.refuse(transport, request, { status: 503, message: 'Service Unavailable: shutting down' }, 'shutting down', outcome);
    }
    if (verdict === true || (typeof verdict === 'object' && verdict !== null && (verdict as { allow?: unknown }).allow === true)) {
      return this.#admit(transport, request, sessionId, query, outcome);
    }
    const status = (verdict as { status?: number } | null)?.status;
    const code = status === 403 || status === 429 ? status : 401;
    const message = (verdict as { message?: unknown } | null)?.message;
    const body = typeof message === 'string' ? message : code === 401 ? 'Unauthorized' : 'Forbidden';
    this.refuse(transport, request, { status: code, message: body }, `refused by authorize`, outcome);
  }
}
