/**
 * The hub frames each WebSocket text frame once with ws's own `Sender.frame`, shares it between
 * the sockets of a session, and writes it straight into each socket, corked for the burst
 * (src/hub/transports/websocket.ts). Checked with a real `ws` client: every length class of
 * RFC 6455 (7-, 16-, 64-bit), byte lengths that cross a class boundary only in UTF-8, one
 * socket and a shared frame for many, and the order against what ws itself writes to the same
 * socket (a user's `ws.send`, a Blob, `ws.close`, the end after the peer's FIN) in the same tick.
 */
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync } from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { WebSocket as ServerSocket } from 'ws';
import { StatusHub } from '../../src/hub/status-hub.js';
import { startHubServer, TestClient } from '../support/hub-server.js';
import type { HubServer } from '../support/hub-server.js';

// JSON texts of frames whose UTF-8 length lands on, just under and just over each boundary.
function payloads(): string[] {
  const sizes = [0, 1, 100, 110, 125, 126, 127, 1000, 65_535, 65_536, 70_000];
  const ascii = sizes.map((n) => 'a'.repeat(n));
  // '…' is 3 bytes in UTF-8: fewer than 126 (or 65,536) characters, more bytes than that.
  const wide = [40, 41, 42, 60, 21_840, 21_846, 30_000].map((n) => '…'.repeat(n));
  return [...ascii, ...wide, 'mixed ✓ ' + '€'.repeat(50) + ' 😀'.repeat(30)];
}

/** What each frame after the hello carries: a status's `data`, another frame's `text`. */
function textsAfterHello(client: TestClient): (string | undefined)[] {
  return client.raw.slice(1).map((text) => {
    const frame = JSON.parse(text) as { type: string; data?: string; text?: string };
    return frame.type === 'status' ? frame.data : frame.text;
  });
}

describe('hub WebSocket framing', () => {
  let srv: HubServer;
  afterEach(async () => {
    await srv?.close();
  });

  /** Starts the hub server; returns the server side of every socket it accepts, in order. */
  async function startWithServerSockets(): Promise<ServerSocket[]> {
    srv = await startHubServer();
    const sockets: ServerSocket[] = [];
    srv.hub.on('connection', (_id, socket) => sockets.push(socket));
    return sockets;
  }

  it.each([1, 3])('delivers frames of every length class intact, one burst and one at a time (%i sockets)', async (sockets) => {
    srv = await startHubServer();
    const clients = await Promise.all(Array.from({ length: sockets }, () => TestClient.open(srv.url('sizes'))));
    const texts = payloads();
    // One burst: every frame written in one synchronous run.
    for (const [i, text] of texts.entries()) srv.hub.sendFrame('sizes', { type: 'agent_message', i, text });
    // Then one per tick.
    for (const [i, text] of texts.entries()) {
      srv.hub.sendFrame('sizes', { type: 'agent_message', i: i + texts.length, text });
      await new Promise((resolve) => setImmediate(resolve));
    }
    for (const client of clients) {
      const messages = () => client.raw.map((text) => JSON.parse(text) as { type: string; i: number; text: string }).filter((f) => f.type === 'agent_message');
      await client.waitFor(() => messages().length === texts.length * 2);
      const got = messages();
      expect(got.map((f) => f.i)).toEqual(Array.from({ length: texts.length * 2 }, (_, i) => i));
      expect(got.map((f) => f.text)).toEqual([...texts, ...texts]);
    }
    await Promise.all(clients.map((c) => c.close()));
  });

  it('keeps its frames in order with what the application writes on the same socket in the same tick', async () => {
    const sockets = await startWithServerSockets();
    const client = await TestClient.open(srv.url('order'));
    await client.waitFor((c) => c.frames.length >= 1 && sockets.length === 1);
    srv.hub.send('order', 'one');
    sockets[0]!.send(JSON.stringify({ type: 'agent_message', text: 'between' }));
    srv.hub.send('order', 'two');
    sockets[0]!.ping();
    srv.hub.send('order', 'three');
    sockets[0]!.close(4000, 'done');
    const closed = await client.closed;
    expect(closed.code).toBe(4000);
    const order = textsAfterHello(client);
    expect(order).toEqual(['one', 'between', 'two', 'three']);
  });

  it('stays behind a Blob the application sends on the same socket (ws queues sends while it reads one)', async () => {
    const sockets = await startWithServerSockets();
    const client = await TestClient.open(srv.url('blob'));
    await client.waitFor((c) => c.frames.length >= 1 && sockets.length === 1);
    srv.hub.send('blob', 'one');
    sockets[0]!.send(new Blob([JSON.stringify({ type: 'agent_message', text: 'blob' })]));
    srv.hub.send('blob', 'two');
    srv.hub.sendFrame('blob', { type: 'agent_message', text: 'three' });
    await client.waitFor((c) => c.raw.length >= 5);
    const order = textsAfterHello(client);
    expect(order).toEqual(['one', 'blob', 'two', 'three']);
  });

  it('delivers a reply built while the peer half-closes (ws ends the socket after its FIN)', async () => {
    const sockets = await startWithServerSockets();
    srv.hub.on('message', (sessionId, text) => srv.hub.send(sessionId, `reply to ${text}`));
    const raw = net.connect(srv.port, '127.0.0.1');
    let received = Buffer.alloc(0);
    raw.on('data', (chunk: Buffer) => (received = Buffer.concat([received, chunk])));
    const errors: string[] = [];
    raw.write(`GET /ws/fin HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`);
    const deadline = Date.now() + 5000;
    while (sockets.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    const server = sockets[0]!;
    const serverSocket = (server as unknown as { _socket: net.Socket })._socket;
    serverSocket.on('error', (error: NodeJS.ErrnoException) => errors.push(error.code ?? error.message));
    // Paused, ws reads the text frame and the FIN together on resume: the reply is built in the
    // same tick as ws ends the socket.
    server.pause();
    const payload = Buffer.from('hi');
    const mask = Buffer.from([1, 2, 3, 4]);
    const frame = Buffer.concat([Buffer.from([0x81, 0x80 | payload.length]), mask, Buffer.from(payload.map((byte, i) => byte ^ mask[i % 4]!))]);
    raw.end(frame);
    // No event tells when the peer's bytes arrive while the socket is paused, but a paused socket
    // still reads them into its buffer: wait until the frame and the FIN (`ended`) are both there.
    const readState = (serverSocket as unknown as { _readableState: { ended: boolean } })._readableState;
    const arrivedBy = Date.now() + 5000;
    while (!(serverSocket.readableLength >= frame.length && readState.ended)) {
      if (Date.now() > arrivedBy) throw new Error(`the frame and FIN did not reach the paused socket (${serverSocket.readableLength} bytes, ended ${readState.ended})`);
      await new Promise((resolve) => setImmediate(resolve));
    }
    server.resume();
    await new Promise((resolve) => raw.once('close', resolve));
    expect(errors).toEqual([]);
    expect(received.includes(Buffer.from('reply to hi'))).toBe(true);
  });

  it('sends a status written just before hub.close() before the close frame', async () => {
    srv = await startHubServer();
    const client = await TestClient.open(srv.url('last'));
    await client.waitFor((c) => c.frames.length >= 1);
    srv.hub.send('last', 'final words');
    const closing = srv.hub.close();
    const closed = await client.closed;
    await closing;
    expect(closed.code).toBe(1001);
    expect(client.statuses.map((s) => s.data)).toEqual(['final words']);
  });

  it('drops the frames of a burst quietly when its socket dies before the burst ends', async () => {
    const sockets = await startWithServerSockets();
    const client = await TestClient.open(srv.url('gone'));
    await client.waitFor((c) => c.frames.length >= 1 && sockets.length === 1);
    const left = new Promise((resolve) => srv.hub.once('disconnect', resolve));
    for (let i = 0; i < 50; i += 1) srv.hub.send('gone', `late ${i}`);
    (sockets[0] as unknown as { _socket: { destroy(): void } })._socket.destroy();
    await Promise.all([client.closed, left]);
    expect(srv.hub.socketCount('gone')).toBe(0);
    expect(srv.hub.send('gone', 'after')).toBe(0);
  });
});

describe('hub WebSocket framing over TLS (wss)', () => {
  // A throwaway self-signed certificate, made with the system's openssl (skipped, saying so, without it).
  const tls = (() => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'hub-tls-'));
    try {
      execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=127.0.0.1', '-days', '1', '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem')], { stdio: 'ignore' });
      return { key: readFileSync(path.join(dir, 'key.pem')), cert: readFileSync(path.join(dir, 'cert.pem')) };
    } catch {
      console.log('hub-ws-framing: no openssl on this machine; the wss test is skipped');
      return undefined;
    }
  })();
  const itWithTls = tls ? it : it.skip;

  itWithTls('delivers bursts, shared frames and the close in order through a TLS socket', async () => {
    const server = https.createServer({ key: tls!.key, cert: tls!.cert });
    const hub = new StatusHub();
    hub.attach(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const url = `wss://127.0.0.1:${port}/ws/secure`;
    try {
      const clients = await Promise.all([1, 2].map(() => TestClient.open(url, { rejectUnauthorized: false })));
      await Promise.all(clients.map((c) => c.waitFor((x) => x.frames.length >= 1)));
      const texts = payloads();
      for (const [i, text] of texts.entries()) hub.sendFrame('secure', { type: 'agent_message', i, text });
      for (let i = 0; i < 20; i += 1) hub.send('secure', `step ${i}`);
      for (const client of clients) {
        await client.waitFor((c) => c.statuses.length === 20);
        const messages = client.raw.map((text) => JSON.parse(text) as { type: string; text?: string }).filter((f) => f.type === 'agent_message');
        expect(messages.map((f) => f.text)).toEqual(texts);
        expect(client.statuses.map((s) => s.data)).toEqual(Array.from({ length: 20 }, (_, i) => `step ${i}`));
      }
      const closed = Promise.all(clients.map((c) => c.closed));
      await hub.close();
      expect((await closed).map((c) => c.code)).toEqual([1001, 1001]);
    } finally {
      await hub.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
