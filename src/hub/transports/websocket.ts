/**
 * The WebSocket transport: `ws(s)://host/<path>/<sessionId>` upgrades, through the shared
 * admission path, become subscribers of the session core. Here live what is WebSocket-only:
 * the handshake (`ws` with `noServer`, no `verifyClient`), the ping/pong heartbeat, inbound
 * text frames (rate-limited) for the hub's `message` event, and the close codes.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type { RawData, WebSocket } from 'ws';
import { CLOSE_CODES, RESUME_PARAMS } from '../../protocol.js';
import { FrameWriter } from '../frame-writer.js';
import type { FrameChannel, WriteResult } from '../frame-writer.js';
import type { ResolvedHubOptions } from '../hub-options.js';
import type { OutboundFrame } from '../outbound-frame.js';
import type { SessionCore, Subscriber } from '../session-core.js';
import type { Admission } from './admission.js';
import { Heartbeat } from './heartbeat.js';
import { TokenBucket } from './rate-limiter.js';
import { refuseUpgrade } from './server-routes.js';
import { FrameBurst, textFrame } from './ws-frames.js';

/** What the transport tells the hub (which emits its public events). */
export interface WebSocketEvents {
  connection(sessionId: string, socket: WebSocket, request: IncomingMessage): void;
  message(sessionId: string, data: string, socket: WebSocket): void;
  disconnect(sessionId: string, socket: WebSocket, code: number, reason: string): void;
}

// The close code ws sends after each of its protocol errors (see ws/lib/receiver.js).
const WS_ERROR_CLOSE_CODES: Record<string, number> = {
  WS_ERR_UNSUPPORTED_MESSAGE_LENGTH: CLOSE_CODES.MESSAGE_TOO_BIG,
  WS_ERR_INVALID_UTF8: 1007,
};

const toTextFrame = (frame: OutboundFrame): Buffer => textFrame(frame.json);

/** Destroys a TCP socket that errors while its upgrade is being decided. */
function destroyOnError(this: Duplex): void {
  this.destroy();
}

/** One open socket: a subscriber of the core, writing through the core's backpressure policy. */
class SocketSubscriber implements Subscriber, FrameChannel<string | Buffer> {
  readonly sessionId: string;
  readonly ws: WebSocket;
  readonly writer: FrameWriter<string | Buffer>;
  readonly limiter: TokenBucket | undefined;
  readonly #raw: Duplex;
  readonly #write: (this: Duplex, chunk: Buffer) => boolean;
  readonly #burst = new FrameBurst();
  #corked = false;

  constructor(sessionId: string, ws: WebSocket, raw: Duplex, options: ResolvedHubOptions, onOverflow: () => void) {
    this.sessionId = sessionId;
    this.ws = ws;
    this.#raw = raw;
    // Whatever else writes to this socket or ends it (ws itself: a user's ws.send, ping, pong,
    // the close frame, the end after the peer's FIN) first flushes the burst, so every frame
    // keeps its place in the byte stream.
    const write = raw.write as (this: Duplex, ...args: unknown[]) => boolean;
    const end = raw.end as (this: Duplex, ...args: unknown[]) => Duplex;
    this.#write = write;
    const burst = this.#burst;
    raw.write = function (this: Duplex, ...args: Parameters<Duplex['write']>): boolean {
      const bytes = burst.take();
      if (bytes && this.writable) write.call(this, bytes);
      return write.apply(this, args);
    } as Duplex['write'];
    raw.end = function (this: Duplex, ...args: Parameters<Duplex['end']>): Duplex {
      const bytes = burst.take();
      if (bytes && this.writable) write.call(this, bytes);
      return end.apply(this, args);
    } as Duplex['end'];
    this.writer = new FrameWriter(this, options.maxBufferedBytes, onOverflow);
    const limit = options.inboundRateLimit;
    this.limiter = limit ? new TokenBucket(limit.messages, limit.intervalMs, Date.now()) : undefined;
  }

  get coalesced(): number {
    return this.writer.coalesced;
  }

  write(frame: OutboundFrame, coalesceKey: string | undefined): WriteResult {
    // ws holds sends behind a Blob it is still reading (its own queue, counted in its
    // bufferedAmount): while it does, frames go through ws.send too, to stay behind it.
    if (this.ws.bufferedAmount > this.#raw.writableLength) {
      if (!this.isOpen()) return 'dropped';
      this.#flushBurst();
      this.ws.send(frame.json);
      return 'sent';
    }
    // Many connections share one prepared frame (header and UTF-8, built once); for one
    // connection the burst frames the JSON text straight into its own buffer.
    return this.writer.write(frame.fanout > 1 ? frame.encoded(toTextFrame) : frame.json, coalesceKey);
  }

  isOpen(): boolean {
    // ws leaves OPEN as soon as its socket ends, errors or closes (and before it sends a close frame).
    return this.ws.readyState === 1;
  }

  bufferedAmount(): number {
    // ws's own count (the socket's buffer and anything ws queued), plus the burst.
    return this.ws.bufferedAmount + this.#burst.size;
  }

  send(data: string | Buffer): void {
    if (typeof data === 'string') this.#burst.appendText(data);
    else this.#burst.appendFrame(data);
  }

  cork(): void {
    this.#corked = true;
  }

  uncork(): void {
    if (!this.#corked) return;
    this.#corked = false;
    this.#flushBurst();
  }

  #flushBurst(): void {
    const bytes = this.#burst.take();
    if (bytes && this.#raw.writable) this.#write.call(this.#raw, bytes);
  }

  whenDrained(callback: () => void): void {
    // 'drain' only follows a write that filled the buffer; with a cap below the stream's
    // high-water mark that may not have happened, so look again shortly instead.
    if (this.#raw.writableNeedDrain) this.#raw.once('drain', callback);
    else setTimeout(callback, 10).unref();
  }
}

export class WebSocketTransport {
  readonly #options: ResolvedHubOptions;
  readonly #core: SessionCore;
  readonly #admission: Admission;
  readonly #events: WebSocketEvents;
  readonly #wss: WebSocketServer;
  readonly #sockets = new Map<WebSocket, SocketSubscriber>();
  readonly #heartbeat: Heartbeat<WebSocket>;
  /** Sockets closed by the hub, by close code. */
  readonly closedByHub: Record<number, number> = {};
  heartbeatTerminations = 0;

  constructor(options: ResolvedHubOptions, core: SessionCore, admission: Admission, events: WebSocketEvents) {
    this.#options = options;
    this.#core = core;
    this.#admission = admission;
    this.#events = events;
    this.#wss = new WebSocketServer({
      noServer: true,
      clientTracking: false,
      perMessageDeflate: false,
      maxPayload: options.maxPayload,
    });
    this.#heartbeat = new Heartbeat<WebSocket>(
      options.heartbeatIntervalMs,
      options.heartbeatTimeoutMs,
      () => this.#sockets.keys(),
      () => {
        this.heartbeatTerminations += 1;
      },
    );
    this.#heartbeat.start();
  }

  get socketCount(): number {
    return this.#sockets.size;
  }

  /** `false` (touching nothing) for paths outside `basePath`; otherwise answers the upgrade. */
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer, basePath: string): boolean {
    return this.#admission.run('WebSocket', request, basePath, {
      admit: (sessionId, query) => this.#complete(request, socket, head, sessionId, query),
      refuse: ({ status, message, headers }) => refuseUpgrade(socket, status, message, headers),
      gone: () => socket.destroyed,
    }) && this.#guard(socket);
  }

  // Before anything asynchronous: an error on a socket nobody listens to would crash the process.
  #guard(socket: Duplex): true {
    if (!socket.destroyed && !socket.listeners('error').includes(destroyOnError)) socket.on('error', destroyOnError);
    return true;
  }

  #complete(request: IncomingMessage, socket: Duplex, head: Buffer, sessionId: string, query: URLSearchParams): void {
    if (socket.destroyed) return;
    this.#guard(socket);
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
      this.closedByHub[code] = (this.closedByHub[code] ?? 0) + 1;
    });
    const subscriber = new SocketSubscriber(sessionId, ws, raw, this.#options, () =>
      this.#close(ws, CLOSE_CODES.SLOW_CONSUMER, 'slow consumer'),
    );
    this.#sockets.set(ws, subscriber);
    ws.on('pong', () => this.#heartbeat.alive(ws));
    ws.on('message', (data, isBinary) => this.#onMessage(subscriber, data, isBinary));
    ws.once('close', (code, reason) => this.#onClose(subscriber, code, reason));
    this.#core.subscribe(sessionId, subscriber, resumeFromQuery(query), Date.now());
    this.#events.connection(sessionId, ws, request);
  }

  #onMessage(subscriber: SocketSubscriber, data: RawData, isBinary: boolean): void {
    const { ws } = subscriber;
    this.#heartbeat.alive(ws);
    if (!this.#sockets.has(ws)) return;
    if (isBinary) return this.#close(ws, CLOSE_CODES.UNSUPPORTED_DATA, 'text frames only');
    if (subscriber.limiter && !subscriber.limiter.take(Date.now())) {
      return this.#close(ws, CLOSE_CODES.POLICY_VIOLATION, 'rate limit exceeded');
    }
    const text = Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.from(data as Buffer).toString('utf8');
    this.#events.message(subscriber.sessionId, text, ws);
  }

  #onClose(subscriber: SocketSubscriber, code: number, reason: Buffer): void {
    const { ws } = subscriber;
    if (!this.#sockets.delete(ws)) return;
    this.#heartbeat.alive(ws);
    subscriber.writer.clear();
    this.#core.unsubscribe(subscriber, Date.now());
    this.#events.disconnect(subscriber.sessionId, ws, code, reason.toString('utf8'));
  }

  #close(ws: WebSocket, code: number, reason: string): void {
    if (ws.readyState === ws.CLOSING || ws.readyState === ws.CLOSED) return;
    this.closedByHub[code] = (this.closedByHub[code] ?? 0) + 1;
    this.#sockets.get(ws)?.writer.clear();
    ws.close(code, reason);
  }

  /** Closes every socket with 1001; resolves when all are gone (terminating stragglers). */
  async close(): Promise<void> {
    this.#heartbeat.stop();
    await Promise.all(
      [...this.#sockets.keys()].map(
        (ws) =>
          new Promise<void>((resolve) => {
            if (ws.readyState === ws.CLOSED) return resolve();
            const timer = setTimeout(() => ws.terminate(), this.#options.closeTimeoutMs);
            timer.unref();
            ws.once('close', () => {
              clearTimeout(timer);
              resolve();
            });
            this.#close(ws, CLOSE_CODES.GOING_AWAY, 'server shutting down');
          }),
      ),
    );
    await new Promise<void>((resolve) => this.#wss.close(() => resolve()));
  }
}

/** `?since=<seq>&epoch=<epoch>`: where a reconnecting client left off. */
export function resumeFromQuery(query: URLSearchParams): { since: number | undefined; epoch: string | undefined } {
  const since = query.get(RESUME_PARAMS.since);
  return {
    since: since !== null && /^\d{1,15}$/.test(since) ? Number(since) : undefined,
    epoch: query.get(RESUME_PARAMS.epoch) ?? undefined,
  };
}
