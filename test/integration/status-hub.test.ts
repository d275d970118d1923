import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import WebSocket from 'ws';
import type { AdapterHost, HubAdapter, NumberedStatus } from '../../src/hub/adapters/hub-adapter.js';
import { StatusHub } from '../../src/hub/status-hub.js';
import { StatusMessengerError } from '../../src/errors.js';
import type { HelloFrame, GapFrame } from '../../src/protocol.js';
import { rawUpgrade, sleep, startHubServer, TestClient } from '../support/hub-server.js';
import type { HubServer } from '../support/hub-server.js';

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
      await sleep(30);
      expect(b.statuses).toHaveLength(0);
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
      await sleep(100);
      expect(received).toEqual([
        ['chat', 'hello there'],
        ['chat', 'second'],
      ]);
      expect(client.socket.readyState).toBe(WebSocket.OPEN);
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
      await sleep(50);
      expect(seen).toEqual(['connection:events', 'status:events:1', 'disconnect:events:1005']);
    });

    it('takes an adapter after construction (useAdapter): remote statuses keep their numbers and time, listeners see the origin', async () => {
      const seen: [number, string | undefined][] = [];
      srv.hub.on('status', (_id, frame, meta) => seen.push([frame.seq, meta.origin]));
      const published: number[] = [];
      let host: AdapterHost | undefined;
      const adapter: HubAdapter & { deliver(status: NumberedStatus): number } = {
        attach: (h) => void (host = h),
        published: (status) => void published.push(status.seq),
        close: () => {},
        deliver: (status) => host!.deliver(status),
      };
      const restore = srv.hub.useAdapter(adapter);
      const client = await TestClient.open(srv.url('relay'));
      srv.hub.send('relay', 'local');
      const hello = client.frames.find((f) => f.type === 'hello') as { epoch: string };
      const frame = { type: 'status' as const, data: 'from B', seq: 5, ts: '2026-01-02T03:04:05.000Z', agent: 'remote' };
      adapter.deliver({ sessionId: 'relay', epoch: hello.epoch, seq: 5, frame, origin: 'instance-b' });
      srv.hub.send('relay', 'local again');
      await client.waitFor((c) => c.statuses.length === 3);
      expect(client.statuses[1]).toMatchObject({ data: 'from B', seq: 5, ts: '2026-01-02T03:04:05.000Z', agent: 'remote' });
      expect(client.statuses[2]).toMatchObject({ data: 'local again', seq: 6 });
      expect(seen).toEqual([
        [1, undefined],
        [5, 'instance-b'],
        [6, undefined],
      ]);
      expect(published).toEqual([1, 6]);
      restore();
      srv.hub.send('relay', 'after restore');
      expect(published).toEqual([1, 6]);
      expect(() => srv.hub.useAdapter({} as never)).toThrow(/adapter/);
      await client.close();
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
      await sleep(1200); // one more heartbeat round: the lively peer answers and stays
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

  it('validates options with messages that name the option', () => {
    expect(() => new StatusHub({ maxPayload: 0 })).toThrow('Expected `maxPayload` to be a positive integer, got `0`');
    expect(() => new StatusHub({ heartbeatIntervalMs: 1000, heartbeatTimeoutMs: 1000 })).toThrow(/heartbeatTimeoutMs/);
    expect(() => new StatusHub({ allowedOrigins: ['not a url'] })).toThrow(/allowedOrigins/);
    expect(() => new StatusHub({ inboundRateLimit: { messages: 0, intervalMs: 1 } })).toThrow(/inboundRateLimit.messages/);
  });
});
