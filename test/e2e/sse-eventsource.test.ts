/**
 * The SSE endpoint in real headless Chromium with a plain `EventSource` (no client library):
 * the browser's own reconnect sends `Last-Event-ID`, and the hub resumes it without loss or
 * duplicates; a cross-origin page allowed by `allowedOrigins` reads the stream with credentials.
 */
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { StatusHub } from '../../src/hub/status-hub.js';
import { describeWithChromium, launchChromium } from '../support/browser.js';

const PAGE = `<!doctype html><meta charset="utf-8"><title>sse</title><script>
  window.received = [];
  window.open_ = (url, withCredentials) => {
    const source = new EventSource(url, { withCredentials });
    source.onmessage = (event) => window.received.push({ id: event.lastEventId, frame: JSON.parse(event.data) });
    source.onerror = () => window.received.push({ error: source.readyState });
  };
</script>`;

async function listen(server: http.Server): Promise<number> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as AddressInfo).port;
}

type Received = { id?: string; frame?: { type: string; seq?: number; data?: string; replay?: boolean; epoch?: string }; error?: number }[];
const received = (page: Page) => page.evaluate(() => (globalThis as unknown as { received: Received }).received);

async function until(page: Page, predicate: (r: Received) => boolean, timeoutMs = 15_000): Promise<Received> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await received(page);
    if (predicate(r)) return r;
    if (Date.now() > deadline) throw new Error(`timed out: ${JSON.stringify(r).slice(-800)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describeWithChromium('SSE with a plain EventSource in Chromium', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('shows statuses, and resumes by Last-Event-ID after the connection drops: none lost, none twice', async () => {
    const hub = new StatusHub({ heartbeatIntervalMs: 0, sseRetryMs: 200 });
    const lastEventIds: (string | undefined)[] = [];
    const server = http.createServer((req, res) => {
      if (req.url === '/') return void res.writeHead(200, { 'content-type': 'text/html' }).end(PAGE);
      res.writeHead(404).end();
    });
    hub.attach(server);
    // Added after attach, so not wrapped: it sees the SSE requests too (and answers none).
    server.prependListener('request', (req) => {
      if (req.headers.accept?.includes('text/event-stream')) lastEventIds.push(req.headers['last-event-id'] as string | undefined);
    });
    const port = await listen(server);
    const context = await browser.newContext();
    const page = await context.newPage();
    try {
      await page.goto(`http://127.0.0.1:${port}/`);
      await page.evaluate(() => (globalThis as unknown as { open_(u: string, c: boolean): void }).open_('/ws/tab', false));
      await until(page, (r) => r.some((e) => e.frame?.type === 'hello'));
      hub.send('tab', 'one');
      hub.send('tab', 'two');
      await until(page, (r) => r.filter((e) => e.frame?.type === 'status').length === 2);
      // The connection drops (a proxy restart); statuses keep coming meanwhile.
      server.closeAllConnections();
      hub.send('tab', 'three');
      hub.send('tab', 'four');
      const r = await until(page, (x) => x.filter((e) => e.frame?.type === 'status').length === 4);
      const statuses = r.filter((e) => e.frame?.type === 'status');
      expect(statuses.map((e) => [e.frame!.data, e.frame!.seq])).toEqual([
        ['one', 1],
        ['two', 2],
        ['three', 3],
        ['four', 4],
      ]);
      const hello = r.find((e) => e.frame?.type === 'hello')!;
      const epoch = hello.frame!.epoch;
      // The hello names no status, so it leaves the browser's last event id as it was (none yet).
      expect(hello.id).toBe('');
      expect(statuses.map((e) => e.id)).toEqual([1, 2, 3, 4].map((seq) => `${epoch}:${seq}`));
      expect(statuses.slice(2).every((e) => e.frame!.replay === true)).toBe(true);
      expect(lastEventIds.length).toBeGreaterThanOrEqual(2);
      expect(lastEventIds[0]).toBeUndefined();
      expect(lastEventIds.at(-1)).toBe(`${epoch}:2`);
    } finally {
      await context.close();
      await hub.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  }, 60_000);

  it('serves an allowlisted cross-origin page with credentials, and refuses an unlisted one', async () => {
    const pages = http.createServer((_req, res) => void res.writeHead(200, { 'content-type': 'text/html' }).end(PAGE));
    const pagePort = await listen(pages);
    const pageOrigin = `http://127.0.0.1:${pagePort}`;
    const hub = new StatusHub({ heartbeatIntervalMs: 0, allowedOrigins: [pageOrigin] });
    const api = http.createServer((_req, res) => void res.writeHead(404).end());
    hub.attach(api);
    const apiPort = await listen(api);
    const context = await browser.newContext();
    try {
      hub.send('x', 'cross-origin status');
      const open = (page: Page, url: string) =>
        page.evaluate((u) => (globalThis as unknown as { open_(u: string, c: boolean): void }).open_(u, true), url);
      // The same page served as http://localhost:… is another origin, not listed: 403, and EventSource gives up.
      const unlisted = await context.newPage();
      await unlisted.goto(`http://localhost:${pagePort}/`);
      await open(unlisted, `http://127.0.0.1:${apiPort}/ws/x`);
      const refused = await until(unlisted, (r) => r.some((e) => e.error === 2));
      expect(refused.some((e) => e.frame)).toBe(false);
      const page = await context.newPage();
      await page.goto(`${pageOrigin}/`);
      await open(page, `http://127.0.0.1:${apiPort}/ws/x`);
      const r = await until(page, (x) => x.some((e) => e.frame?.type === 'status'));
      expect(r.find((e) => e.frame?.type === 'status')!.frame).toMatchObject({ data: 'cross-origin status', replay: true });
      expect(hub.stats().refused[403]).toBe(1);
    } finally {
      await context.close();
      await hub.close();
      for (const server of [pages, api]) {
        server.closeAllConnections();
        await new Promise((resolve) => server.close(resolve));
      }
    }
  }, 60_000);
});
