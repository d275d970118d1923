/**
 * The raw `ws` baseline: the least a hand-written server does to route statuses by session:
 * upgrade `/ws/<sessionId>`, keep a session → sockets map, forget closed sockets. No
 * validation, numbering, replay, backpressure or heartbeat.
 */
import http from 'node:http';
import type { Duplex } from 'node:stream';
import * as wsModule from 'ws';
import { WebSocketServer } from 'ws';
import type { WebSocket } from 'ws';
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
 * once by ws's own `Sender.frame`, header and payload in one buffer, written straight into the
 * socket, which is corked until the next microtask (one write per burst). A Buffer is a frame
 * already prepared by `preparedFrame`, built once for many sockets.
 */
export function framedSender(): (ws: WebSocket, data: string | Buffer) => void {
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
    socket.write(typeof data === 'string' ? preparedFrame(data) : data);
  };
}

const { Sender } = wsModule as unknown as {
  Sender: { frame(data: Buffer, options: { fin: boolean; opcode: number; mask: boolean; readOnly: boolean; rsv1: boolean }): Buffer[] };
};
const TEXT_FRAME = { fin: true, opcode: 0x01, mask: false, readOnly: true, rsv1: false } as const;

/** A whole text frame for `json`, framed by ws (`Sender.frame`), as the hub prepares one. */
export function preparedFrame(json: string): Buffer {
  const parts = Sender.frame(Buffer.from(json, 'utf8'), TEXT_FRAME);
  return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
}

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
