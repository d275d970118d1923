/**
 * The client over Server-Sent Events, in real headless Chromium against a real http server +
 * StatusHub: `transport: 'sse'` (the browser's EventSource), `auto` falling back to SSE when
 * every WebSocket upgrade is dropped, resume after a server restart on the same port, and two
 * tabs of one session on different transports. Needs `npm run build` first.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { describeWithChromium, launchChromium } from '../support/browser.js';
import { PageServer, waitUntil } from './client-page-server.js';

interface Recorded {
  statuses: { data: string; seq: number; replay: boolean }[];
  states: { state: string; attempt: number; transport: string; code?: number; error?: unknown }[];
  gaps: { reason: string }[];
}
interface TestPage {
  events: Recorded;
  text(): string | null;
  start(url: string, options?: Record<string, unknown>): void;
  stop(): void;
}

const FAST = { reconnectDelayMs: 100, maxReconnectDelayMs: 300, stableAfterMs: 300 };

describeWithChromium('the client over SSE in Chromium', () => {
  let browser: Browser;
  let context: BrowserContext;
  let srv: PageServer;
  let pageErrors: string[];

  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });
  beforeEach(async () => {
    context = await browser.newContext();
    pageErrors = [];
  });
  afterEach(async () => {
    await context?.close();
    await srv?.stop();
    expect(pageErrors).toEqual([]);
  });

  async function openPage(): Promise<Page> {
    const page = await context.newPage();
    page.on('pageerror', (error) => pageErrors.push(String(error)));
    await page.goto(`${srv.origin}/page.html`);
    return page;
  }
  const start = (page: Page, url: string, options: Record<string, unknown>) =>
    page.evaluate(([u, o]) => (globalThis as unknown as TestPage).start(u as string, o as Record<string, unknown>), [url, options] as const);
  const events = (page: Page) => page.evaluate(() => (globalThis as unknown as TestPage).events);
  const waitForText = (page: Page, expected: string) =>
    page.waitForFunction((t) => (globalThis as unknown as TestPage).text() === t, expected, { timeout: 10_000 });
  const connected = (session: string, count = 1) =>
    waitUntil(`${count} connection(s) on ${session}`, () => srv.hub.socketCount(session) === count);

  it('transport: "sse" shows statuses through EventSource, with no WebSocket at all', async () => {
    srv = await PageServer.start();
    const page = await openPage();
    const sockets: string[] = [];
    page.on('websocket', (ws) => sockets.push(ws.url()));
    await start(page, '/ws/sse-only?token=abc', { ...FAST, transport: 'sse' });
    await connected('sse-only');
    for (let i = 1; i <= 3; i += 1) srv.hub.send('sse-only', { message: `step ${i}`, progress: i * 30 });
    await waitForText(page, 'step 3');
    expect((await events(page)).statuses.map((s) => s.data)).toEqual(['step 1', 'step 2', 'step 3']);
    expect(await page.getAttribute('#status progress', 'value')).toBe('90');
    expect(await page.getAttribute('#status', 'data-connection')).toBe('open');
    expect((await events(page)).states).toEqual([{ state: 'open', attempt: 0, transport: 'sse' }]);
    expect(sockets).toEqual([]);
    expect(srv.upgrades).toEqual([]);
    expect(srv.streams).toEqual(['/ws/sse-only?token=abc']);

    await page.evaluate(() => (globalThis as unknown as TestPage).stop());
    await waitUntil('the stream closes', () => srv.hub.socketCount('sse-only') === 0);
  });

  it('auto falls back to SSE when every upgrade is dropped, says so, and shows the next status', async () => {
    srv = await PageServer.start({}, {}, { refuseUpgrades: true });
    const page = await openPage();
    await start(page, '/ws/proxied', FAST);
    await connected('proxied');
    srv.hub.send('proxied', 'through the proxy');
    await waitForText(page, 'through the proxy');
    const states = (await events(page)).states;
    // Two WebSocket tries that never opened (the default `fallbackAfter`), then SSE.
    expect(states.map((s) => [s.state, s.transport])).toEqual([
      ['reconnecting', 'websocket'],
      ['reconnecting', 'sse'],
      ['open', 'sse'],
    ]);
    expect(states[0]?.code).toBe(1006);
    expect(srv.streams).toEqual(['/ws/proxied']);
    // After each failed try the client asked the hub over HTTP: it would admit the page, so the
    // failure is the proxy's, and no error is reported.
    expect(srv.probes).toEqual(['/ws/proxied', '/ws/proxied']);
    expect(states.map((s) => s.error)).toEqual([undefined, undefined, undefined]);
    srv.hub.send('proxied', { message: 'Done', state: 'done' });
    await waitForText(page, 'Done');
    expect(await page.getAttribute('#status', 'data-run')).toBe('done');
  });

  it('resumes over SSE after a server restart on the same port, with a reset gap', async () => {
    srv = await PageServer.start();
    const page = await openPage();
    await start(page, '/ws/restart', { ...FAST, transport: 'sse' });
    await connected('restart');
    srv.hub.send('restart', 'before');
    await waitForText(page, 'before');
    const port = srv.port;
    await srv.stop();
    await page.waitForFunction('document.getElementById("status").getAttribute("data-stale") === "true"');
    await srv.start();
    expect(srv.port).toBe(port);
    await connected('restart');
    await page.waitForFunction('document.getElementById("status").getAttribute("data-gap") === "reset"');
    expect(srv.streams.at(-1)).toMatch(/^\/ws\/restart\?since=1&epoch=[\w-]+$/);
    srv.hub.send('restart', 'after');
    await waitForText(page, 'after');
    const seen = await events(page);
    expect(seen.statuses.map((s) => [s.data, s.seq])).toEqual([['before', 1], ['after', 1]]);
    expect(seen.gaps.map((g) => g.reason)).toEqual(['reset']);
    expect(seen.states.every((s) => s.transport === 'sse')).toBe(true);
  });

  it('two tabs of one session, one on WebSocket and one on SSE, both see every status in order', async () => {
    srv = await PageServer.start();
    const [ws, sse] = [await openPage(), await openPage()];
    await start(ws, '/ws/mixed', { ...FAST, transport: 'websocket' });
    await start(sse, '/ws/mixed', { ...FAST, transport: 'sse' });
    await connected('mixed', 2);
    const texts = Array.from({ length: 20 }, (_, i) => `status ${i + 1}`);
    for (const text of texts) srv.hub.send('mixed', text);
    await Promise.all([waitForText(ws, 'status 20'), waitForText(sse, 'status 20')]);
    expect((await events(ws)).statuses.map((s) => s.data)).toEqual(texts);
    expect((await events(sse)).statuses.map((s) => s.data)).toEqual(texts);
    expect((await events(ws)).states.map((s) => s.transport)).toEqual(['websocket']);
    expect((await events(sse)).states.map((s) => s.transport)).toEqual(['sse']);
    expect(srv.upgrades).toHaveLength(1);
    expect(srv.streams).toHaveLength(1);
  });
});
