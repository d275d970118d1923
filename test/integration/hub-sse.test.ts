/**
 * The SSE transport with a raw HTTP client, against real servers on port 0: frames and ids,
 * resume by `Last-Event-ID` and by `?since=&epoch=`, gaps after expiry and after a restart,
 * every refusal code, CORS, heartbeat, the slot of a client that vanished without a FIN, a
 * slow reader kept bounded in bytes, `hub.close()`, Express and HTTP/2 hosts.
 */
import { once } from 'node:events';
import http from 'node:http';
import http2 from 'node:http2';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { StatusHub } from '../../src/hub/status-hub.js';
import type { StatusHubOptions } from '../../src/hub/hub-options.js';
import type { HelloFrame } from '../../src/protocol.js';
import { sleep, startHubServer, TestClient } from '../support/hub-server.js';
import type { HubServer } from '../support/hub-server.js';
import { SseTestClient } from '../support/sse-client.js';
import { startTcpGate } from '../support/tcp-gate.js';

/** Resolves once `predicate` holds, checking every 10 ms; rejects after `timeoutMs`. */
async function until(predicate: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(10);
  }
}

async function listen(server: http.Server | http2.Http2Server): Promise<number> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as AddressInfo).port;
}

/** A plain `http.createServer` whose listener tries `hub.sseHandler()` first. */
async function startSseServer(options: StatusHubOptions = {}) {
  const hub = new StatusHub({ heartbeatIntervalMs: 0, ...options });
  const sse = hub.sseHandler();
  const server = http.createServer((req, res) => {
    if (!sse(req, res)) res.writeHead(200).end('app');
  });
  const port = await listen(server);
  return {
    hub,
    port,
    async close() {
      await hub.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

describe('StatusHub over SSE', () => {
  let srv: HubServer;
  afterEach(async () => {
    await srv?.close();
  });

  describe('frames', () => {
    beforeEach(async () => {
      srv = await startHubServer({ heartbeatIntervalMs: 0 });
    });

    it('serves GET <ws path>/<id> with Accept: text/event-stream: retry hint, then hello, each status with id epoch:seq', async () => {
      const client = await SseTestClient.open(srv.port, '/ws/sse-a');
      expect(client.status).toBe(200);
      expect(client.headers['content-type']).toBe('text/event-stream; charset=utf-8');
      expect(client.headers['cache-control']).toBe('no-cache, no-transform');
      await client.waitFor((c) => c.frames.length === 1);
      expect(client.body.startsWith('retry: 2000\n\n')).toBe(true);
      const hello = client.frames[0] as HelloFrame;
      expect(hello).toMatchObject({ type: 'hello', v: 1, seq: 0 });
      // The hello names no status: it carries no id.
      expect(client.events[0]!.id).toBeUndefined();
      srv.hub.send('sse-a', 'one');
      srv.hub.send('sse-a', { message: 'two', level: 'info', progress: 50 });
      await client.waitFor((c) => c.statuses.length === 2);
      expect(client.events.slice(1).map((e) => e.id)).toEqual([`${hello.epoch}:1`, `${hello.epoch}:2`]);
      expect(client.parser.eventFields).toBe(0);
      await client.close();
    });

    it('carries exactly the WebSocket frame JSON in data:, for statuses and other frames', async () => {
      const ws = await TestClient.open(srv.url('same'));
      const sse = await SseTestClient.open(srv.port, '/ws/same');
      await sse.waitFor((c) => c.frames.length === 1);
      srv.hub.send('same', { message: 'Reading…', agent: 'researcher', tool: 'search' });
      srv.hub.sendFrame('same', { type: 'agent_message', message: 'line 1\nline 2' });
      await ws.waitFor((c) => c.raw.length === 3);
      await sse.waitFor((c) => c.events.length === 3);
      expect(sse.events.map((e) => e.data)).toEqual(ws.raw);
      // A frame that is not numbered carries no id (the browser keeps the last one).
      expect(sse.events[2]!.id).toBeUndefined();
      expect(srv.hub.socketCount('same')).toBe(2);
      await Promise.all([ws.close(), sse.close()]);
    });

    it('passes other requests on the path through to the app untouched', async () => {
      const res = await fetch(`http://127.0.0.1:${srv.port}/ws/not-sse`);
      expect([res.status, await res.text()]).toEqual([200, 'ok']);
    });

    it('sends a late joiner the latest status, marked as a replay', async () => {
      srv.hub.send('late', 'step 1');
      srv.hub.send('late', 'step 2');
      const client = await SseTestClient.open(srv.port, '/ws/late');
      await client.waitFor((c) => c.statuses.length === 1);
      expect(client.statuses[0]).toMatchObject({ data: 'step 2', seq: 2, replay: true });
      await client.close();
    });
  });

  describe('resume', () => {
    beforeEach(async () => {
      srv = await startHubServer({ heartbeatIntervalMs: 0, historySize: 3 });
    });

    it('resumes from Last-Event-ID exactly like ?since=&epoch=', async () => {
      const first = await SseTestClient.open(srv.port, '/ws/r');
      srv.hub.send('r', 's1');
      srv.hub.send('r', 's2');
      await first.waitFor((c) => c.statuses.length === 2);
      const lastId = first.lastEventId!;
      const epoch = (first.frames[0] as HelloFrame).epoch;
      expect(lastId).toBe(`${epoch}:2`);
      await first.close();
      srv.hub.send('r', 's3');
      srv.hub.send('r', 's4');
      const byHeader = await SseTestClient.open(srv.port, '/ws/r', { 'Last-Event-ID': lastId });
      const byQuery = await SseTestClient.open(srv.port, `/ws/r?since=2&epoch=${epoch}`);
      const ws = await TestClient.open(srv.url('r', `since=2&epoch=${epoch}`));
      for (const client of [byHeader, byQuery]) {
        await client.waitFor((c) => c.statuses.length === 2);
        expect(client.statuses.map((s) => [s.data, s.seq, s.replay])).toEqual([
          ['s3', 3, true],
          ['s4', 4, true],
        ]);
        expect(client.frames.some((f) => f.type === 'gap')).toBe(false);
      }
      await ws.waitFor((c) => c.statuses.length === 2);
      expect(byHeader.events.map((e) => e.data)).toEqual(ws.raw);
      await Promise.all([byHeader.close(), byQuery.close(), ws.close()]);
    });

    it('sends a gap frame first when the missed statuses fell out of the window', async () => {
      const first = await SseTestClient.open(srv.port, '/ws/w');
      srv.hub.send('w', 's1');
      await first.waitFor((c) => c.statuses.length === 1);
      const lastId = first.lastEventId!;
      await first.close();
      for (let i = 2; i <= 10; i += 1) srv.hub.send('w', `s${i}`);
      const client = await SseTestClient.open(srv.port, '/ws/w', { 'Last-Event-ID': lastId });
      await client.waitFor((c) => c.statuses.length === 3);
      expect(client.frames.slice(1, 2)).toEqual([{ type: 'gap', from: 2, to: 7, reason: 'expired' }]);
      expect(client.statuses.map((s) => s.data)).toEqual(['s8', 's9', 's10']);
      await client.close();
    });

    it('sends a reset gap after a server restart on the same port', async () => {
      const first = await SseTestClient.open(srv.port, '/ws/restart');
      srv.hub.send('restart', 'before');
      await first.waitFor((c) => c.statuses.length === 1);
      const lastId = first.lastEventId!;
      const port = srv.port;
      await srv.close();
      await first.ended;
      // A new process: a new hub on the same port, which never heard of that epoch.
      const hub = new StatusHub({ heartbeatIntervalMs: 0 });
      const server = http.createServer((_q, r) => r.end());
      hub.attach(server);
      server.listen(port, '127.0.0.1');
      await once(server, 'listening');
      hub.send('restart', 'after');
      const client = await SseTestClient.open(port, '/ws/restart', { 'Last-Event-ID': lastId });
      await client.waitFor((c) => c.statuses.length === 1);
      expect(client.frames[1]).toEqual({ type: 'gap', from: 1, to: 0, reason: 'reset' });
      expect(client.statuses[0]).toMatchObject({ data: 'after', seq: 1 });
      expect((client.frames[0] as HelloFrame).epoch).not.toBe(lastId.split(':')[0]);
      await client.close();
      await hub.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      srv = undefined as never;
    });

    it('never names a status in an event id before sending it: a reader that drops right after the hello misses nothing', async () => {
      srv.hub.send('early-drop', 's1');
      srv.hub.send('early-drop', 's2');
      // What a browser would send back if the stream dropped right after the hello event: the
      // hello's id if it has one, else the id it came with (none, or the one it resumed from).
      const idAfterHello = async (headers: Record<string, string>) => {
        const client = await SseTestClient.open(srv.port, '/ws/early-drop', headers);
        await client.waitFor((c) => c.frames.length >= 1);
        const hello = client.events[0]!;
        await client.close();
        return { id: hello.id ?? headers['Last-Event-ID'], epoch: (JSON.parse(hello.data) as HelloFrame).epoch };
      };
      const reconnect = async (id: string | undefined) =>
        SseTestClient.open(srv.port, '/ws/early-drop', id === undefined ? {} : { 'Last-Event-ID': id });

      const fresh = await idAfterHello({});
      const afterFresh = await reconnect(fresh.id);
      await afterFresh.waitFor((c) => c.statuses.length === 1, 2000);
      expect(afterFresh.statuses[0]).toMatchObject({ data: 's2', seq: 2 });

      const resumed = await idAfterHello({ 'Last-Event-ID': `${fresh.epoch}:1` });
      const afterResumed = await reconnect(resumed.id);
      await afterResumed.waitFor((c) => c.statuses.length === 1, 2000);
      expect(afterResumed.statuses[0]).toMatchObject({ data: 's2', seq: 2 });
      await Promise.all([afterFresh.close(), afterResumed.close()]);
    });

    it('treats a malformed Last-Event-ID as a fresh connection', async () => {
      srv.hub.send('bad-id', 'latest');
      const client = await SseTestClient.open(srv.port, '/ws/bad-id', { 'Last-Event-ID': 'garbage' });
      await client.waitFor((c) => c.statuses.length === 1);
      expect(client.frames.map((f) => f.type)).toEqual(['hello', 'status']);
      await client.close();
    });
  });

  describe('refusals, as plain HTTP before any event', () => {
    it('answers 400 for a bad session id, 405 for a non-GET, and passes other paths on', async () => {
      const s = await startSseServer();
      try {
        for (const path of ['/status/a%20b', '/status/a%2Fb', `/status/${'x'.repeat(257)}`]) {
          const client = await SseTestClient.open(s.port, path);
          expect([path, client.status, client.events.length]).toEqual([path, 400, 0]);
          await client.ended;
        }
        const post = await SseTestClient.open(s.port, '/status/ok', {}, 'POST');
        expect([post.status, post.headers.allow]).toEqual([405, 'GET']);
        for (const path of ['/elsewhere', '/status', '/status/', '/status/a/b']) {
          expect([path, await (await fetch(`http://127.0.0.1:${s.port}${path}`)).text()]).toEqual([path, 'app']);
        }
        expect(s.hub.stats().refused).toEqual({ 400: 3, 405: 1 });
      } finally {
        await s.close();
      }
    });

    it('refuses foreign origins with 403 (readable by their page: nothing but the refusal) and gives an allowlisted one a stream with CORS headers, credentials included', async () => {
      const s = await startSseServer({ allowedOrigins: ['https://app.example.com'] });
      try {
        const evil = await SseTestClient.open(s.port, '/status/o', { Origin: 'https://evil.example' });
        expect(evil.status).toBe(403);
        // The page that asked may read why (its client then stops and says so), and nothing else.
        expect(evil.headers['access-control-allow-origin']).toBe('https://evil.example');
        expect(evil.headers['content-type']).toMatch(/^text\/plain/);
        expect(evil.body).toBe('Forbidden: origin not allowed\n');
        const good = await SseTestClient.open(s.port, '/status/o', { Origin: 'https://app.example.com' });
        expect(good.status).toBe(200);
        expect(good.headers['access-control-allow-origin']).toBe('https://app.example.com');
        expect(good.headers['access-control-allow-credentials']).toBe('true');
        expect(good.headers.vary).toBe('Origin');
        await good.close();
        const preflight = await fetch(`http://127.0.0.1:${s.port}/status/o`, {
          method: 'OPTIONS',
          headers: { Origin: 'https://app.example.com', 'Access-Control-Request-Method': 'GET', 'Access-Control-Request-Headers': 'last-event-id' },
        });
        expect(preflight.status).toBe(204);
        expect(preflight.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
        expect(preflight.headers.get('access-control-allow-headers')).toMatch(/Last-Event-ID/);
        const badPreflight = await fetch(`http://127.0.0.1:${s.port}/status/o`, {
          method: 'OPTIONS',
          headers: { Origin: 'https://evil.example', 'Access-Control-Request-Method': 'GET' },
        });
        expect(badPreflight.status).toBe(403);
      } finally {
        await s.close();
      }
    });

    it('answers 401/403 from authorize, 500 when it throws, 503 when it hangs', async () => {
      const s = await startSseServer({
        authorizeTimeoutMs: 200,
        allowedOrigins: ['https://app.example.com'],
        authorize: (request, sessionId) => {
          if (sessionId === 'boom') throw new Error('database down');
          if (sessionId === 'hang') return new Promise<boolean>(() => {});
          const token = new URL(request.url!, 'http://x').searchParams.get('token');
          if (token === 'good') return Promise.resolve(true);
          if (token === 'other') return { allow: false, status: 403 };
          return false;
        },
      });
      try {
        const cases: [string, number][] = [
          ['/status/s?token=good', 200],
          ['/status/s?token=bad', 401],
          ['/status/s?token=other', 403],
          ['/status/boom', 500],
          ['/status/hang', 503],
        ];
        for (const [path, status] of cases) {
          const client = await SseTestClient.open(s.port, path, { Origin: 'https://app.example.com' });
          expect([path, client.status]).toEqual([path, status]);
          // The page of an allowlisted origin can read why it was refused.
          expect(client.headers['access-control-allow-origin']).toBe('https://app.example.com');
          await client.close();
        }
        expect(s.hub.stats().refused).toMatchObject({ 401: 1, 403: 1, 500: 1, 503: 1 });
      } finally {
        await s.close();
      }
    });

    it('limits streams per session (429) and in all (503), counted together with sockets', async () => {
      const s = await startSseServer({ maxSocketsPerSession: 2, maxSockets: 3 });
      try {
        const a = [await SseTestClient.open(s.port, '/status/lim'), await SseTestClient.open(s.port, '/status/lim')];
        expect((await SseTestClient.open(s.port, '/status/lim')).status).toBe(429);
        const b = await SseTestClient.open(s.port, '/status/other');
        const third = await SseTestClient.open(s.port, '/status/third');
        expect([third.status, third.headers['retry-after']]).toEqual([503, '5']);
        expect(s.hub.stats().sseStreams).toBe(3);
        await Promise.all([...a, b].map((c) => c.close()));
      } finally {
        await s.close();
      }
    });

    it('answers 503 once the hub is shutting down', async () => {
      const s = await startSseServer();
      await s.hub.close();
      const client = await SseTestClient.open(s.port, '/status/late');
      expect(client.status).toBe(503);
      await s.close();
    });
  });

  describe('liveness and limits', () => {
    it('writes a comment heartbeat every sseHeartbeatMs', async () => {
      srv = await startHubServer({ heartbeatIntervalMs: 0, sseHeartbeatMs: 100 });
      const client = await SseTestClient.open(srv.port, '/ws/beat');
      await client.waitFor((c) => c.parser.comments.length >= 2, 5000);
      expect(client.parser.comments[0]).toBe('keep-alive');
      await client.close();
    });

    it('gives the slot of a client that vanished without a FIN to a new connection within one heartbeat window', async () => {
      const HEARTBEAT_MS = 500;
      srv = await startHubServer({ heartbeatIntervalMs: 0, sseHeartbeatMs: HEARTBEAT_MS, maxSocketsPerSession: 1 });
      const gate = await startTcpGate('127.0.0.1', srv.port);
      try {
        const ghost = await SseTestClient.open(gate.port, '/ws/vanish');
        await ghost.waitFor((c) => c.frames.length === 1);
        gate.freeze();
        const vanishedAt = Date.now();
        let next: SseTestClient;
        for (;;) {
          next = await SseTestClient.open(srv.port, '/ws/vanish');
          if (next.status === 200) break;
          expect(next.status).toBe(429);
          await next.ended;
          if (Date.now() - vanishedAt > 10 * HEARTBEAT_MS) throw new Error('the vanished client still holds the session’s only slot');
          await sleep(HEARTBEAT_MS / 20); // retry interval of the wait for the freed slot
        }
        const elapsed = Date.now() - vanishedAt;
        expect(elapsed).toBeLessThan(3 * HEARTBEAT_MS);
        srv.hub.send('vanish', 'to the new tab');
        await next.waitFor((c) => c.statuses.length === 1);
        expect(srv.hub.stats()).toMatchObject({ sseStreams: 1, closedByHub: { 4009: 1 } });
        console.log(`SSE client vanished without FIN (sseHeartbeatMs ${HEARTBEAT_MS}): its slot went to a new connection after ${elapsed} ms`);
        await next.close();
      } finally {
        await gate.dispose();
      }
    });

    it('coalesces a reader that stopped to the newest status, then ends it past twice the cap', async () => {
      const CAP = 64 * 1024;
      srv = await startHubServer({ heartbeatIntervalMs: 0, maxBufferedBytes: CAP, maxStatusLength: 20_000 });
      const slow = await SseTestClient.open(srv.port, '/ws/slow');
      await slow.waitFor((c) => c.frames.length === 1);
      slow.pause();
      const padding = 'x'.repeat(16 * 1024);
      for (let i = 1; i <= 400; i += 1) {
        srv.hub.send('slow', `${i} ${padding}`);
        if (i % 20 === 0) await sleep(5); // pacing: the producer yields to the event loop between bursts, so the socket writes
      }
      expect(srv.hub.stats().coalesced).toBeGreaterThan(100);
      expect(srv.hub.stats().sseStreams).toBe(1);
      slow.resume();
      await slow.waitFor((c) => c.statuses.at(-1)?.seq === 400, 20_000);
      // Frames that cannot be coalesced: past twice the cap the stream is ended.
      slow.pause();
      for (let i = 0; i < 400 && srv.hub.stats().sseStreams === 1; i += 1) {
        srv.hub.sendFrame('slow', { type: 'agent_message', message: `${i} ${padding}` });
        if (i % 10 === 0) await sleep(2); // pacing: the producer yields to the event loop between bursts, so the socket writes
      }
      slow.resume();
      await slow.ended;
      expect(srv.hub.stats().closedByHub[4008]).toBe(1);
      expect(srv.hub.stats().sseStreams).toBe(0);
    }, 30_000);

    it.each([
      ['ASCII', 'x'],
      ['three-byte UTF-8 (…)', '…'],
      ['four-byte UTF-8 (😀)', '😀'],
    ])('counts the cap in bytes: a stalled reader of %s text is ended holding the cap in its socket and the cap queued', async (_kind, unit) => {
      const CAP = 128 * 1024;
      srv = await startHubServer({ heartbeatIntervalMs: 0, sseHeartbeatMs: 0, maxBufferedBytes: CAP });
      // A raw TCP client: it reads the response head, then stops reading, and counts every byte it finally gets.
      const client = net.connect(srv.port, '127.0.0.1');
      let received = 0;
      client.on('data', (chunk: Buffer) => {
        received += chunk.length;
        if (received > 0) client.pause();
      });
      const closed = new Promise((resolve) => client.once('close', resolve));
      client.write('GET /ws/bytes HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n');
      await until(() => received > 0 && srv.hub.stats().sseStreams === 1);
      const receivedBefore = received;
      // Frames nothing can coalesce, each 24 KiB of UTF-8, until the hub ends the stream.
      const FRAME = 24 * 1024;
      const text = unit.repeat(FRAME / Buffer.byteLength(unit));
      const eventBytes = Buffer.byteLength(`data: ${JSON.stringify({ type: 'agent_message', text })}\n\n`);
      let given = 0;
      while (srv.hub.stats().sseStreams === 1) {
        srv.hub.sendFrame('bytes', { type: 'agent_message', text });
        await Promise.resolve();
        if (srv.hub.stats().sseStreams === 0) break;
        given += eventBytes;
        if (given > 64 * CAP) throw new Error('the stream was never ended');
      }
      expect(srv.hub.stats().closedByHub[4008]).toBe(1);
      client.resume();
      await closed;
      // The stream is destroyed when ended: what the client never got is what the server held in
      // user space then — the socket's writable buffer plus the hub's queue, the two the cap bounds
      // (each at most `maxBufferedBytes`, counted in UTF-8 bytes whatever the text).
      const held = given - (received - receivedBefore);
      const kib = (bytes: number) => `${Math.round(bytes / 1024)} KiB`;
      console.log(`SSE stalled reader, ${_kind} text, cap ${kib(CAP)}: ended holding ${kib(held)} (socket buffer and queue)`);
      expect(held).toBeLessThanOrEqual(2 * CAP + FRAME + 1024);
    });

    it('ends every stream on hub.close() and resolves once they are gone', async () => {
      srv = await startHubServer({ heartbeatIntervalMs: 0 });
      const clients = await Promise.all([SseTestClient.open(srv.port, '/ws/c1'), SseTestClient.open(srv.port, '/ws/c2')]);
      const ws = await TestClient.open(srv.url('c1'));
      await srv.hub.close();
      await Promise.all(clients.map((c) => c.ended));
      expect((await ws.closed).code).toBe(1001);
      expect(srv.hub.stats()).toMatchObject({ sseStreams: 0, sockets: 0 });
      expect(srv.hub.stats().closedByHub[1001]).toBe(3);
    });

    it('can leave SSE off on the WebSocket path (attach { sse: false })', async () => {
      const hub = new StatusHub({ heartbeatIntervalMs: 0 });
      const server = http.createServer((_q, r) => r.end('app'));
      hub.attach(server, { sse: false });
      const port = await listen(server);
      const client = await SseTestClient.open(port, '/ws/x');
      expect([client.status, client.body]).toEqual([200, 'app']);
      await hub.close();
      await new Promise((resolve) => server.close(resolve));
    });
  });

  describe('hosts', () => {
    it('works as Express middleware: app.use(hub.sseHandler()) and next() for the rest', async () => {
      const hub = new StatusHub({ heartbeatIntervalMs: 0 });
      const app = express();
      app.use(hub.sseHandler({ path: '/events' }));
      app.get('/hello', (_req, res) => void res.send('from express'));
      const server = http.createServer(app);
      const port = await listen(server);
      const client = await SseTestClient.open(port, '/events/ex');
      hub.send('ex', 'via express');
      await client.waitFor((c) => c.statuses.length === 1);
      expect(client.statuses[0]!.data).toBe('via express');
      expect(await (await fetch(`http://127.0.0.1:${port}/hello`)).text()).toBe('from express');
      await hub.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    });

    it('works over HTTP/2 with the compat API', async () => {
      const hub = new StatusHub({ heartbeatIntervalMs: 0 });
      const sse = hub.sseHandler();
      const server = http2.createServer((req, res) => {
        if (!sse(req, res)) res.writeHead(404).end();
      });
      const port = await listen(server);
      const client = await SseTestClient.openHttp2(port, '/status/h2', { origin: `http://127.0.0.1:${port}` });
      expect([client.status, client.headers['content-type']]).toEqual([200, 'text/event-stream; charset=utf-8']);
      hub.send('h2', 'over h2');
      await client.waitFor((c) => c.statuses.length === 1);
      const epoch = (client.frames[0] as HelloFrame).epoch;
      expect(client.events[1]!.id).toBe(`${epoch}:1`);
      await client.close();
      const again = await SseTestClient.openHttp2(port, '/status/h2', { 'last-event-id': `${epoch}:0` });
      await again.waitFor((c) => c.statuses.length === 1);
      expect(again.statuses[0]).toMatchObject({ data: 'over h2', replay: true });
      const closing = hub.close();
      await again.ended;
      await closing;
      await again.close();
      await new Promise((resolve) => server.close(resolve));
    });
  });
});
