/**
 * Hostile HTTP upgrade requests, sent as raw bytes: the process stays up, the answer is a
 * proper 4xx before any upgrade, and nothing is left registered.
 */
import net from 'node:net';
import { rawUpgrade, startHubServer, TestClient } from '../support/hub-server.js';
import type { HubServer } from '../support/hub-server.js';

function rawRequest(port: number, request: string | Buffer): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let response = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => (response += chunk));
    socket.on('error', () => resolve(response));
    socket.on('close', () => resolve(response));
    socket.setTimeout(5000, () => socket.destroy());
    socket.end(request);
  });
}

const upgradeHead = (path: string, extra = '') =>
  `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n` +
  `Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n${extra}\r\n`;

describe('StatusHub against hostile upgrade requests', () => {
  let srv: HubServer;
  beforeEach(async () => {
    srv = await startHubServer();
  });
  afterEach(async () => {
    await srv.close();
  });

  async function stillServes(): Promise<void> {
    const client = await TestClient.open(srv.url('after'));
    srv.hub.send('after', 'still here');
    await client.waitFor((c) => c.statuses.length === 1);
    await client.close();
  }

  it('survives a request with 2,000 headers (CVE-2024-37890 class)', async () => {
    const many = Array.from({ length: 2000 }, (_, i) => `X-Flood-${i}: ${'v'.repeat(10)}\r\n`).join('');
    const big = await rawRequest(srv.port, upgradeHead('/ws/flood', many));
    expect(big).toMatch(/^HTTP\/1\.1 431/);
    // Small enough to pass Node's 16 KiB header limit: handled normally.
    const small = Array.from({ length: 2000 }, (_, i) => `a${i}:1\r\n`).join('');
    const smallResponse = await rawRequest(srv.port, upgradeHead('/ws/flood', small));
    expect(smallResponse).toMatch(/^HTTP\/1\.1 (101|4\d\d)/);
    // 2,000 Sec-WebSocket-Protocol headers, the shape of the ws CVE.
    const protocols = Array.from({ length: 2000 }, () => 'Sec-WebSocket-Protocol: a\r\n').join('');
    const cve = await rawRequest(srv.port, upgradeHead('/ws/flood', protocols));
    expect(cve).toMatch(/^HTTP\/1\.1 (101|4\d\d)/);
    await stillServes();
  });

  it('answers malformed upgrades with 4xx and registers nothing', async () => {
    const cases: [string, RegExp][] = [
      [upgradeHead('/ws/../../etc/passwd'), /^HTTP\/1\.1 404/],
      [upgradeHead('/ws/%00'), /^HTTP\/1\.1 400/],
      [upgradeHead(`/ws/${'a'.repeat(5000)}`), /^HTTP\/1\.1 400/],
      [upgradeHead('/ws/ok', 'Origin: http://evil.example\r\n'), /^HTTP\/1\.1 403/],
      [upgradeHead('/ws/ok', 'Origin: null\r\n'), /^HTTP\/1\.1 403/],
      [
        'GET /ws/ok HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n\r\n',
        /^HTTP\/1\.1 400/,
      ],
      ['GET /ws/ok HTTP/1.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n', /^HTTP\/1\.1 400/],
      ['NOT HTTP AT ALL\r\n\r\n', /^HTTP\/1\.1 400/],
    ];
    for (const [request, expected] of cases) {
      const response = await rawRequest(srv.port, request);
      expect([request.slice(0, 60), response.slice(0, 40)]).toEqual([request.slice(0, 60), expect.stringMatching(expected)]);
    }
    expect(srv.hub.stats().sockets).toBe(0);
    await stillServes();
  });

  it('refuses look-alike origins exactly', async () => {
    const host = `127.0.0.1:${srv.port}`;
    for (const origin of [`http://${host}.evil.io`, `http://evil.io/${host}`, `http://${host}@evil.io`, `ws://${host}`, 'http://127.0.0.1']) {
      expect([origin, (await rawUpgrade(srv.port, '/ws/o', { Origin: origin })).status]).toEqual([origin, 403]);
    }
  });

  it('cleans up when the client disappears while authorize is pending', async () => {
    await srv.close();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let asked!: () => void;
    const authorizing = new Promise<void>((resolve) => (asked = resolve));
    srv = await startHubServer({
      authorize: async () => {
        asked();
        await gate;
        return true;
      },
    });
    const serverSide = new Promise<net.Socket>((resolve) => srv.server.once('connection', resolve));
    const socket = net.connect(srv.port, '127.0.0.1');
    socket.on('error', () => {});
    socket.write(upgradeHead('/ws/gone'));
    await authorizing;
    const gone = new Promise((resolve) => void serverSide.then((s) => (s.destroyed ? resolve(undefined) : s.once('close', resolve))));
    socket.destroy();
    await gone;
    release();
    // The verdict lands a few promise jobs later; a macrotask runs after all of them.
    await new Promise((resolve) => setImmediate(resolve));
    expect(srv.hub.stats().sockets).toBe(0);
    await stillServes();
  });
});
