/**
 * `StatusHub`: serves `ws(s)://host/ws/<sessionId>` on the host's HTTP server and fans each
 * status out to every open socket of its session, numbered (`seq`), replayable, with
 * backpressure, a heartbeat, and all refusals answered before the upgrade.
 */
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { createServer } from 'node:http';
import type { IncomingMessage, Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Server as HttpsServer } from 'node:https';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type { RawData, WebSocket } from 'ws';
import { assertSessionId } from '../context/status-session.js';
import type { StatusSink } from '../context/status-session.js';
import { invalidOption, StatusMessengerError } from '../errors.js';
import { getDefaultLogger } from '../logger.js';
import type { Logger } from '../logger.js';
import { normalizeStatus } from '../normalize-status.js';
import { CLOSE_CODES, PROTOCOL_VERSION, RESUME_PARAMS } from '../protocol.js';
import type { GapFrame, HelloFrame, StatusFrame, StatusInput, StatusUpdate } from '../protocol.js';
import { Heartbeat } from './heartbeat.js';
import { resolveHubOptions } from './hub-options.js';
import type { ResolvedHubOptions, StatusHubOptions } from './hub-options.js';
import { TokenBucket } from './rate-limiter.js';
import { SessionRegistry } from './session-registry.js';
import { SocketWriter } from './socket-writer.js';
import { StatusHistory } from './status-history.js';
import { destroyOnError, isThenable, UpgradeGate } from './upgrade-gate.js';
import { refuseUpgrade } from './upgrade-checks.js';

export interface StatusHubEvents {
  /** A socket joined `sessionId` (after the hello and replay frames were written). */
  connection: [sessionId: string, socket: WebSocket, request: IncomingMessage];
  /** A text frame from a socket of `sessionId` (the chat example's chat text). */
  message: [sessionId: string, data: string, socket: WebSocket];
  /** A socket of `sessionId` closed. */
  disconnect: [sessionId: string, socket: WebSocket, code: number, reason: string];
  /**
   * A status was accepted for `sessionId` (whether or not any socket was open). `meta.origin` is
   * set when it came from another instance through `deliverRelayed`.
   */
  status: [sessionId: string, frame: StatusFrame, meta: StatusEventMeta];
}

export interface StatusEventMeta {
  /** The instance that produced a relayed status; `undefined` for statuses sent here. */
  origin: string | undefined;
}

export interface AttachOptions {
  /** The URL path prefix; sockets connect to `<path>/<sessionId>`. @default '/ws' */
  path?: string;
}

export interface SendFrameOptions {
  /**
   * Frames with the same key replace each other while a socket is slow (e.g. `agent_message`
   * carrying the whole text so far). @default none: the frame is never skipped
   */
  coalesceKey?: string;
}

export interface StatusHubStats {
  /** Sessions the hub holds state for (open sockets or recent statuses). */
  sessions: number;
  /** Open sockets. */
  sockets: number;
  /** Statuses accepted since the hub started. */
  statusesSent: number;
  /** Frames a slow socket skipped because a newer one replaced them. */
  coalesced: number;
  /** Upgrade requests refused, by HTTP status. */
  refused: Record<number, number>;
  /** Sockets closed by the hub, by close code (1008 rate limit, 1009 too big, 4008 slow…). */
  closedByHub: Record<number, number>;
  /** Sockets terminated by the heartbeat. */
  heartbeatTerminations: number;
}

interface ClientState {
  readonly sessionId: string;
  readonly writer: SocketWriter;
  readonly limiter: TokenBucket | undefined;
}

type AnyServer = HttpServer | HttpsServer;
type UpgradeListener = (request: IncomingMessage, socket: Duplex, head: Buffer) => void;

const STATUS_COALESCE_KEY = 'status';

// The close code ws sends after each of its protocol errors (see ws/lib/receiver.js).
const WS_ERROR_CLOSE_CODES: Record<string, number> = {
  WS_ERR_UNSUPPORTED_MESSAGE_LENGTH: CLOSE_CODES.MESSAGE_TOO_BIG,
  WS_ERR_INVALID_UTF8: 1007,
};

export class StatusHub extends EventEmitter<StatusHubEvents> implements StatusSink {
  readonly #options: ResolvedHubOptions;
  readonly #wss: WebSocketServer;
  readonly #registry = new SessionRegistry<WebSocket>();
  readonly #clients = new Map<WebSocket, ClientState>();
  readonly #histories = new Map<string, StatusHistory>();
  readonly #gate: UpgradeGate;
  readonly #attached = new Map<AnyServer, UpgradeListener>();
  readonly #heartbeat: Heartbeat<WebSocket>;
  readonly #sweep: NodeJS.Timeout;
  #closing: Promise<void> | undefined;
  readonly #ownServers = new Set<HttpServer>();
  #statusesSent = 0;
  #coalescedFromClosed = 0;
  readonly #refused: Record<number, number> = {};
  readonly #closedByHub: Record<number, number> = {};
  #heartbeatTerminations = 0;
  #lastIsoAt = Number.NaN;
  #lastIso = '';

  constructor(options: StatusHubOptions = {}) {
    super();
    this.#options = resolveHubOptions(options);
    this.#wss = new WebSocketServer({
      noServer: true,
      clientTracking: false,
      perMessageDeflate: false,
      maxPayload: this.#options.maxPayload,
    });
    this.#heartbeat = new Heartbeat<WebSocket>(
      this.#options.heartbeatIntervalMs,
      this.#options.heartbeatTimeoutMs,
      () => this.#registry.sockets(),
      () => {
        this.#heartbeatTerminations += 1;
      },
    );
    this.#heartbeat.start();
    const hub = this;
    this.#gate = new UpgradeGate(this.#options, {
      get closing() {
        return hub.#closing !== undefined;
      },
      socketCount: () => this.#registry.socketCount,
      sessionSocketCount: (sessionId) => this.#registry.countOf(sessionId),
      refuse: (socket, status, message, headers) => this.#refuse(socket, status, message, headers),
      admit: (request, socket, head, sessionId, query) => this.#complete(request, socket, head, sessionId, query),
      logger: () => this.#logger,
    });
    this.#sweep = setInterval(() => this.#evictIdleSessions(), Math.min(this.#options.historyTtlMs, 30_000));
    this.#sweep.unref();
  }

  get #logger(): Logger {
    return this.#options.logger ?? getDefaultLogger();
  }

  /**
   * Serves `<path>/<sessionId>` upgrades on `server`. Upgrades for other paths are left to
   * other listeners (answered 404 when there are none). Returns a function that detaches.
   */
  attach(server: AnyServer, options: AttachOptions = {}): () => void {
    if (this.#closing) throw new StatusMessengerError('ERR_HUB_CLOSED', 'Cannot attach a StatusHub after close()');
    if (typeof server?.on !== 'function') invalidOption('server', 'an http.Server or https.Server', server);
    const path = options.path ?? '/ws';
    if (typeof path !== 'string' || !/^\/[^?#]*$/.test(path) || (path.length > 1 && path.endsWith('/'))) {
      invalidOption('path', 'a URL path like "/ws" (leading slash, no trailing slash)', path);
    }
    if (this.#attached.has(server)) invalidOption('server', 'a server this hub is not attached to yet', '[server]');
    const base = path === '/' ? '' : path;
    const listener: UpgradeListener = (request, socket, head) => {
      if (this.handleUpgrade(request, socket, head, { path: base })) return;
      // Not ours. If nobody else listens, answer rather than leave the client hanging.
      if (server.listenerCount('upgrade') === 1) refuseUpgrade(socket, 404, 'Not Found');
    };
    server.on('upgrade', listener);
    this.#attached.set(server, listener);
    return () => {
      server.off('upgrade', listener);
      this.#attached.delete(server);
    };
  }

  /**
   * Serves the hub on an HTTP server of its own, for hosts whose server you cannot attach to
   * (ADK's `adk web` / `adk api_server`, a framework that hides its server). Other paths get 404.
   * Resolves once listening; `port: 0` picks a free port (read it from the result). `hub.close()`
   * closes this server too.
   */
  async listen(port: number, host?: string, options: AttachOptions = {}): Promise<{ server: HttpServer; port: number; url: string }> {
    if (this.#closing) throw new StatusMessengerError('ERR_HUB_CLOSED', 'Cannot listen after close()');
    if (!Number.isSafeInteger(port) || port < 0 || port > 65535) invalidOption('port', 'an integer 0–65535', port);
    if (host !== undefined && (typeof host !== 'string' || host === '')) invalidOption('host', 'a host name or address', host);
    const server = createServer((_request, response) => {
      response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Not Found');
    });
    this.attach(server, options);
    this.#ownServers.add(server);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    }).catch((error: unknown) => {
      this.#ownServers.delete(server);
      this.#attached.get(server) && server.off('upgrade', this.#attached.get(server)!);
      this.#attached.delete(server);
      throw error;
    });
    const address = server.address() as AddressInfo;
    const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    return { server, port: address.port, url: `ws://${shownHost}:${address.port}${options.path ?? '/ws'}` };
  }

  /**
   * For hosts that route upgrades themselves: returns `false` (touching nothing) when the
   * path is not `<path>/...`; otherwise takes the request and answers it.
   */
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer, options: AttachOptions = {}): boolean {
    return this.#gate.handle(request, socket, head, options.path ?? '/ws');
  }

  /**
   * Sends a status to every open socket of `sessionId` and records it as the session's
   * latest. Returns how many sockets it was written (or queued) to; 0 after `close()`.
   * Throws `StatusMessengerError` for a bad session id or status.
   */
  send(sessionId: string, status: StatusInput): number {
    assertSessionId(sessionId);
    const update = normalizeStatus(status, this.#options.maxStatusLength);
    if (this.#closing) return 0;
    return this.#accept(sessionId, update, Date.now(), undefined);
  }

  /**
   * For relays between instances: delivers a status that another instance accepted, keeping
   * its details and time, numbered in this hub's own `seq`. `status` listeners receive
   * `{ origin }` so they can tell it from a local one (and not relay it back).
   */
  deliverRelayed(sessionId: string, status: StatusInput, meta: { origin: string; ts?: string }): number {
    assertSessionId(sessionId);
    const update = normalizeStatus(status, this.#options.maxStatusLength);
    if (typeof meta?.origin !== 'string' || meta.origin === '') invalidOption('meta.origin', 'a non-empty string', meta?.origin);
    if (this.#closing) return 0;
    const parsed = meta.ts === undefined ? Number.NaN : Date.parse(meta.ts);
    return this.#accept(sessionId, update, Number.isFinite(parsed) ? parsed : Date.now(), meta.origin);
  }

  #accept(sessionId: string, update: StatusUpdate, at: number, origin: string | undefined): number {
    const now = Date.now();
    const history = this.#historyFor(sessionId, now);
    let frame: StatusFrame | undefined;
    const entry = history.append((seq) => {
      frame = { type: 'status', data: update.message, seq, ts: this.#isoTime(at) };
      if (update.level !== undefined) frame.level = update.level;
      if (update.progress !== undefined) frame.progress = update.progress;
      if (update.agent !== undefined) frame.agent = update.agent;
      if (update.tool !== undefined) frame.tool = update.tool;
      return JSON.stringify(frame);
    }, now);
    this.#statusesSent += 1;
    const written = this.#writeToSession(sessionId, entry.json, STATUS_COALESCE_KEY);
    if (this.listenerCount('status') > 0) this.#emitSafely('status', sessionId, frame!, { origin });
    return written;
  }

  /**
   * Sends any other frame (e.g. the seed's `agent_message`) to every open socket of
   * `sessionId`. Not numbered, not replayed. Returns how many sockets it went to.
   */
  sendFrame(sessionId: string, frame: { type: string } & Record<string, unknown>, options: SendFrameOptions = {}): number {
    assertSessionId(sessionId);
    if (typeof frame !== 'object' || frame === null || typeof frame.type !== 'string') {
      invalidOption('frame', 'an object with a string `type`', frame);
    }
    if (this.#closing) return 0;
    return this.#writeToSession(sessionId, JSON.stringify(frame), options.coalesceKey);
  }

  /** Open sockets of `sessionId`. */
  socketCount(sessionId: string): number {
    return this.#registry.countOf(sessionId);
  }

  stats(): StatusHubStats {
    let coalesced = this.#coalescedFromClosed;
    for (const client of this.#clients.values()) coalesced += client.writer.coalesced;
    return {
      sessions: this.#histories.size,
      sockets: this.#registry.socketCount,
      statusesSent: this.#statusesSent,
      coalesced,
      refused: { ...this.#refused },
      closedByHub: { ...this.#closedByHub },
      heartbeatTerminations: this.#heartbeatTerminations,
    };
  }

  /**
   * Stops accepting, closes every socket with 1001, and resolves when all are gone
   * (terminating stragglers after `closeTimeoutMs`). Safe to call twice.
   */
  close(): Promise<void> {
    this.#closing ??= this.#shutdown();
    return this.#closing;
  }

  async #shutdown(): Promise<void> {
    for (const [server, listener] of this.#attached) server.off('upgrade', listener);
    this.#attached.clear();
    this.#heartbeat.stop();
    clearInterval(this.#sweep);
    const sockets = [...this.#registry.sockets()];
    await Promise.all(
      sockets.map(
        (socket) =>
          new Promise<void>((resolve) => {
            if (socket.readyState === socket.CLOSED) return resolve();
            const timer = setTimeout(() => socket.terminate(), this.#options.closeTimeoutMs);
            timer.unref();
            socket.once('close', () => {
              clearTimeout(timer);
              resolve();
            });
            this.#closeSocket(socket, CLOSE_CODES.GOING_AWAY, 'server shutting down');
          }),
      ),
    );
    this.#histories.clear();
    await Promise.all(
      [...this.#ownServers].map((server) => new Promise<void>((resolve) => server.close(() => resolve()))),
    );
    this.#ownServers.clear();
    await new Promise<void>((resolve) => this.#wss.close(() => resolve()));
  }

  #refuse(socket: Duplex, status: number, message: string, headers?: Record<string, string>): void {
    this.#refused[status] = (this.#refused[status] ?? 0) + 1;
    refuseUpgrade(socket, status, message, headers);
  }

  #complete(request: IncomingMessage, socket: Duplex, head: Buffer, sessionId: string, query: URLSearchParams): void {
    if (socket.destroyed) return;
    // With noServer and no verifyClient, ws completes the handshake synchronously (or
    // answers 400 itself for a malformed one, in which case the callback never runs).
    this.#wss.handleUpgrade(request, socket, head, (ws) => {
      socket.off('error', destroyOnError);
      this.#onConnection(ws, socket, sessionId, request, query);
    });
  }

  #onConnection(ws: WebSocket, raw: Duplex, sessionId: string, request: IncomingMessage, query: URLSearchParams): void {
    ws.on('error', (error) => {
      // ws closes the socket itself after a protocol error; count it with the hub's own closes.
      const code = WS_ERROR_CLOSE_CODES[(error as { code?: string }).code ?? ''] ?? 1002;
      this.#closedByHub[code] = (this.#closedByHub[code] ?? 0) + 1;
      this.#logger.debug(`socket error in session ${sessionId}`, error);
    });
    const options = this.#options;
    const now = Date.now();
    const writer = new SocketWriter(ws, raw, options.maxBufferedBytes, () =>
      this.#closeSocket(ws, CLOSE_CODES.SLOW_CONSUMER, 'slow consumer'),
    );
    const limit = options.inboundRateLimit;
    const limiter = limit ? new TokenBucket(limit.messages, limit.intervalMs, now) : undefined;
    this.#clients.set(ws, { sessionId, writer, limiter });
    this.#registry.add(sessionId, ws);

    ws.on('pong', () => this.#heartbeat.alive(ws));
    ws.on('message', (data, isBinary) => this.#onMessage(ws, data, isBinary));
    ws.once('close', (code, reason) => this.#onClose(ws, code, reason));

    // Hello, then the resume plan: all written before any later status can interleave.
    const history = this.#historyFor(sessionId, now);
    const since = parseSeq(query.get(RESUME_PARAMS.since));
    const epoch = query.get(RESUME_PARAMS.epoch) ?? undefined;
    const plan = history.resume(since, epoch, now);
    const hello: HelloFrame = { type: 'hello', v: PROTOCOL_VERSION, epoch: history.epoch, seq: history.lastSeq };
    writer.write(JSON.stringify(hello));
    if (plan.gap) {
      const gap: GapFrame = { type: 'gap', ...plan.gap };
      writer.write(JSON.stringify(gap));
    }
    for (const entry of plan.entries) writer.write(`${entry.json.slice(0, -1)},"replay":true}`);
    this.#emitSafely('connection', sessionId, ws, request);
  }

  #onMessage(ws: WebSocket, data: RawData, isBinary: boolean): void {
    this.#heartbeat.alive(ws);
    const client = this.#clients.get(ws);
    if (!client) return;
    if (isBinary) return this.#closeSocket(ws, CLOSE_CODES.UNSUPPORTED_DATA, 'text frames only');
    if (client.limiter && !client.limiter.take(Date.now())) {
      return this.#closeSocket(ws, CLOSE_CODES.POLICY_VIOLATION, 'rate limit exceeded');
    }
    const text = Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.from(data as Buffer).toString('utf8');
    this.#emitSafely('message', client.sessionId, text, ws);
  }

  #onClose(ws: WebSocket, code: number, reason: Buffer): void {
    const client = this.#clients.get(ws);
    this.#clients.delete(ws);
    this.#heartbeat.alive(ws);
    const sessionId = this.#registry.remove(ws);
    if (!client || sessionId === undefined) return;
    this.#coalescedFromClosed += client.writer.coalesced;
    client.writer.clear();
    const history = this.#histories.get(sessionId);
    if (history) history.lastActivity = Date.now();
    this.#emitSafely('disconnect', sessionId, ws, code, reason.toString('utf8'));
  }

  #closeSocket(ws: WebSocket, code: number, reason: string): void {
    if (ws.readyState === ws.CLOSING || ws.readyState === ws.CLOSED) return;
    this.#closedByHub[code] = (this.#closedByHub[code] ?? 0) + 1;
    this.#clients.get(ws)?.writer.clear();
    ws.close(code, reason);
  }

  #writeToSession(sessionId: string, json: string, coalesceKey: string | undefined): number {
    const sockets = this.#registry.socketsOf(sessionId);
    if (sockets.size === 0) return 0;
    // Encoded once, whatever the number of sockets.
    const data = sockets.size === 1 ? json : Buffer.from(json, 'utf8');
    let written = 0;
    for (const socket of sockets) {
      const client = this.#clients.get(socket);
      if (client && client.writer.write(data, coalesceKey) !== 'dropped') written += 1;
    }
    return written;
  }

  // Statuses come in bursts within one millisecond; format the time once per millisecond.
  #isoTime(at: number): string {
    if (at !== this.#lastIsoAt) {
      this.#lastIsoAt = at;
      this.#lastIso = new Date(at).toISOString();
    }
    return this.#lastIso;
  }

  #historyFor(sessionId: string, now: number): StatusHistory {
    let history = this.#histories.get(sessionId);
    if (!history) {
      const limits = { maxEntries: this.#options.historySize, maxAgeMs: this.#options.historyTtlMs };
      history = new StatusHistory(randomBytes(6).toString('base64url'), limits, now);
      this.#histories.set(sessionId, history);
    }
    return history;
  }

  #evictIdleSessions(): void {
    const now = Date.now();
    for (const [sessionId, history] of this.#histories) {
      if (this.#registry.countOf(sessionId) > 0) {
        history.prune(now);
      } else if (now - history.lastActivity >= this.#options.historyTtlMs) {
        this.#histories.delete(sessionId);
      }
    }
  }

  // Listener failures (sync throws and async rejections) are logged, never thrown into ws
  // or into the agent run that produced a status.
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

function parseSeq(value: string | null): number | undefined {
  if (value === null || !/^\d{1,15}$/.test(value)) return undefined;
  return Number(value);
}
