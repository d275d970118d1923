/**
 * Real servers and clients for tests: an `http.Server` on port 0 with a `StatusHub` attached,
 * and `ws` clients that record every frame they receive.
 */
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import WebSocket from 'ws';
import { StatusHub } from '../../src/hub/status-hub.js';
import type { StatusHubOptions } from '../../src/hub/hub-options.js';
import { parseServerFrame } from '../../src/protocol.js';
import type { ServerFrame, StatusFrame } from '../../src/protocol.js';

export interface HubServer {
  hub: StatusHub;
  server: http.Server;
  port: number;
  url(sessionId: string, query?: string): string;
  close(): Promise<void>;
}

export async function startHubServer(options: StatusHubOptions = {}, path = '/ws'): Promise<HubServer> {
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('ok');
  });
  const hub = new StatusHub(options);
  hub.attach(server, { path });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    hub,
    server,
    port,
    url: (sessionId, query) => `ws://127.0.0.1:${port}${path}/${sessionId}${query ? `?${query}` : ''}`,
    async close() {
      await hub.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export class TestClient {
  readonly socket: WebSocket;
  readonly frames: ServerFrame[] = [];
  readonly raw: string[] = [];
  #waiters: (() => void)[] = [];
  closed: Promise<{ code: number; reason: string }>;

  constructor(url: string, options?: WebSocket.ClientOptions) {
    this.socket = new WebSocket(url, options);
    this.socket.on('message', (data) => {
      const text = data.toString();
      this.raw.push(text);
      const frame = parseServerFrame(text);
      if (frame) this.frames.push(frame);
      for (const wake of this.#waiters.splice(0)) wake();
    });
    this.socket.on('error', () => {});
    this.closed = new Promise((resolve) => {
      this.socket.once('close', (code, reason) => {
        resolve({ code, reason: reason.toString() });
        for (const wake of this.#waiters.splice(0)) wake();
      });
    });
  }

  static async open(url: string, options?: WebSocket.ClientOptions): Promise<TestClient> {
    const client = new TestClient(url, options);
    await once(client.socket, 'open');
    return client;
  }

  /** The working statuses, without the end-of-run ones (`state` set; see `runEnds`). */
  get statuses(): StatusFrame[] {
    return this.frames.filter((frame): frame is StatusFrame => frame.type === 'status' && frame.state === undefined);
  }

  /** The end-of-run statuses `runWithStatus` sends (`state: 'done' | 'failed' | 'aborted'`). */
  get runEnds(): StatusFrame[] {
    return this.frames.filter((frame): frame is StatusFrame => frame.type === 'status' && frame.state !== undefined);
  }

  get statusTexts(): string[] {
    return this.statuses.map((frame) => frame.data);
  }

  /** Resolves once `predicate` holds (checked on every frame), or rejects after `timeoutMs`. */
  async waitFor(predicate: (client: TestClient) => boolean, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate(this)) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out; frames so far: ${this.raw.slice(-10).join(' | ')}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 250));
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  close(): Promise<{ code: number; reason: string }> {
    this.socket.close();
    return this.closed;
  }
}

/** Sends a raw HTTP upgrade request; resolves with the status line's code (101 on success). */
export function rawUpgrade(
  port: number,
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = http.request({
      host: '127.0.0.1',
      port,
      path,
      headers: {
        Connection: 'Upgrade',
        Upgrade: 'websocket',
        'Sec-WebSocket-Version': '13',
        'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==',
        ...headers,
      },
    });
    request.on('upgrade', (res, socket) => {
      socket.destroy();
      resolve({ status: res.statusCode ?? 0, body: '' });
    });
    request.on('response', (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    request.on('error', reject);
    request.end();
  });
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
