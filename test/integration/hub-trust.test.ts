/**
 * Regressions for the hub items of the trust issue: strict options (1), user callbacks that
 * throw (2), several hubs on one server (3), ids real apps use (5), no state for anonymous
 * sessions (11), refusals visible in the log (15). Real servers on port 0, real `ws` clients.
 */
import { once } from 'node:events';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { StatusMessengerError } from '../../src/errors.js';
import { HUB_DEFAULTS } from '../../src/hub/hub-options.js';
import { StatusHub } from '../../src/hub/status-hub.js';
import type { Logger } from '../../src/logger.js';
import { rawUpgrade, sleep, startHubServer, TestClient } from '../support/hub-server.js';
import type { HubServer } from '../support/hub-server.js';
import { SseTestClient } from '../support/sse-client.js';

function recordingLogger() {
  const lines: { level: keyof Logger; message: string }[] = [];
  const logger: Logger = {
    debug: (message) => lines.push({ level: 'debug', message }),
    info: (message) => lines.push({ level: 'info', message }),
    warn: (message) => lines.push({ level: 'warn', message }),
    error: (message) => lines.push({ level: 'error', message }),
  };
  return { logger, lines, at: (level: keyof Logger) => lines.filter((l) => l.level === level).map((l) => l.message) };
}

function optionError(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(StatusMessengerError.isInstance(error, 'ERR_INVALID_OPTION')).toBe(true);
    return (error as Error).message;
  }
  throw new Error('expected ERR_INVALID_OPTION');
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

describe('StatusHub trust regressions', () => {
  let srv: HubServer | undefined;
  afterEach(async () => {
    await srv?.close();
    srv = undefined;
  });

  describe('1. strict options', () => {
    it('rejects unknown keys naming the key, the close one, and where a misplaced one belongs', () => {
      expect(optionError(() => new StatusHub({ authorise: () => true } as never))).toMatch(
        /new StatusHub\(options\): unknown option `authorise` \(did you mean `authorize`\?\)/,
      );
      expect(optionError(() => new StatusHub({ allowedOrigin: ['https://a.example'] } as never))).toMatch(/`allowedOrigin`.*`allowedOrigins`/);
      expect(optionError(() => new StatusHub({ maxPayLoad: 10 } as never))).toMatch(/`maxPayLoad`.*did you mean `maxPayload`/);
      expect(optionError(() => new StatusHub({ inboundRateLimit: { messages: 1, intervalMs: 1, burst: 2 } } as never))).toMatch(
        /unknown option `inboundRateLimit.burst`/,
      );
      const hub = new StatusHub({ heartbeatIntervalMs: 0 });
      const server = http.createServer();
      expect(optionError(() => hub.attach(server, { authorize: () => true } as never))).toMatch(
        /hub.attach\(server, options\): unknown option `authorize`.*`authorize` is an option of `new StatusHub\(options\)`/,
      );
      expect(optionError(() => hub.attach(server, { pth: '/ws' } as never))).toMatch(/did you mean `path`/);
      expect(optionError(() => hub.sseHandler({ allowedOrigins: [] } as never))).toMatch(/hub.sseHandler\(options\): unknown option `allowedOrigins`/);
      expect(optionError(() => hub.sseHandler({ path: 'status' }))).toMatch(/Expected `path` to be a URL path/);
      expect(optionError(() => hub.handleUpgrade({} as never, {} as never, Buffer.alloc(0), { paths: '/x' } as never))).toMatch(/`paths`/);
      return expect(hub.listen(0, '127.0.0.1', { authorize: () => true } as never)).rejects.toThrow(/unknown option `authorize`/);
    });

    it('keeps an unknown key from leaving every socket open: the hub is never built', async () => {
      // Before: `authorise` was ignored and this socket opened.
      expect(() => new StatusHub({ authorise: () => false } as never)).toThrow(StatusMessengerError);
    });

    it('freezes HUB_DEFAULTS, nested objects too', () => {
      expect(Object.isFrozen(HUB_DEFAULTS)).toBe(true);
      expect(Object.isFrozen(HUB_DEFAULTS.inboundRateLimit)).toBe(true);
      expect(() => {
        (HUB_DEFAULTS as { maxPayload: number }).maxPayload = 1;
      }).toThrow(TypeError);
      expect(HUB_DEFAULTS.maxPayload).toBe(65536);
    });
  });

  describe('2. user callbacks that throw', () => {
    it('refuses (403) and logs a request whose allowedOrigins function throws, on both transports; the process goes on', async () => {
      const { logger, at } = recordingLogger();
      srv = await startHubServer({
        heartbeatIntervalMs: 0,
        logger,
        // The shape from the issue: throws on a request without Origin.
        allowedOrigins: (origin) => new URL(origin!).hostname.endsWith('.example.com'),
      });
      expect((await rawUpgrade(srv.port, '/ws/s')).status).toBe(403);
      const sse = await SseTestClient.open(srv.port, '/ws/s');
      expect(sse.status).toBe(403);
      expect(at('error').filter((m) => m.includes('`allowedOrigins` function threw'))).toHaveLength(2);
      expect((await rawUpgrade(srv.port, '/ws/s', { Origin: 'https://app.example.com' })).status).toBe(101);
      expect(srv.hub.stats().refused[403]).toBe(2);
    });

    it('refuses with 500 when authorize rejects, on both transports', async () => {
      const { logger, at } = recordingLogger();
      srv = await startHubServer({ heartbeatIntervalMs: 0, logger, authorize: async () => Promise.reject(new Error('token service down')) });
      expect((await rawUpgrade(srv.port, '/ws/s')).status).toBe(500);
      expect((await SseTestClient.open(srv.port, '/ws/s')).status).toBe(500);
      expect(at('error').filter((m) => m.includes('`authorize` hook threw'))).toHaveLength(2);
    });

    it('keeps sending when a status listener throws or rejects', async () => {
      const { logger, at } = recordingLogger();
      srv = await startHubServer({ heartbeatIntervalMs: 0, logger });
      srv.hub.on('status', () => {
        throw new Error('listener bug');
      });
      srv.hub.on('status', async () => Promise.reject(new Error('async listener bug')));
      const client = await TestClient.open(srv.url('l'));
      expect(srv.hub.send('l', 'still delivered')).toBe(1);
      await client.waitFor((c) => c.statuses.length === 1);
      await sleep(20);
      expect(at('error')).toEqual(
        expect.arrayContaining([expect.stringContaining("'status' listener threw"), expect.stringContaining("'status' listener rejected")]),
      );
      await client.close();
    });
  });

  describe('5. session ids real apps use', () => {
    it('serves alice@example.com, tenant:42:chat and a 200-character id on both transports', async () => {
      srv = await startHubServer({ heartbeatIntervalMs: 0 });
      for (const id of ['alice@example.com', 'tenant:42:chat', 'u'.repeat(200), "a.b~c!$&'()*+,;="]) {
        const ws = await TestClient.open(srv.url(encodeURIComponent(id)));
        const sse = await SseTestClient.open(srv.port, `/ws/${id}`);
        expect(srv.hub.send(id, `for ${id.slice(0, 20)}`)).toBe(2);
        await ws.waitFor((c) => c.statuses.length === 1);
        await sse.waitFor((c) => c.statuses.length === 1);
        await Promise.all([ws.close(), sse.close()]);
      }
      expect(() => srv!.hub.send('has space', 'x')).toThrow(StatusMessengerError);
      expect(() => srv!.hub.send('a/b', 'x')).toThrow(StatusMessengerError);
      expect(() => srv!.hub.send('x'.repeat(257), 'x')).toThrow(StatusMessengerError);
    });
  });

  describe('11. anonymous sessions', () => {
    it('keeps no per-session state after 20,000 connect/close cycles to sessions that never got a status', async () => {
      srv = await startHubServer({ heartbeatIntervalMs: 0, maxSockets: 1000 });
      const CYCLES = 20_000;
      const CONCURRENCY = 50;
      let next = 0;
      const started = Date.now();
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          while (next < CYCLES) {
            const i = next++;
            if (i % 2 === 0) {
              const client = await TestClient.open(srv!.url(`anon-${i}`));
              await client.close();
            } else {
              const client = await SseTestClient.open(srv!.port, `/ws/anon-${i}`);
              await client.waitFor((c) => c.frames.length === 1);
              await client.close();
            }
          }
        }),
      );
      await sleep(50);
      const stats = srv.hub.stats();
      expect(stats).toMatchObject({ sockets: 0, sseStreams: 0, sessions: 0 });
      // A session that did get a status keeps its history, as before.
      srv.hub.send('real', 'kept');
      expect(srv.hub.stats().sessions).toBe(1);
      console.log(`${CYCLES} anonymous connect/close cycles (half WebSocket, half SSE) in ${Date.now() - started} ms: ${stats.sessions} sessions kept`);
    }, 120_000);
  });

  describe('15. refusals in the log', () => {
    it('logs each refusal at debug and warns once per reason per minute', async () => {
      const { logger, at } = recordingLogger();
      srv = await startHubServer({ heartbeatIntervalMs: 0, logger, allowedOrigins: ['https://app.example.com'] });
      for (let i = 0; i < 5; i += 1) {
        expect((await rawUpgrade(srv.port, '/ws/s', { Origin: 'http://localhost:5173' })).status).toBe(403);
      }
      expect((await SseTestClient.open(srv.port, '/ws/s', { Origin: 'http://localhost:5173' })).status).toBe(403);
      expect((await rawUpgrade(srv.port, '/ws/bad%20id')).status).toBe(400);
      const debug = at('debug').filter((m) => m.includes('refused'));
      expect(debug).toHaveLength(7);
      expect(debug[0]).toMatch(/WebSocket request with 403 origin not allowed: GET \/ws\/s from Origin http:\/\/localhost:5173/);
      const warn = at('warn');
      expect(warn).toHaveLength(2);
      expect(warn[0]).toMatch(/403 origin not allowed.*Origin http:\/\/localhost:5173.*once a minute per reason/);
      expect(warn[1]).toMatch(/400 bad session id/);
    });
  });
});
