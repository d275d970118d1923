/**
 * The drop-in when the hub refuses the connection, in real headless Chromium against a real
 * http server + StatusHub: a browser's WebSocket (and EventSource) hides the HTTP answer, so the
 * client asks the hub over HTTP why, stops where retrying cannot help, shows a short plain note
 * in the element (never the server's text) and warns once in the console with the fix. Needs
 * `npm run build` first (the page loads dist/).
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { StatusHubOptions } from '../../src/hub/hub-options.js';
import { describeWithChromium, launchChromium } from '../support/browser.js';
import { sleep } from '../support/hub-server.js';
import { PageServer, waitUntil } from './client-page-server.js';

const FAST = { reconnectDelayMs: 50, maxReconnectDelayMs: 100, stableAfterMs: 300 };

interface TestPage {
  events: { states: { state: string; attempt: number; error?: { status: number; code: string } }[] };
  start(url: string, options?: Record<string, unknown>): void;
  stop(): void;
}

describeWithChromium('startStatusUpdates when the hub refuses the connection (Chromium)', () => {
  let browser: Browser;
  let context: BrowserContext;
  let srv: PageServer;
  let pageErrors: string[];
  let warnings: string[];

  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });
  beforeEach(async () => {
    context = await browser.newContext();
    pageErrors = [];
    warnings = [];
  });
  afterEach(async () => {
    await context?.close();
    await srv?.stop();
    expect(pageErrors).toEqual([]);
  });

  async function openPage(): Promise<Page> {
    const page = await context.newPage();
    page.on('pageerror', (error) => pageErrors.push(String(error)));
    page.on('console', (message) => {
      if (message.type() === 'warning') warnings.push(message.text());
    });
    await page.goto(`${srv.origin}/page.html`);
    return page;
  }

  const start = (page: Page, url: string, options: Record<string, unknown> = FAST) =>
    page.evaluate(([u, o]) => (globalThis as unknown as TestPage).start(u as string, o as Record<string, unknown>), [url, options] as const);
  const states = async (page: Page) => (await page.evaluate(() => (globalThis as unknown as TestPage).events)).states;
  const attr = (page: Page, name: string) => page.getAttribute('#status', name);

  const cases: [string, StatusHubOptions, string, Record<string, unknown>, number, string, string, RegExp][] = [
    ['a session id the hub does not accept', {}, '/ws/bad%20id', {}, 400, 'ERR_INVALID_SESSION_ID', 'this link is not valid', /encodeURIComponent\(sessionId\)/],
    ['authorize saying no', { authorize: () => false }, '/ws/locked', {}, 401, 'ERR_UNAUTHORIZED', 'please sign in again', /`authorize`/],
    ['authorize saying 403', { authorize: () => ({ allow: false, status: 403, message: 'secret server detail' }) }, '/ws/locked', {}, 403, 'ERR_FORBIDDEN', 'access was refused', /`allowedOrigins`.*`authorize`/],
    ['an origin the hub does not allow', { allowedOrigins: ['https://app.example'], allowMissingOrigin: false }, '/ws/o', {}, 403, 'ERR_FORBIDDEN', 'access was refused', /`allowedOrigins`/],
    ['a path no hub serves', {}, '/wrong-path/abc', {}, 404, 'ERR_HUB_NOT_FOUND', 'the status service was not found', /check the host, port and path/],
    ['authorize saying no, over SSE', { authorize: () => false }, '/ws/locked', { transport: 'sse' }, 401, 'ERR_UNAUTHORIZED', 'please sign in again', /`authorize`/],
  ];

  it.each(cases)('on %s: stops, shows a plain note, and warns once with the fix', async (_label, hubOptions, url, options, status, code, note, fix) => {
    srv = await PageServer.start(hubOptions);
    const page = await openPage();
    const sockets: string[] = [];
    page.on('websocket', (ws) => sockets.push(ws.url()));
    await start(page, url, { ...FAST, ...options });
    await page.waitForFunction(() => document.getElementById('status')?.getAttribute('data-connection') === 'failed');

    expect(await attr(page, 'data-error')).toBe(code);
    expect(await page.textContent('#status')).toBe(`Live status unavailable: ${note}.`);
    expect(await page.locator('#status .sm-failure').count()).toBe(1);
    expect(await states(page)).toEqual([expect.objectContaining({ state: 'failed', attempt: 0, error: { status, code } })]);
    // Nothing more happens: no retry within many backoff steps.
    const tried = sockets.length;
    await sleep(5 * FAST.maxReconnectDelayMs);
    expect(sockets).toHaveLength(tried);
    expect(tried).toBe(options.transport === 'sse' ? 0 : 1);
    expect(await states(page)).toHaveLength(1);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(`[adk-status-messenger]`);
    expect(warnings[0]).toContain(`(HTTP ${status})`);
    expect(warnings[0]).toMatch(fix);
    // The server's own words never reach the page.
    expect(await page.textContent('#status')).not.toMatch(/secret|Forbidden|Unauthorized|Bad Request|not found\n/);
  });

  it('stops on an origin the hub does not allow also when the page is on another origin, and says why', async () => {
    srv = await PageServer.start();
    const page = await context.newPage();
    page.on('pageerror', (error) => pageErrors.push(String(error)));
    page.on('console', (message) => {
      if (message.type() === 'warning') warnings.push(message.text());
    });
    // The same server under another host name: another origin, which the hub (same origin only) refuses.
    await page.goto(srv.origin.replace('127.0.0.1', 'localhost') + '/page.html');
    await start(page, `${srv.origin.replace('http:', 'ws:')}/ws/elsewhere`);
    await page.waitForFunction(() => document.getElementById('status')?.getAttribute('data-connection') === 'failed');
    expect(await attr(page, 'data-error')).toBe('ERR_FORBIDDEN');
    expect(await states(page)).toEqual([expect.objectContaining({ state: 'failed', error: { status: 403, code: 'ERR_FORBIDDEN' } })]);
    expect(warnings).toEqual([expect.stringMatching(/`allowedOrigins`/)]);
  });

  it('starts over on the same element after a failure: the note and its marks go, statuses show', async () => {
    srv = await PageServer.start();
    const page = await openPage();
    await start(page, '/ws/bad%20id');
    await page.waitForFunction(() => document.getElementById('status')?.getAttribute('data-connection') === 'failed');
    await start(page, '/ws/good');
    await waitUntil('connected', () => srv.hub.socketCount('good') === 1);
    expect(await attr(page, 'data-error')).toBeNull();
    srv.hub.send('good', 'working again');
    await page.waitForFunction(() => document.querySelector('#status .sm-text')?.textContent === 'working again');
    expect(await page.locator('#status .sm-failure').count()).toBe(0);
  });

  it.each(['/ws/undefined', '/ws/null', '/ws/'])('refuses %s at the call, before any connection', async (url) => {
    srv = await PageServer.start();
    const page = await openPage();
    const sockets: string[] = [];
    page.on('websocket', (ws) => sockets.push(ws.url()));
    const thrown = await page.evaluate((u) => {
      try {
        (globalThis as unknown as TestPage).start(u);
        return undefined;
      } catch (error) {
        return { name: (error as Error).name, code: (error as { code?: string }).code, message: (error as Error).message };
      }
    }, url);
    expect(thrown).toEqual({ name: 'TypeError', code: 'ERR_INVALID_SESSION_ID', message: expect.stringContaining('the id was not set when the URL was built') });
    await sleep(200); // window: a connection attempt would show in it
    expect(sockets).toEqual([]);
    expect(srv.streams).toEqual([]);
  });

  it('keeps retrying while the session is full (429), says why once, and connects when a tab leaves', async () => {
    srv = await PageServer.start({ maxSocketsPerSession: 1 });
    const first = await openPage();
    await start(first, '/ws/full');
    await waitUntil('the first tab connected', () => srv.hub.socketCount('full') === 1);
    const second = await openPage();
    await start(second, '/ws/full');
    await second.waitForFunction(() =>
      (globalThis as unknown as TestPage).events.states.filter((s) => s.state === 'reconnecting').length >= 2);
    expect((await states(second))[0]).toMatchObject({ state: 'reconnecting', attempt: 1, error: { status: 429, code: 'ERR_TOO_MANY_CONNECTIONS' } });
    expect(await attr(second, 'data-connection')).toBe('reconnecting');
    expect(warnings).toEqual([expect.stringContaining('`maxSocketsPerSession`')]);

    await first.evaluate(() => (globalThis as unknown as TestPage).stop());
    await second.waitForFunction(() => document.getElementById('status')?.getAttribute('data-connection') === 'open');
    srv.hub.send('full', 'now there is room');
    await second.waitForFunction(() => document.querySelector('#status .sm-text')?.textContent === 'now there is room');
    expect(warnings).toHaveLength(1);
  });
});
