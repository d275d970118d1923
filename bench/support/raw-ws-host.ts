/**
 * The raw `ws` baseline: the least a hand-written server does to route statuses by session:
 * upgrade `/ws/<sessionId>`, keep a session → sockets map, forget closed sockets. No
 * validation, numbering, replay, backpressure or heartbeat.
 */
import http from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type { WebSocket } from 'ws';
import { FrameBurst, textFrame } from '../../src/hub/transports/ws-frames.js';
import { closeServer, listen } from './listen.js';

export interface RawWsHost {
  sessions: Map<string, Set<WebSocket>>;
  port: number;
  url(sessionId: string): string;
  /** Open sockets. */
  socketCount(): number;
  close(): Promise<void>;
}

/**
 * Sends like `ws.send`, but corks the TCP socket until the next microtask, so a burst of frames
 * leaves in one write (one system call), as the hub does. This is the honest limit for a server
 * that writes each status as it comes; an uncorked loop pays one write per frame.
 */
export function corkedSender(): (ws: WebSocket, data: string | Buffer) => void {
  const corked = new Set<Duplex>();
  const uncorkAll = (): void => {
    for (const socket of corked) socket.uncork();
    corked.clear();
  };
  return (ws, data) => {
    const socket = (ws as unknown as { _socket: Duplex })._socket;
    if (!corked.has(socket)) {
      socket.cork();
      corked.add(socket);
      if (corked.size === 1) queueMicrotask(uncorkAll);
    }
    // A Buffer is the UTF-8 of a text frame, encoded once for many sockets (as the hub does).
    if (typeof data === 'string') ws.send(data);
    else ws.send(data, AS_TEXT);
  };
}

const AS_TEXT = { binary: false } as const;

/**
 * What the hub's WebSocket transport does to the socket, and nothing else: each frame framed
 * (RFC 6455) straight into the socket's burst buffer (the same `FrameBurst` the hub uses), and
 * one write of one buffer per socket when the burst ends (the next microtask). A Buffer is a
 * prepared frame (`preparedFrame`), built once for many sockets. The limit for a server that
 * numbers, times and encodes each status.
 */
export function gatheredSender(): (ws: WebSocket, data: string | Buffer) => void {
  const bursts = new Map<Duplex, FrameBurst>();
  const flushAll = (): void => {
    for (const [socket, burst] of bursts) {
      const bytes = burst.take();
      if (bytes) socket.write(bytes);
    }
    bursts.clear();
  };
  return (ws, data) => {
    const socket = (ws as unknown as { _socket: Duplex })._socket;
    let burst = bursts.get(socket);
    if (!burst) {
      bursts.set(socket, (burst = new FrameBurst()));
      if (bursts.size === 1) queueMicrotask(flushAll);
    }
    if (typeof data === 'string') burst.appendText(data);
    else burst.appendFrame(data);
  };
}

/** A whole text frame for `json`, to send to many sockets with `gatheredSender`. */
export const preparedFrame = (json: string): Buffer => textFrame(json);

export async function startRawWsHost(): Promise<RawWsHost> {
  const server = http.createServer((_req, res) => res.end());
  const wss = new WebSocketServer({ noServer: true, clientTracking: false, perMessageDeflate: false, maxPayload: 64 * 1024 });
  const sessions = new Map<string, Set<WebSocket>>();
  let sockets = 0;
  server.on('upgrade', (request, socket, head) => {
    const sessionId = (request.url ?? '').slice('/ws/'.length);
    wss.handleUpgrade(request, socket, head, (ws) => {
      ws.on('error', () => {});
      let set = sessions.get(sessionId);
      if (!set) sessions.set(sessionId, (set = new Set()));
      set.add(ws);
      sockets += 1;
      ws.once('close', () => {
        sockets -= 1;
        set.delete(ws);
        if (set.size === 0) sessions.delete(sessionId);
      });
    });
  });
  const port = await listen(server);
  return {
    sessions,
    port,
    url: (sessionId) => `ws://127.0.0.1:${port}/ws/${sessionId}`,
    socketCount: () => sockets,
    async close() {
      for (const set of sessions.values()) for (const ws of set) ws.terminate();
      await closeServer(server);
    },
  };
}
