/**
 * The hub's routes on a host's HTTP server (`hub.attach`): which requests a hub takes, which it
 * leaves to the app, and the single answer an upgrade nobody serves gets, with one hub or several.
 */
import { once } from 'node:events';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import { StatusHub } from '../../src/hub/status-hub.js';
import { rawUpgrade, TestClient } from '../support/hub-server.js';
import { SseTestClient } from '../support/sse-client.js';

async function listen(server: http.Server): Promise<number> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as AddressInfo).port;
}

async function closeServer(server: http.Server): Promise<void> {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
}

/** Sends raw bytes; resolves with everything the server wrote and whether it closed the socket. */
function rawExchange(port: number, request: string, timeoutMs = 5000): Promise<{ response: string; closedByServer: boolean }> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let response = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => (response += chunk));
    socket.on('error', () => {});
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ response, closedByServer: false });
    }, timeoutMs);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ response, closedByServer: true });
    });
    socket.write(request);
  });
}

const upgradeTo = (path: string) =>
  `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n` +
  `Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`;

describe('hub.attach: routes on a host server', () => {
  describe('the requests a hub takes', () => {
    /** An app with its own SSE, POST-stream and WebSocket endpoints, and a hub attached at `path`. */
    async function startApp(path: string, appPaths: string[]) {
      const appSockets = new WebSocketServer({ noServer: true });
      appSockets.on('connection', (ws) => ws.send('from the app'));
      const server = http.createServer((req, res) => {
        if (req.method === 'OPTIONS') return void res.writeHead(204, { 'X-App': 'preflight' }).end();
        if (req.headers.accept?.includes('text/event-stream')) {
          return void res.writeHead(200, { 'Content-Type': 'text/event-stream' }).end(`data: app ${req.method} ${req.url}\n\n`);
        }
        res.end(`app ${req.url}`);
      });
      // The app's own upgrade listener, for its own paths (a hub never answers them).
      server.on('upgrade', (req, socket, head) => {
        if (appPaths.includes(req.url!)) appSockets.handleUpgrade(req, socket, head, (ws) => appSockets.emit('connection', ws, req));
      });
      const hub = new StatusHub({ heartbeatIntervalMs: 0, allowedOrigins: ['https://app.example.com'] });
      hub.attach(server, { path });
      const port = await listen(server);
      return {
        hub,
        port,
        async close() {
          await hub.close();
          for (const ws of appSockets.clients) ws.terminate();
          await closeServer(server);
        },
      };
    }

    const appSocketSays = (url: string) =>
      new Promise<string>((resolve, reject) => {
        const ws = new WebSocket(url);
        ws.once('message', (data) => {
          resolve(data.toString());
          ws.close();
        });
        ws.once('error', reject);
      });

    it.each([
      ['/', '/s1', ['/app/socket', '/app/socket/deeper']],
      ['/ws', '/ws/s1', ['/app/socket', '/ws/s1/deeper']],
    ])('with path %p: serves %p, leaves deeper paths and the app’s own endpoints to the app', async (path, own, others) => {
      const app = await startApp(path, others);
      try {
        const client = await TestClient.open(`ws://127.0.0.1:${app.port}${own}`);
        app.hub.send('s1', 'from the hub');
        await client.waitFor((c) => c.statuses.length === 1);
        const sse = await SseTestClient.open(app.port, own);
        await sse.waitFor((c) => c.statuses.length === 1);
        await Promise.all([client.close(), sse.close()]);
        for (const other of others) {
          expect(await appSocketSays(`ws://127.0.0.1:${app.port}${other}`)).toBe('from the app');
          const appSse = await SseTestClient.open(app.port, other);
          await appSse.waitFor((c) => c.events.length === 1);
          expect(appSse.events[0]!.data).toBe(`app GET ${other}`);
        }
        // A POST that wants a stream (ADK's /run_sse) and a preflight for it are the app's, even one segment deep.
        const post = await SseTestClient.open(app.port, '/run_sse', {}, 'POST');
        await post.waitFor((c) => c.events.length === 1);
        expect(post.events[0]!.data).toBe('app POST /run_sse');
        const preflight = await fetch(`http://127.0.0.1:${app.port}/run_sse`, {
          method: 'OPTIONS',
          headers: { Origin: 'https://app.example.com', 'Access-Control-Request-Method': 'POST' },
        });
        expect([preflight.status, preflight.headers.get('x-app')]).toEqual([204, 'preflight']);
        expect(app.hub.stats().refused).toEqual({});
      } finally {
        await app.close();
      }
    });
  });

  describe('several hubs on one server', () => {
    for (const hubs of [1, 2, 3]) {
      it(`answers an upgrade nobody serves exactly once (404) and closes the socket, with ${hubs} hub(s)`, async () => {
        const server = http.createServer();
        const all = Array.from({ length: hubs }, (_, i) => {
          const hub = new StatusHub({ heartbeatIntervalMs: 0 });
          hub.attach(server, { path: `/hub${i}` });
          return hub;
        });
        const port = await listen(server);
        try {
          const { response, closedByServer } = await rawExchange(port, upgradeTo('/other/x'));
          expect(response.match(/HTTP\/1\.1 /g)).toHaveLength(1);
          expect(response).toMatch(/^HTTP\/1\.1 404/);
          expect(closedByServer).toBe(true);
          // Each hub still serves its own path.
          for (let i = 0; i < hubs; i += 1) {
            const client = await TestClient.open(`ws://127.0.0.1:${port}/hub${i}/s`);
            all[i]!.send('s', `hub ${i}`);
            await client.waitFor((c) => c.statuses.length === 1);
            await client.close();
          }
        } finally {
          await Promise.all(all.map((hub) => hub.close()));
          await new Promise((resolve) => server.close(resolve));
        }
      });
    }

    it('leaves unserved upgrades to the server’s own upgrade listener when it has one', async () => {
      const server = http.createServer();
      const hubs = [new StatusHub({ heartbeatIntervalMs: 0 }), new StatusHub({ heartbeatIntervalMs: 0 })];
      hubs[0]!.attach(server, { path: '/a' });
      hubs[1]!.attach(server, { path: '/b' });
      server.on('upgrade', (request, socket) => {
        if (request.url?.startsWith('/mine')) socket.end('HTTP/1.1 418 I am a teapot\r\nConnection: close\r\n\r\n');
      });
      const port = await listen(server);
      const { response } = await rawExchange(port, upgradeTo('/mine/x'));
      expect(response.match(/HTTP\/1\.1 /g)).toHaveLength(1);
      expect(response).toMatch(/^HTTP\/1\.1 418/);
      await Promise.all(hubs.map((hub) => hub.close()));
      await new Promise((resolve) => server.close(resolve));
    });

    it('detaching one hub leaves the other attached and the app’s request listener in place', async () => {
      const server = http.createServer((_q, r) => r.end('app'));
      const a = new StatusHub({ heartbeatIntervalMs: 0 });
      const b = new StatusHub({ heartbeatIntervalMs: 0 });
      const detachA = a.attach(server, { path: '/a' });
      b.attach(server, { path: '/b' });
      const port = await listen(server);
      detachA();
      expect((await rawUpgrade(port, '/a/x')).status).toBe(404);
      const sse = await SseTestClient.open(port, '/b/x');
      expect(sse.status).toBe(200);
      await sse.close();
      await b.close();
      expect(server.listenerCount('request')).toBe(1);
      expect(server.listenerCount('upgrade')).toBe(0);
      expect(await (await fetch(`http://127.0.0.1:${port}/b/x`, { headers: { accept: 'text/event-stream' } })).text()).toBe('app');
      await a.close();
      await closeServer(server);
    });
  });
});
