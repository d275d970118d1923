import http from 'node:http';
import net from 'node:net';
import { StatusHub } from '../../src/hub/status-hub.js';
import { TestClient } from '../support/hub-server.js';

/** Opens a raw TCP connection and writes `bytes` (nothing, for a preconnect); resolves once connected. */
async function rawConnection(port: number, bytes: string): Promise<{ socket: net.Socket; closed: Promise<void> }> {
  const socket = net.connect(port, '127.0.0.1');
  socket.on('error', () => {});
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  if (bytes) socket.write(bytes);
  return { socket, closed };
}

/** `promise`, or a rejection naming `what` after `ms` (so a hang fails the test instead of stalling it). */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} still pending after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

describe('StatusHub.listen', () => {
  it('serves the hub on its own server, answers other paths 404, and closes it with the hub', async () => {
    const hub = new StatusHub({ heartbeatIntervalMs: 0 });
    const { port, url, server } = await hub.listen(0, '127.0.0.1');
    expect(url).toBe(`ws://127.0.0.1:${port}/ws`);
    const client = await TestClient.open(`${url}/s1`);
    hub.send('s1', 'Searching…');
    await client.waitFor((c) => c.statuses.length === 1);
    expect(client.statuses[0]).toMatchObject({ data: 'Searching…', seq: 1 });
    const status = await new Promise<number>((resolve, reject) => {
      http.get(`http://127.0.0.1:${port}/elsewhere`, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      }).on('error', reject);
    });
    expect(status).toBe(404);
    await hub.close();
    expect(server.listening).toBe(false);
  });

  it('rejects with the listen error for a busy port and keeps no server', async () => {
    const busy = http.createServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
    const port = (busy.address() as { port: number }).port;
    const hub = new StatusHub({ heartbeatIntervalMs: 0 });
    await expect(hub.listen(port, '127.0.0.1')).rejects.toMatchObject({ code: 'EADDRINUSE' });
    await hub.close();
    await new Promise<void>((r) => busy.close(() => r()));
  });

  it.each([
    ['a connection that sent nothing (a preconnect)', ''],
    ['half a request', 'GET /ws/s1 HTTP/1.1\r\nHost: 127.0.0.1\r\n'],
  ])('ends %s on its own server after closeTimeoutMs, and close() resolves', async (_what, bytes) => {
    const closeTimeoutMs = 300;
    const hub = new StatusHub({ heartbeatIntervalMs: 0, closeTimeoutMs });
    const { port } = await hub.listen(0, '127.0.0.1');
    const client = await TestClient.open(`ws://127.0.0.1:${port}/ws/s1`);
    const idle = await rawConnection(port, bytes);
    const started = Date.now();
    await within(hub.close(), closeTimeoutMs + 1000, 'hub.close()');
    const elapsed = Date.now() - started;
    await within(idle.closed, 1000, 'the idle connection');
    expect((await client.closed).code).toBe(1001);
    console.log(`hub.close() with ${_what} open on its own server: resolved after ${elapsed} ms (closeTimeoutMs ${closeTimeoutMs})`);
  });
});
