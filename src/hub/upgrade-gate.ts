/**
 * Everything an HTTP upgrade request passes before it may become a WebSocket of the hub: the
 * path and session id, shutdown, Origin, the socket limits (counting upgrades still being
 * authorised), and the `authorize` hook — sync or async, throwing or hanging. Every refusal is
 * a plain HTTP answer; an admitted request is handed back to the hub.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from '../logger.js';
import type { ResolvedHubOptions } from './hub-options.js';
import { isOriginAllowed, matchSessionPath } from './upgrade-checks.js';

/** What the gate needs from the hub. */
export interface UpgradeGateHost {
  readonly closing: boolean;
  /** Open sockets in all. */
  socketCount(): number;
  /** Open sockets of one session. */
  sessionSocketCount(sessionId: string): number;
  /** Answers with an HTTP error (and counts it). */
  refuse(socket: Duplex, status: number, message: string, headers?: Record<string, string>): void;
  /** The request passed every check: complete the WebSocket handshake. */
  admit(request: IncomingMessage, socket: Duplex, head: Buffer, sessionId: string, query: URLSearchParams): void;
  logger(): Logger;
}

/** Destroys a TCP socket that errors while its upgrade is being decided. */
export function destroyOnError(this: Duplex): void {
  this.destroy();
}

export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | null)?.then === 'function';
}

export class UpgradeGate {
  readonly #options: ResolvedHubOptions;
  readonly #host: UpgradeGateHost;
  readonly #pendingBySession = new Map<string, number>();
  #pendingTotal = 0;

  constructor(options: ResolvedHubOptions, host: UpgradeGateHost) {
    this.#options = options;
    this.#host = host;
  }

  /** `false` (touching nothing) for paths outside `basePath`; otherwise answers the request. */
  handle(request: IncomingMessage, socket: Duplex, head: Buffer, basePath: string): boolean {
    const match = matchSessionPath(request.url, basePath);
    if (match.kind === 'other') return false;
    // Before anything asynchronous: an error on a socket nobody listens to would crash the process.
    socket.on('error', destroyOnError);
    const host = this.#host;
    const options = this.#options;
    if (match.kind === 'invalid') {
      host.refuse(socket, 400, 'Bad Request: the session id must match [A-Za-z0-9_-]{1,128}');
      return true;
    }
    if (host.closing) {
      host.refuse(socket, 503, 'Service Unavailable: shutting down');
      return true;
    }
    const { sessionId, query } = match;
    if (!isOriginAllowed(request, options.allowedOrigins, options.allowMissingOrigin)) {
      host.refuse(socket, 403, 'Forbidden: origin not allowed');
      return true;
    }
    if (host.socketCount() + this.#pendingTotal >= options.maxSockets) {
      host.refuse(socket, 503, 'Service Unavailable: too many connections', { 'Retry-After': '5' });
      return true;
    }
    const pending = this.#pendingBySession.get(sessionId) ?? 0;
    if (host.sessionSocketCount(sessionId) + pending >= options.maxSocketsPerSession) {
      host.refuse(socket, 429, 'Too Many Requests: too many connections for this session');
      return true;
    }
    const authorize = options.authorize;
    if (!authorize) {
      host.admit(request, socket, head, sessionId, query);
      return true;
    }
    const finish = this.#hold(sessionId);
    let verdict: ReturnType<typeof authorize>;
    try {
      verdict = authorize(request, sessionId);
    } catch (error) {
      finish();
      this.#authorizeFailed(socket, error);
      return true;
    }
    if (!isThenable(verdict)) {
      finish();
      this.#decide(verdict, request, socket, head, sessionId, query);
      return true;
    }
    // An answer that never comes must not hold the socket (and a slot of the limits) forever.
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
      host.logger().warn(`The StatusHub \`authorize\` hook did not settle within ${options.authorizeTimeoutMs} ms; answered 503.`);
      host.refuse(socket, 503, 'Service Unavailable: authorization timed out');
    }, options.authorizeTimeoutMs);
    timer.unref();
    Promise.resolve(verdict).then(
      (result) => {
        if (settle()) this.#decide(result, request, socket, head, sessionId, query);
      },
      (error: unknown) => {
        if (settle()) this.#authorizeFailed(socket, error);
      },
    );
    return true;
  }

  /** Counts an upgrade in progress against the limits until the returned function is called. */
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

  #decide(verdict: unknown, request: IncomingMessage, socket: Duplex, head: Buffer, sessionId: string, query: URLSearchParams): void {
    const host = this.#host;
    if (socket.destroyed) return;
    if (host.closing) return host.refuse(socket, 503, 'Service Unavailable: shutting down');
    if (verdict === true || (typeof verdict === 'object' && verdict !== null && (verdict as { allow?: unknown }).allow === true)) {
      return host.admit(request, socket, head, sessionId, query);
    }
    const status = (verdict as { status?: number } | null)?.status;
    const code = status === 403 || status === 429 ? status : 401;
    const message = (verdict as { message?: unknown } | null)?.message;
    host.refuse(socket, code, typeof message === 'string' ? message : code === 401 ? 'Unauthorized' : 'Forbidden');
  }

  #authorizeFailed(socket: Duplex, error: unknown): void {
    this.#host.logger().error('The StatusHub `authorize` hook threw; the upgrade was refused with 500.', error);
    this.#host.refuse(socket, 500, 'Internal Server Error');
  }
}
