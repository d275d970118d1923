/**
 * `StatusHub`, the public façade: one object that serves a session's statuses to the browser
 * over WebSocket (`ws(s)://host/ws/<sessionId>`) and Server-Sent Events (`GET …/<sessionId>`),
 * numbered (`seq`), replayable, with backpressure, a heartbeat, and every refusal answered
 * before the connection opens.
 *
 * The work is done by its parts: the session core (`session-core.ts`: subscribers, numbering,
 * history, fan-out), the transports (`transports/websocket.ts`, `transports/sse.ts`) on one
 * admission path (`transports/admission.ts`), and an adapter (`adapters/`) for scale-out.
 */
import { EventEmitter } from 'node:events';
import { createServer } from 'node:http';
import type { IncomingMessage, Server as HttpServer, ServerResponse } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import { invalidOption, StatusMessengerError } from '../errors.js';
import { getDefaultLogger } from '../logger.js';
import type { Logger } from '../logger.js';
import { EPOCH_PATTERN } from '../protocol.js';
import type { StatusFrame, StatusInput } from '../protocol.js';
import { assertSessionId, normalizeStatus } from '../status.js';
import type { HubAdapter, NumberedStatus } from './adapters/hub-adapter.js';
import { InMemoryAdapter } from './adapters/in-memory-adapter.js';
import {
  resolveAttachOptions,
  resolveHubOptions,
  resolveSseHandlerOptions,
  resolveUpgradeOptions,
} from './hub-options.js';
import type {
  AttachOptions,
  HandleUpgradeOptions,
  HubRequest,
  ResolvedHubOptions,
  SseHandlerOptions,
  StatusHubOptions,
} from './hub-options.js';
import { SessionCore } from './session-core.js';
import { Admission, isThenable } from './transports/admission.js';
import { ServerRoutes } from './transports/server-routes.js';
import { SseTransport } from './transports/sse.js';
import type { HubResponse } from './transports/sse.js';
import { WebSocketTransport } from './transports/websocket.js';

export type { AttachOptions, HandleUpgradeOptions, SseHandlerOptions } from './hub-options.js';

export interface StatusHubEvents {
  /** A socket joined `sessionId` (after the hello and replay frames were written). */
  connection: [sessionId: string, socket: WebSocket, request: IncomingMessage];
  /** A text frame from a socket of `sessionId` (the chat example's chat text). */
  message: [sessionId: string, data: string, socket: WebSocket];
  /** A socket of `sessionId` closed. */
  disconnect: [sessionId: string, socket: WebSocket, code: number, reason: string];
  /**
   * A status was accepted for `sessionId` (whether or not any connection was open). `meta.origin`
   * is set when it came from another instance (through the adapter).
   */
  status: [sessionId: string, frame: StatusFrame, meta: StatusEventMeta];
}

export interface StatusEventMeta {
  /** The instance that produced a relayed status; `undefined` for statuses sent here. */
  origin: string | undefined;
  /** The session history the status belongs to (its `hello` epoch). */
  epoch?: string;
}

export interface SendFrameOptions {
  /**
   * Frames with the same key replace each other while a connection is slow (e.g.
   * `agent_message` carrying the whole text so far). @default none: the frame is never skipped
   */
  coalesceKey?: string;
}

/**
 * An SSE request handler: `true` when it answered the request, `false` (having touched
 * nothing) for other paths — or, given `next`, it calls `next()` instead (Express middleware).
 */
export type SseRequestHandler = (
  request: IncomingMessage | HubRequest,
  response: ServerResponse | HubResponse,
  next?: (error?: unknown) => void,
) => boolean;

export interface StatusHubStats {
  /** Sessions the hub holds state for (a history, or open connections). */
  sessions: number;
  /** Open WebSockets. */
  sockets: number;
  /** Open SSE streams. */
  sseStreams: number;
  /** Statuses accepted since the hub started. */
  statusesSent: number;
  /** Frames a slow connection skipped because a newer one replaced them. */
  coalesced: number;
  /** Requests (upgrades and SSE) refused, by HTTP status. */
  refused: Record<number, number>;
  /**
   * Connections closed by the hub, by close code (`CLOSE_CODES`: 1008 rate limit, 1009 too big,
   * 4008 slow, 1001 shutdown…); an SSE stream ended for the same reason counts under the same
   * code, and one whose slot went to a new connection under 4009.
   */
  closedByHub: Record<number, number>;
  /** Sockets terminated by the heartbeat. */
  heartbeatTerminations: number;
}

type AnyServer = HttpServer | HttpsServer;

export class StatusHub extends EventEmitter<StatusHubEvents> {
  readonly #options: ResolvedHubOptions;
  readonly #adapter: HubAdapter;
  readonly #core: SessionCore;
  readonly #admission: Admission;
  readonly #ws: WebSocketTransport;
  readonly #sse: SseTransport;
  readonly #attached = new Map<AnyServer, () => void>();
  readonly #ownServers = new Set<HttpServer>();
  readonly #sweep: NodeJS.Timeout;
  #closing: Promise<void> | undefined;
  /** The session id `send` checked last. */
  #checkedId: string | undefined;

  constructor(options?: StatusHubOptions) {
    super();
    this.#options = resolveHubOptions(options);
    this.#adapter = this.#options.adapter ?? new InMemoryAdapter();
    const logger = (): Logger => this.#logger;
    this.#core = new SessionCore({
      historySize: this.#options.historySize,
      historyTtlMs: this.#options.historyTtlMs,
      adapter: this.#adapter,
      logger,
      onStatus: Object.assign((status: NumberedStatus) => this.#onStatus(status), {
        wanted: () => this.listenerCount('status') > 0,
      }),
    });
    const hub = this;
    this.#admission = new Admission(this.#options, {
      get closing() {
        return hub.#closing !== undefined;
      },
      connectionCount: () => this.#core.subscriberCount,
      sessionConnectionCount: (sessionId) => this.#core.countOf(sessionId),
      slotReplaceable: (sessionId, now) => this.#sse.replaceable(sessionId, now),
      replaceSlot: (sessionId, now) => this.#sse.replace(sessionId, now),
      logger,
    });
    this.#ws = new WebSocketTransport(this.#options, this.#core, this.#admission, {
      connection: (sessionId, socket, request) => this.#emitSafely('connection', sessionId, socket, request),
      message: (sessionId, data, socket) => this.#emitSafely('message', sessionId, data, socket),
      disconnect: (sessionId, socket, code, reason) => this.#emitSafely('disconnect', sessionId, socket, code, reason),
    });
    this.#sse = new SseTransport(this.#options, this.#core, this.#admission, logger);
    this.#adapter.attach({ deliver: (status) => this.#deliver(status) });
    this.#sweep = setInterval(() => this.#core.sweep(Date.now()), Math.min(this.#options.historyTtlMs, 30_000));
    this.#sweep.unref();
  }

  get #logger(): Logger {
    return this.#options.logger ?? getDefaultLogger();
  }

  /**
   * Serves `<path>/<sessionId>` upgrades on `server`, and (unless `sse: false`) SSE on the same
   * path for `GET`/`HEAD` requests that accept `text/event-stream`. Only one path segment below
   * `path` is the hub's (with `path: '/'`, only one-segment paths): upgrades for other paths
   * are left to other listeners (answered 404 when there are none, whatever the number of
   * hubs), and other requests pass through to the server's own listeners. Returns a function
   * that detaches.
   */
  attach(server: AnyServer, options?: AttachOptions): () => void {
    if (this.#closing) throw new StatusMessengerError('ERR_HUB_CLOSED', 'Cannot attach a StatusHub after close()');
    if (typeof server?.on !== 'function' || typeof server.listeners !== 'function') {
      invalidOption('server', 'an http.Server or https.Server', server);
    }
    const { base, sse } = resolveAttachOptions(options);
    if (this.#attached.has(server)) invalidOption('server', 'a server this hub is not attached to yet', '[server]');
    const remove = ServerRoutes.of(server).add({
      upgrade: (request, socket, head) => this.#ws.handleUpgrade(request, socket, head, base),
      ...(sse ? { request: (request, response) => this.#sse.handle(request, response, base, true) } : {}),
    });
    const detach = (): void => {
      remove();
      this.#attached.delete(server);
    };
    this.#attached.set(server, detach);
    return detach;
  }

  /**
   * Serves the hub on an HTTP server of its own, for hosts whose server you cannot attach to
   * (ADK's `adk web` / `adk api_server`, a framework that hides its server). Other paths get 404.
   * Resolves once listening; `port: 0` picks a free port (read it from the result). `hub.close()`
   * closes this server too.
   */
  async listen(port: number, host?: string, options?: AttachOptions): Promise<{ server: HttpServer; port: number; url: string }> {
    if (this.#closing) throw new StatusMessengerError('ERR_HUB_CLOSED', 'Cannot listen after close()');
    if (!Number.isSafeInteger(port) || port < 0 || port > 65535) invalidOption('port', 'an integer 0–65535', port);
    if (host !== undefined && (typeof host !== 'string' || host === '')) invalidOption('host', 'a host name or address', host);
    const { path, sse } = resolveAttachOptions(options, 'listen');
    const server = createServer((_request, response) => {
      response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Not Found');
    });
    const detach = this.attach(server, { path, sse });
    this.#ownServers.add(server);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    }).catch((error: unknown) => {
      this.#ownServers.delete(server);
      detach();
      throw error;
    });
    const address = server.address() as AddressInfo;
    const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    return { server, port: address.port, url: `ws://${shownHost}:${address.port}${path}` };
  }

  /**
   * For hosts that route upgrades themselves: returns `false` (touching nothing) when the
   * path is not `<path>/<one segment>`; otherwise takes the request and answers it.
   */
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer, options?: HandleUpgradeOptions): boolean {
    return this.#ws.handleUpgrade(request, socket, head, resolveUpgradeOptions(options).base);
  }

  /**
   * Serves SSE at `<path>/<sessionId>` (default `/status`) from any request handler: Express
   * (`app.use(hub.sseHandler())`: other requests go to `next()`), a plain `http.createServer`
   * listener (returns `false`, touching nothing, for other paths), or `node:http2`'s compat API.
   * Every request for `<path>/<one segment>` is the handler's (other methods than `GET`/`HEAD`
   * get 405).
   */
  sseHandler(options?: SseHandlerOptions): SseRequestHandler {
    const { base } = resolveSseHandlerOptions(options);
    return (request, response, next) => {
      const handled = this.#sse.handle(request as HubRequest, response as HubResponse, base, false);
      if (!handled && typeof next === 'function') next();
      return handled;
    };
  }

  /**
   * Sends a status to every open connection of `sessionId` and records it as the session's
   * latest. Returns how many connections it was written (or queued) to; 0 after `close()`.
   * Throws `StatusMessengerError` for a bad session id or status.
   */
  send(sessionId: string, status: StatusInput): number {
    // A run sends all its statuses to one session: check an id once while it repeats.
    if (sessionId !== this.#checkedId) {
      assertSessionId(sessionId);
      this.#checkedId = sessionId;
    }
    const update = normalizeStatus(status, this.#options.maxStatusLength);
    if (this.#closing) return 0;
    const now = Date.now();
    return this.#core.publish(sessionId, update, now, now);
  }

  /** The longest status text `send` accepts (the `maxStatusLength` option): a run cuts its statuses to it. */
  get maxStatusLength(): number {
    return this.#options.maxStatusLength;
  }

  /**
   * Sends any other frame (e.g. the seed's `agent_message`) to every open connection of
   * `sessionId`. Not numbered, not replayed. Returns how many connections it went to.
   */
  sendFrame(sessionId: string, frame: { type: string } & Record<string, unknown>, options: SendFrameOptions = {}): number {
    assertSessionId(sessionId);
    if (typeof frame !== 'object' || frame === null || typeof frame.type !== 'string') {
      invalidOption('frame', 'an object with a string `type`', frame);
    }
    if (this.#closing) return 0;
    return this.#core.broadcast(sessionId, JSON.stringify(frame), options.coalesceKey);
  }

  /** Open connections (WebSockets and SSE streams) of `sessionId`. */
  socketCount(sessionId: string): number {
    return this.#core.countOf(sessionId);
  }

  stats(): StatusHubStats {
    const core = this.#core.stats();
    const closedByHub: Record<number, number> = { ...this.#ws.closedByHub };
    for (const [code, count] of Object.entries(this.#sse.closedByHub)) {
      closedByHub[Number(code)] = (closedByHub[Number(code)] ?? 0) + count;
    }
    return {
      sessions: this.#core.sessionCount,
      sockets: this.#ws.socketCount,
      sseStreams: this.#sse.streamCount,
      statusesSent: core.statusesSent,
      coalesced: core.coalesced,
      refused: { ...this.#admission.refused },
      closedByHub,
      heartbeatTerminations: this.#ws.heartbeatTerminations,
    };
  }

  /**
   * Stops accepting, closes every socket with 1001 and ends every SSE stream, and resolves when
   * all are gone (terminating stragglers after `closeTimeoutMs`). The server `listen` made is
   * closed too: any connection still open on it after `closeTimeoutMs` (one that never sent a
   * request, or half of one) is ended. Safe to call twice.
   */
  close(): Promise<void> {
    this.#closing ??= this.#shutdown();
    return this.#closing;
  }

  async #shutdown(): Promise<void> {
    for (const detach of [...this.#attached.values()]) detach();
    clearInterval(this.#sweep);
    // The hub's own servers stop accepting at once. A connection that never sent a request (a
    // browser's preconnect, a load balancer's warm connection) or sent half of one is not idle
    // to `server.close()` and would hold it open for minutes: past `closeTimeoutMs` every
    // connection still open is ended.
    const servers = [...this.#ownServers];
    const serversClosed = servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve())));
    const deadline = setTimeout(() => {
      for (const server of servers) server.closeAllConnections();
    }, this.#options.closeTimeoutMs);
    deadline.unref();
    await Promise.all([this.#ws.close(), this.#sse.close()]);
    this.#core.close();
    try {
      await this.#adapter.close();
    } catch (error) {
      this.#logger.error('The hub adapter threw in `close`.', error);
    }
    await Promise.all(serversClosed);
    clearTimeout(deadline);
    this.#ownServers.clear();
  }

  #deliver(status: NumberedStatus): number {
    if (this.#closing) return 0;
    if (!isDeliverable(status)) {
      this.#logger.error('A hub adapter delivered a malformed status; it was dropped.');
      return 0;
    }
    return this.#core.deliver(status);
  }

  #onStatus(status: NumberedStatus): void {
    if (this.listenerCount('status') === 0) return;
    this.#emitSafely('status', status.sessionId, status.frame as StatusFrame, { origin: status.origin, epoch: status.epoch });
  }

  // Listener failures (sync throws and async rejections) are logged, never thrown into a
  // transport or into the agent run that produced a status.
  #emitSafely<K extends keyof StatusHubEvents>(event: K, ...args: StatusHubEvents[K]): void {
    for (const listener of this.rawListeners(event) as ((...a: unknown[]) => unknown)[]) {
      try {
        const result = listener.apply(this, args);
        if (isThenable(result)) {
          Promise.resolve(result).catch((error: unknown) =>
            this.#logger.error(`A StatusHub '${String(event)}' listener rejected`, error),
          );
        }
      } catch (error) {
        this.#logger.error(`A StatusHub '${String(event)}' listener threw`, error);
      }
    }
  }
}

function isDeliverable(status: NumberedStatus): boolean {
  if (typeof status !== 'object' || status === null) return false;
  const { sessionId, epoch, seq, frame } = status;
  try {
    assertSessionId(sessionId);
  } catch {
    return false;
  }
  return (
    typeof epoch === 'string' &&
    EPOCH_PATTERN.test(epoch) &&
    Number.isSafeInteger(seq) &&
    seq > 0 &&
    typeof frame === 'object' &&
    frame !== null &&
    typeof frame.data === 'string' &&
    typeof frame.ts === 'string' &&
    typeof status.origin === 'string'
  );
}
