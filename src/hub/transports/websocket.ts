/**
 * The WebSocket transport: `ws(s)://host/<path>/<sessionId>` upgrades, through the shared
 * admission path, become subscribers of the session core. Here live what is WebSocket-only:
 * the handshake (`ws` with `noServer`, no `verifyClient`), the ping/pong heartbeat, inbound
 * text frames (rate-limited) for the hub's `message` event, and the close codes.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import * as wsModule from 'ws';
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

// ws's own framing: `Sender.frame` (public since ws 2.0 so that a frame sent to many sockets is
// built once, websockets/ws#1016; @types/ws does not declare it). Unmasked, as a server's frames
// are, it returns [header, payload].
const { Sender } = wsModule as unknown as {
  Sender: { frame(data: Buffer, options: { fin: boolean; opcode: number; mask: boolean; readOnly: boolean; rsv1: boolean }): Buffer[] };
};
const TEXT_FRAME = { fin: true, opcode: 0x01, mask: false, readOnly: true, rsv1: false } as const;
const AS_TEXT = { binary: false } as const;

const toUtf8 = (frame: OutboundFrame): Buffer => Buffer.from(frame.json, 'utf8');

/**
 * The frame as one whole WebSocket text frame, header and payload in one buffer: built once per
 * frame and shared by every socket of its session (the "prepared message" of gorilla/websocket),
 * one write per socket.
 */
const toTextFrame = (frame: OutboundFrame): Buffer => {
  const parts = Sender.frame(Buffer.from(frame.json, 'utf8'), TEXT_FRAME);
  return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
};

/** Destroys a TCP socket that errors while its upgrade is being decided. */
function destroyOnError(this: Duplex): void {
  this.destroy();
}

/** One open socket: a subscriber of the core, writing through the core's backpressure policy. */
class SocketSubscriber implements Subscriber, FrameChannel<OutboundFrame> {
  readonly sessionId: string;
  readonly ws: WebSocket;
  readonly writer: FrameWriter<OutboundFrame>;
  readonly limiter: TokenBucket | undefined;
  readonly #raw: Duplex;

  constructor(sessionId: string, ws: WebSocket, raw: Duplex, options: ResolvedHubOptions, onOverflow: () => void) {
    this.sessionId = sessionId;
    this.ws = ws;
    this.#raw = raw;
    this.writer = new FrameWriter<OutboundFrame>(this, options.maxBufferedBytes, onOverflow);
    const limit = options.inboundRateLimit;
    this.limiter = limit ? new TokenBucket(limit.messages, limit.intervalMs, Date.now()) : undefined;
  }

  get coalesced(): number {
    return this.writer.coalesced;
  }

  write(frame: OutboundFrame, coalesceKey: string | undefined): WriteResult {
    return this.writer.write(frame, coalesceKey);
  }

  isOpen(): boolean {
    // ws leaves OPEN as soon as its socket ends, errors or closes (and before it sends a close frame).
    return this.ws.readyState === 1;
  }

  bufferedAmount(): number {
    // The socket's buffer and anything ws queued.
    return this.ws.bufferedAmount;
  }

  size(frame: OutboundFrame): number {
    return frame.encoded(toTextFrame).length;
  }

  send(frame: OutboundFrame): void {
    // The prepared frame goes straight into the socket, in call order with whatever ws itself
    // writes there (the app's ws.send, ping, the close frame). Except while ws holds sends in a
    // queue of its own (behind a Blob it is still reading, counted in its bufferedAmount but not
    // yet in the socket's): then through ws.send, to stay behind them.
    if (this.ws.bufferedAmount > this.#raw.writableLength) this.ws.send(frame.encoded(toUtf8), AS_TEXT);
    else if (this.#raw.writable) this.#raw.write(frame.encoded(toTextFrame));
  }

  cork(): void {
    this.#raw.cork();
  }

  uncork(): void {
    this.#raw.uncork();
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
