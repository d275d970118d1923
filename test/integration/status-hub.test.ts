import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import WebSocket from 'ws';
import type { AdapterHost, HubAdapter } from '../../src/hub/adapters/hub-adapter.js';
import { StatusHub } from '../../src/hub/status-hub.js';
import { StatusMessengerError } from '../../src/errors.js';
import { HUB_DEFAULTS } from '../../src/hub/hub-options.js';
import type { Logger } from '../../src/logger.js';
import type { HelloFrame, GapFrame } from '../../src/protocol.js';
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

/** Resolves once `predicate` holds, checking every 10 ms; rejects after `timeoutMs`. */
async function until(predicate: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(10);
  }
}

describe('StatusHub', () => {
  let srv: HubServer;
  afterEach(async () => {
    await srv?.close();
  });

  describe('delivery', () => {
    beforeEach(async () => {
      srv = await startHubServer();
    });

    it('fans a status out to every socket of the session and nowhere else', async () => {
      const [a1, a2, b] = await Promise.all([
        TestClient.open(srv.url('a')),
        TestClient.open(srv.url('a')),
        TestClient.open(srv.url('b')),
      ]);
      expect(srv.hub.send('a', 'Searching the web…')).toBe(2);
      await Promise.all([a1, a2].map((c) => c.waitFor((x) => x.statuses.length === 1)));
      for (const client of [a1, a2]) {
        const frame = client.statuses[0]!;
        expect(frame).toMatchObject({ type: 'status', data: 'Searching the web…', seq: 1 });
        expect(new Date(frame.ts).toISOString()).toBe(frame.ts);
      }
      // b's session gets a status of its own afterwards: it arrives behind anything sent to b before.
      srv.hub.send('b', 'for b');
      await b.waitFor((c) => c.statuses.length === 1);
      expect(b.statusTexts).toEqual(['for b']);
      await Promise.all([a1.close(), a2.close(), b.close()]);
    });

    it('writes the seed wire format: type and data first, then seq and ts', async () => {
      const client = await TestClient.open(srv.url('wire'));
      srv.hub.send('wire', { message: 'Reading 3 sources…', level: 'info', progress: 40, agent: 'researcher', tool: 'search' });
      await client.waitFor((c) => c.statuses.length === 1);
      const raw = client.raw.find((text) => text.includes('"status"'))!;
      expect(raw.startsWith('{"type":"status","data":"Reading 3 sources…","seq":1,"ts":"')).toBe(true);
      expect(JSON.parse(raw)).toMatchObject({ level: 'info', progress: 40, agent: 'researcher', tool: 'search' });
      await client.close();
    });

    it('greets every socket with a hello frame carrying the epoch and latest seq', async () => {
      srv.hub.send('greet', 'one');
      srv.hub.send('greet', 'two');
      const client = await TestClient.open(srv.url('greet'));
      await client.waitFor((c) => c.frames.length >= 2);
      const hello = client.frames[0] as HelloFrame;
      expect(hello).toMatchObject({ type: 'hello', v: 1, seq: 2 });
      expect(hello.epoch).toMatch(/^[A-Za-z0-9_-]+$/);
      await client.close();
    });

    it('sends a late joiner the latest status first, marked as a replay', async () => {
      const early = await TestClient.open(srv.url('late'));
      srv.hub.send('late', 'step 1');
      srv.hub.send('late', 'step 2');
      const late = await TestClient.open(srv.url('late'));
      await late.waitFor((c) => c.statuses.length === 1);
      expect(late.statuses[0]).toMatchObject({ data: 'step 2', seq: 2, replay: true });
      srv.hub.send('late', 'step 3');
      await late.waitFor((c) => c.statuses.length === 2);
      expect(late.statusTexts).toEqual(['step 2', 'step 3']);
      expect(late.statuses[1]!.replay).toBeUndefined();
      await Promise.all([early.close(), late.close()]);
    });

    it('resumes a reconnecting socket from its last seq', async () => {
      const first = await TestClient.open(srv.url('resume'));
      srv.hub.send('resume', 's1');
      srv.hub.send('resume', 's2');
      await first.waitFor((c) => c.statuses.length === 2);
      const epoch = (first.frames[0] as HelloFrame).epoch;
      await first.close();
      srv.hub.send('resume', 's3');
      srv.hub.send('resume', 's4');
      const again = await TestClient.open(srv.url('resume', `since=2&epoch=${epoch}`));
      await again.waitFor((c) => c.statuses.length === 2);
      expect(again.statusTexts).toEqual(['s3', 's4']);
      expect(again.frames.some((frame) => frame.type === 'gap')).toBe(false);
      await again.close();
    });

    it('says so with a gap frame when the missed statuses fell out of the window', async () => {
      await srv.close();
      srv = await startHubServer({ historySize: 3 });
      for (let i = 1; i <= 10; i += 1) srv.hub.send('window', `s${i}`);
      const first = await TestClient.open(srv.url('window'));
      await first.waitFor((c) => c.frames.length >= 1);
      const epoch = (first.frames[0] as HelloFrame).epoch;
      await first.close();
      const client = await TestClient.open(srv.url('window', `since=2&epoch=${epoch}`));
      await client.waitFor((c) => c.statuses.length === 3);
      const gap = client.frames.find((frame): frame is GapFrame => frame.type === 'gap');
      expect(gap).toEqual({ type: 'gap', from: 3, to: 7, reason: 'expired' });
      expect(client.statusTexts).toEqual(['s8', 's9', 's10']);
      // The gap comes before the replayed statuses.
      expect(client.frames.findIndex((f) => f.type === 'gap')).toBeLessThan(client.frames.findIndex((f) => f.type === 'status'));
      await client.close();
    });

    it('signals a reset when the client resumes from an epoch the hub does not know', async () => {
      srv.hub.send('epoch', 'fresh');
      const client = await TestClient.open(srv.url('epoch', 'since=40&epoch=oldepoch'));
      await client.waitFor((c) => c.statuses.length === 1);
      expect(client.frames.find((frame) => frame.type === 'gap')).toMatchObject({ reason: 'reset' });
      expect(client.statusTexts).toEqual(['fresh']);
      await client.close();
    });

    it('hands text frames from sockets to message listeners, and a throwing listener harms nothing', async () => {
      const received: [string, string][] = [];
      srv.hub.on('message', () => {
        throw new Error('listener bug');
      });
      srv.hub.on('message', async () => {
        throw new Error('async listener bug');
      });
      srv.hub.on('message', (sessionId, data) => received.push([sessionId, data]));
      const client = await TestClient.open(srv.url('chat'));
      client.socket.send('hello there');
      client.socket.send('second');
      await until(() => received.length === 2);
      expect(received).toEqual([
        ['chat', 'hello there'],
        ['chat', 'second'],
      ]);
      expect(client.socket.readyState).toBe(WebSocket.OPEN);
      await client.close();
    });

    it('keeps sending when a status listener throws or rejects, and logs both', async () => {
      await srv.close();
      const { logger, at } = recordingLogger();
      srv = await startHubServer({ heartbeatIntervalMs: 0, logger });
      srv.hub.on('status', () => {
        throw new Error('listener bug');
      });
      srv.hub.on('status', async () => Promise.reject(new Error('async listener bug')));
      const client = await TestClient.open(srv.url('l'));
      expect(srv.hub.send('l', 'still delivered')).toBe(1);
      await client.waitFor((c) => c.statuses.length === 1);
      await until(() => at('error').length === 2);
      expect(at('error')).toEqual(
        expect.arrayContaining([expect.stringContaining("'status' listener threw"), expect.stringContaining("'status' listener rejected")]),
      );
      await client.close();
    });

    it('emits connection, status and disconnect events', async () => {
      const seen: string[] = [];
      srv.hub.on('connection', (id) => seen.push(`connection:${id}`));
      srv.hub.on('status', (id, frame) => seen.push(`status:${id}:${frame.seq}`));
      srv.hub.on('disconnect', (id, _socket, code) => seen.push(`disconnect:${id}:${code}`));
      const client = await TestClient.open(srv.url('events'));
      srv.hub.send('events', 'x');
      await client.close();
      await until(() => seen.length === 3);
      expect(seen).toEqual(['connection:events', 'status:events:1', 'disconnect:events:1005']);
    });

    it('numbers with its adapter: remote statuses keep their numbers and time, listeners see the origin', async () => {
      const published: number[] = [];
      let host: AdapterHost | undefined;
      const adapter: HubAdapter = {
        attach: (h) => void (host = h),
        published: (status) => void published.push(status.seq),
        close: () => {},
      };
      const own = await startHubServer({ adapter });
      const seen: [number, string | undefined][] = [];
      own.hub.on('status', (_id, frame, meta) => seen.push([frame.seq, meta.origin]));
      const client = await TestClient.open(own.url('relay'));
      own.hub.send('relay', 'local');
      const hello = client.frames.find((f) => f.type === 'hello') as { epoch: string };
      const frame = { type: 'status' as const, data: 'from B', seq: 2, ts: '2026-01-02T03:04:05.000Z', agent: 'remote' };
      expect(host!.deliver({ sessionId: 'relay', epoch: hello.epoch, seq: 2, frame, origin: 'instance-b' })).toBe(1);
      own.hub.send('relay', 'local again');
      await client.waitFor((c) => c.statuses.length === 3);
      expect(client.statuses[1]).toMatchObject({ data: 'from B', seq: 2, ts: '2026-01-02T03:04:05.000Z', agent: 'remote' });
      expect(client.statuses[2]).toMatchObject({ data: 'local again', seq: 3 });
      expect(seen).toEqual([
        [1, undefined],
        [2, 'instance-b'],
        [3, undefined],
      ]);
      expect(published).toEqual([1, 3]);
      expect('useAdapter' in own.hub).toBe(false);
      await client.close();
      await own.close();
    });

    it('returns 0 for a session without sockets but keeps the status as its latest', async () => {
      expect(srv.hub.send('nobody', 'kept')).toBe(0);
      const client = await TestClient.open(srv.url('nobody'));
      await client.waitFor((c) => c.statuses.length === 1);
      expect(client.statusTexts).toEqual(['kept']);
      await client.close();
    });

    it('throws clear errors for a bad session id or status', () => {
      expect(() => srv.hub.send('bad id', 'x')).toThrow(StatusMessengerError);
      expect(() => srv.hub.send('ok', '')).toThrow(/must not be empty/);
      expect(() => srv.hub.send('ok', 'x'.repeat(501))).toThrow(/at most 500 characters/);
      expect(() => srv.hub.send('ok', 42 as never)).toThrow(/must be a string/);
      expect(() => srv.hub.send('ok', { message: 'x', progress: 140 })).toThrow(/progress/);
      try {
        srv.hub.send('ok', 'x'.repeat(1_000_000));
      } catch (error) {
        expect(StatusMessengerError.isInstance(error, 'ERR_STATUS_TOO_LONG')).toBe(true);
      }
    });
  });

  describe('upgrade checks', () => {
    it('answers 400 before any upgrade for a bad session id', async () => {
      srv = await startHubServer();
      for (const path of ['/ws/has%20space', '/ws/a%2Fb', `/ws/${'x'.repeat(257)}`, '/ws/%3Cscript%3E']) {
        const res = await rawUpgrade(srv.port, path);
        expect([path, res.status]).toEqual([path, 400]);
      }
      expect(srv.hub.stats().sockets).toBe(0);
    });

    it('answers 404 for other paths when nobody else handles upgrades, deeper ones under its own too', async () => {
      srv = await startHubServer();
      for (const path of ['/elsewhere/x', '/ws', '/ws/', '/ws/a/b']) {
        expect([path, (await rawUpgrade(srv.port, path)).status]).toEqual([path, 404]);
      }
    });

    it('allows same-origin and Origin-less requests by default, refuses foreign ones with 403', async () => {
      srv = await startHubServer();
      const host = `127.0.0.1:${srv.port}`;
      expect((await rawUpgrade(srv.port, '/ws/o', { Origin: `http://${host}` })).status).toBe(101);
      expect((await rawUpgrade(srv.port, '/ws/o')).status).toBe(101);
      for (const origin of ['http://evil.example', 'null', `http://${host}.evil.example`, `http://127.0.0.1:${srv.port + 1}`, 'garbage']) {
        expect([origin, (await rawUpgrade(srv.port, '/ws/o', { Origin: origin })).status]).toEqual([origin, 403]);
      }
    });

    it('honours an exact origin allowlist', async () => {
      srv = await startHubServer({ allowedOrigins: ['https://app.example.com'], allowMissingOrigin: false });
      expect((await rawUpgrade(srv.port, '/ws/o', { Origin: 'https://app.example.com' })).status).toBe(101);
      expect((await rawUpgrade(srv.port, '/ws/o', { Origin: 'https://app.example.com.evil.io' })).status).toBe(403);
      expect((await rawUpgrade(srv.port, '/ws/o', { Origin: 'http://app.example.com' })).status).toBe(403);
      expect((await rawUpgrade(srv.port, '/ws/o')).status).toBe(403);
    });

    it('lets authorize refuse (401/403), and answers 500 when it throws, process alive', async () => {
      srv = await startHubServer({
        authorize: async (request, sessionId) => {
          if (sessionId === 'boom') throw new Error('database down');
          if (sessionId === 'sync-boom') throw new Error('sync');
          const token = new URL(request.url!, 'http://x').searchParams.get('token');
          if (token === 'good') return true;
          if (token === 'other') return { allow: false, status: 403 };
          return false;
        },
      });
      expect((await rawUpgrade(srv.port, '/ws/s?token=good')).status).toBe(101);
      expect((await rawUpgrade(srv.port, '/ws/s?token=bad')).status).toBe(401);
      expect((await rawUpgrade(srv.port, '/ws/s?token=other')).status).toBe(403);
      expect((await rawUpgrade(srv.port, '/ws/boom?token=good')).status).toBe(500);
      expect((await rawUpgrade(srv.port, '/ws/s?token=good')).status).toBe(101);
      expect(srv.hub.stats().refused).toMatchObject({ 401: 1, 403: 1, 500: 1 });
    });

    it('answers 503 when an async authorize never settles, and frees the slot', async () => {
      srv = await startHubServer({ authorize: () => new Promise<boolean>(() => {}), authorizeTimeoutMs: 200, maxSockets: 1 });
      for (let i = 0; i < 2; i += 1) {
        // The second would be "too many connections" if the first had kept its slot.
        const { status, body } = await rawUpgrade(srv.port, '/ws/hang');
        expect([status, body.trim()]).toEqual([503, 'Service Unavailable: authorization timed out']);
      }
    });

    it('limits sockets per session (429) and in total (503) before the upgrade', async () => {
      srv = await startHubServer({ maxSocketsPerSession: 2, maxSockets: 3 });
      const a = await Promise.all([TestClient.open(srv.url('lim')), TestClient.open(srv.url('lim'))]);
      expect((await rawUpgrade(srv.port, '/ws/lim')).status).toBe(429);
      const b = await TestClient.open(srv.url('other'));
      expect((await rawUpgrade(srv.port, '/ws/third')).status).toBe(503);
      await Promise.all([...a, b].map((c) => c.close()));
    });

    it('lets ws answer a malformed upgrade with 400', async () => {
      srv = await startHubServer();
      expect((await rawUpgrade(srv.port, '/ws/x', { 'Sec-WebSocket-Key': 'short' })).status).toBe(400);
      expect((await rawUpgrade(srv.port, '/ws/x', { 'Sec-WebSocket-Version': '7' })).status).toBe(400);
    });
  });

  describe('admission, on both transports', () => {
    it('refuses (403) and logs a request whose allowedOrigins function throws; the process goes on', async () => {
      const { logger, at } = recordingLogger();
      srv = await startHubServer({
        heartbeatIntervalMs: 0,
        logger,
        // Throws on a request without Origin.
        allowedOrigins: (origin) => new URL(origin!).hostname.endsWith('.example.com'),
      });
      expect((await rawUpgrade(srv.port, '/ws/s')).status).toBe(403);
      const sse = await SseTestClient.open(srv.port, '/ws/s');
      expect(sse.status).toBe(403);
      expect(at('error').filter((m) => m.includes('`allowedOrigins` function threw'))).toHaveLength(2);
      expect((await rawUpgrade(srv.port, '/ws/s', { Origin: 'https://app.example.com' })).status).toBe(101);
      expect(srv.hub.stats().refused[403]).toBe(2);
    });

    it('refuses with 500 and logs when authorize rejects', async () => {
      const { logger, at } = recordingLogger();
      srv = await startHubServer({ heartbeatIntervalMs: 0, logger, authorize: async () => Promise.reject(new Error('token service down')) });
      expect((await rawUpgrade(srv.port, '/ws/s')).status).toBe(500);
      expect((await SseTestClient.open(srv.port, '/ws/s')).status).toBe(500);
      expect(at('error').filter((m) => m.includes('`authorize` hook threw'))).toHaveLength(2);
    });

    it('serves the session ids real apps use: alice@example.com, tenant:42:chat, 200 characters', async () => {
      srv = await startHubServer({ heartbeatIntervalMs: 0 });
      for (const id of ['alice@example.com', 'tenant:42:chat', 'u'.repeat(200), "a.b~c!$&'()*+,;="]) {
        const ws = await TestClient.open(srv.url(encodeURIComponent(id)));
        const sse = await SseTestClient.open(srv.port, `/ws/${id}`);
        expect(srv.hub.send(id, `for ${id.slice(0, 20)}`)).toBe(2);
        await ws.waitFor((c) => c.statuses.length === 1);
        await sse.waitFor((c) => c.statuses.length === 1);
        await Promise.all([ws.close(), sse.close()]);
      }
      expect(() => srv.hub.send('has space', 'x')).toThrow(StatusMessengerError);
      expect(() => srv.hub.send('a/b', 'x')).toThrow(StatusMessengerError);
      expect(() => srv.hub.send('x'.repeat(257), 'x')).toThrow(StatusMessengerError);
    });

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

  describe('sessions that never got a status', () => {
    it('keeps no per-session state after connections to them close, on both transports', async () => {
      srv = await startHubServer({ heartbeatIntervalMs: 0 });
      for (let i = 0; i < 100; i += 1) {
        if (i % 2 === 0) {
          const client = await TestClient.open(srv.url(`anon-${i}`));
          await client.close();
        } else {
          const client = await SseTestClient.open(srv.port, `/ws/anon-${i}`);
          await client.waitFor((c) => c.frames.length === 1);
          await client.close();
        }
      }
      await until(() => srv.hub.stats().sseStreams === 0 && srv.hub.stats().sockets === 0);
      expect(srv.hub.stats()).toMatchObject({ sockets: 0, sseStreams: 0, sessions: 0 });
      // A session that did get a status keeps its history.
      srv.hub.send('real', 'kept');
      expect(srv.hub.stats().sessions).toBe(1);
    });
  });

  describe('limits', () => {
    it('closes with 1009 on a frame over maxPayload and stays up', async () => {
      srv = await startHubServer();
      const client = await TestClient.open(srv.url('big'));
      client.socket.send('x'.repeat(64 * 1024 + 1));
      expect((await client.closed).code).toBe(1009);
      expect(srv.hub.stats().closedByHub[1009]).toBe(1);
      const next = await TestClient.open(srv.url('big'));
      expect(next.socket.readyState).toBe(WebSocket.OPEN);
      await next.close();
    });

    it('closes with 1008 when a socket sends faster than the inbound rate limit', async () => {
      srv = await startHubServer({ inboundRateLimit: { messages: 5, intervalMs: 60_000 } });
      const client = await TestClient.open(srv.url('chatty'));
      for (let i = 0; i < 10; i += 1) client.socket.send(`m${i}`);
      expect((await client.closed).code).toBe(1008);
      expect(srv.hub.stats().closedByHub[1008]).toBe(1);
    });

    it('closes with 1003 on a binary frame', async () => {
      srv = await startHubServer();
      const client = await TestClient.open(srv.url('bin'));
      client.socket.send(Buffer.from([1, 2, 3]));
      expect((await client.closed).code).toBe(1003);
    });

    it('terminates a silent peer within one heartbeat interval plus the timeout', async () => {
      // A timeout of 500 ms: a busy machine can delay the lively peer's pong by more than 100 ms.
      srv = await startHubServer({ heartbeatIntervalMs: 1000, heartbeatTimeoutMs: 500 });
      const silent = new TestClient(srv.url('silent'), { autoPong: false });
      await once(silent.socket, 'open');
      const lively = await TestClient.open(srv.url('lively'));
      const started = Date.now();
      const { code } = await silent.closed;
      const elapsed = Date.now() - started;
      expect(code).toBe(1006);
      expect(elapsed).toBeLessThan(6000); // one interval + the timeout is 1.5 s: 4× margin
      expect(srv.hub.stats().heartbeatTerminations).toBe(1);
      // A full round later (a ping, and its deadline passed with the next ping), the lively peer is still there.
      let pings = 0;
      await new Promise<void>((resolve) => lively.socket.on('ping', () => ++pings === 2 && resolve()));
      expect(lively.socket.readyState).toBe(WebSocket.OPEN);
      console.log(`heartbeat 1000 ms + timeout 500 ms: silent peer terminated after ${elapsed} ms`);
      await lively.close();
    });
  });

  describe('close()', () => {
    it('closes every socket with 1001, resolves when all are gone, and refuses new upgrades', async () => {
      srv = await startHubServer();
      const clients = await Promise.all([TestClient.open(srv.url('a')), TestClient.open(srv.url('b'))]);
      await srv.hub.close();
      const codes = await Promise.all(clients.map((c) => c.closed.then((r) => r.code)));
      expect(codes).toEqual([1001, 1001]);
      expect(srv.hub.stats().sockets).toBe(0);
      expect(srv.hub.send('a', 'after close')).toBe(0);
      expect(() => srv.hub.attach(http.createServer())).toThrow(/after close/);
    });
  });

  it('attaches under a custom path and through handleUpgrade for hosts that route upgrades', async () => {
    const hub = new StatusHub();
    const server = http.createServer();
    server.on('upgrade', (request, socket, head) => {
      if (!hub.handleUpgrade(request, socket, head, { path: '/live/status' })) socket.destroy();
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    const client = await TestClient.open(`ws://127.0.0.1:${port}/live/status/abc`);
    hub.send('abc', 'routed');
    await client.waitFor((c) => c.statuses.length === 1);
    await hub.close();
    await new Promise((resolve) => server.close(resolve));
  });

  describe('options', () => {
    it('validates options with messages that name the option', () => {
      expect(() => new StatusHub({ maxPayload: 0 })).toThrow('Expected `maxPayload` to be a positive integer, got `0`');
      expect(() => new StatusHub({ heartbeatIntervalMs: 1000, heartbeatTimeoutMs: 1000 })).toThrow(/heartbeatTimeoutMs/);
      expect(() => new StatusHub({ allowedOrigins: ['not a url'] })).toThrow(/allowedOrigins/);
      expect(() => new StatusHub({ inboundRateLimit: { messages: 0, intervalMs: 1 } })).toThrow(/inboundRateLimit.messages/);
    });

    it('rejects unknown keys naming the key, the close one, and where a misplaced one belongs: the hub is never built', () => {
      expect(optionError(() => new StatusHub({ authorise: () => false } as never))).toMatch(
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

    it('freezes HUB_DEFAULTS, nested objects too', () => {
      expect(Object.isFrozen(HUB_DEFAULTS)).toBe(true);
      expect(Object.isFrozen(HUB_DEFAULTS.inboundRateLimit)).toBe(true);
      expect(() => {
        (HUB_DEFAULTS as { maxPayload: number }).maxPayload = 1;
      }).toThrow(TypeError);
      expect(HUB_DEFAULTS.maxPayload).toBe(65536);
    });
  });
});
