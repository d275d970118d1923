/**
 * The run in the browser, in real headless Chromium against a real http server + StatusHub:
 * the drop-in's steps view (order, durations, collapse, aria, a 375 px phone), the end of a
 * run, the seed's display rule next to the new `state` field, and the React hook (React 19
 * bundled with esbuild, StrictMode, unmount). Needs `npm run build` first (the page loads dist/).
 *
 * Statuses with exact times are written as raw frames on the hub's server-side socket, so the
 * durations on screen are known to the millisecond.
 */
import { join } from 'node:path';
import { build } from 'esbuild';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { createElement } from 'react';
import { renderToString } from 'react-dom/server';
import { describeWithChromium, launchChromium } from '../support/browser.js';
import { sleep } from '../support/hub-server.js';
import { PageServer, waitUntil } from './client-page-server.js';
import { AgentActivity, strictApp } from './react-fixture.js';

const ROOT = join(__dirname, '..', '..');
const T0 = Date.UTC(2026, 10, 25, 21, 40, 0);

/** A status frame as the hub writes it, at T0 + `ms`. */
function frame(seq: number, data: string, ms: number, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ type: 'status', data, seq, ts: new Date(T0 + ms).toISOString(), ...extra });
}

const STEPS_PAGE = `<!doctype html><html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>steps</title><link rel="stylesheet" href="/status-messenger.css"></head>
<body style="margin:0;padding:8px;font:16px sans-serif"><div id="status">waiting…</div>
<script src="/status-messenger.js"></script>
<script>window.start = function (url) { window.stop = window.startStatusUpdates('status', url, { view: 'steps', reconnectDelayMs: 100 }); };</script>
</body></html>`;

// The seed's javascript/status-messenger.js display rule, restated (its code is not copied here):
// every JSON frame with type "status" and a defined `data` replaces the element's text with
// `data`; other fields are never read.
const SEED_RULE_PAGE = `<!doctype html><html><head><meta charset="utf-8"><title>seed rule</title></head><body>
<div id="seed"></div><script>
window.errors = [];
window.seedStart = function (path) {
  var ws = new WebSocket('ws://' + location.host + path);
  ws.onmessage = function (event) {
    try {
      var packet = JSON.parse(event.data);
      if (packet && packet.type === 'status' && packet.data !== undefined) document.getElementById('seed').textContent = packet.data;
    } catch (e) { window.errors.push(String(e)); }
  };
};
</script></body></html>`;

const REACT_PAGE = `<!doctype html><html><head><meta charset="utf-8"><title>react</title></head>
<body><div id="root"></div><script src="/react-app.js"></script></body></html>`;

async function bundleReactApp(): Promise<string> {
  const result = await build({
    entryPoints: [join(ROOT, 'test', 'e2e', 'react-entry.ts')],
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2020',
    write: false,
    // The development build: StrictMode mounts, unmounts and mounts again only there.
    define: { 'process.env.NODE_ENV': '"development"' },
    logLevel: 'silent',
  });
  return result.outputFiles[0]!.text;
}

describeWithChromium('the run in the browser', () => {
  let browser: Browser;
  let context: BrowserContext;
  let srv: PageServer;
  let pageErrors: string[];
  let reactApp: string;

  beforeAll(async () => {
    [browser, reactApp] = await Promise.all([launchChromium(), bundleReactApp()]);
  });
  afterAll(async () => {
    await browser?.close();
  });
  beforeEach(async () => {
    context = await browser.newContext({ viewport: { width: 375, height: 740 } });
    pageErrors = [];
    srv = await PageServer.start({}, { '/steps.html': STEPS_PAGE, '/seed-rule.html': SEED_RULE_PAGE, '/react.html': REACT_PAGE, '/react-app.js': reactApp });
  });
  afterEach(async () => {
    await context?.close();
    await srv?.stop();
    expect(pageErrors).toEqual([]);
  });

  async function openPage(path: string): Promise<Page> {
    const page = await context.newPage();
    page.on('pageerror', (error) => pageErrors.push(String(error)));
    await page.goto(`${srv.origin}${path}`);
    return page;
  }
  const connected = (session: string, count = 1) =>
    waitUntil(`${count} socket(s) on ${session}`, () => srv.hub.socketCount(session) === count);
  const stepTexts = (page: Page) => page.locator('#status li.sm-step .sm-step-text').allTextContents();

  it('lists the steps in order with durations, marks the current one, and collapses when the run ends', async () => {
    const page = await openPage('/steps.html');
    await page.evaluate(() => (globalThis as unknown as { start(url: string): void }).start('/ws/steps'));
    await connected('steps');
    const socket = srv.lastSocket('steps');
    socket.send(frame(1, 'Planning the research', 0, { agent: 'coordinator' }));
    socket.send(frame(2, 'Searching the knowledge base', 1200, { agent: 'researcher', tool: 'search' }));
    socket.send(frame(3, 'Reading 3 sources', 3500, { agent: 'researcher', progress: 40 }));
    await page.waitForFunction(() => document.querySelectorAll('#status li.sm-step').length === 3);

    expect(await stepTexts(page)).toEqual(['Planning the research', 'Searching the knowledge base', 'Reading 3 sources']);
    expect(await page.locator('#status li.sm-step .sm-duration').allTextContents()).toEqual(['1.2 s', '2.3 s']);
    expect(await page.getAttribute('#status li.sm-step >> nth=0 >> time', 'datetime')).toBe('PT1.2S');
    const current = page.locator('#status li.sm-step').nth(2);
    expect(await current.getAttribute('aria-current')).toBe('step');
    expect(await current.getAttribute('data-state')).toBe('current');
    expect(await current.locator('progress.sm-progress').getAttribute('value')).toBe('40');
    expect(await page.locator('#status li.sm-step').nth(0).getAttribute('aria-current')).toBeNull();
    expect(await page.locator('#status .sm-step-agent').allTextContents()).toEqual(['coordinator', 'researcher', 'researcher']);
    // Accessibility: only the hidden live region is live, and it holds only the newest step.
    expect(await page.getAttribute('#status', 'role')).toBeNull();
    expect(await page.getAttribute('#status', 'aria-live')).toBeNull();
    const live = page.locator('#status [aria-live]');
    expect(await live.count()).toBe(1);
    expect(await live.getAttribute('aria-live')).toBe('polite');
    expect(await live.getAttribute('role')).toBe('status');
    expect(await live.textContent()).toBe('Reading 3 sources');
    expect(await page.getAttribute('#status ol.sm-step-list', 'aria-label')).toBe('Agent steps');
    expect(await page.getAttribute('#status', 'data-run')).toBe('running');
    expect(await page.evaluate(() => document.querySelector<HTMLDetailsElement>('#status details')!.open)).toBe(true);

    socket.send(frame(4, 'Done', 12_000, { level: 'success', state: 'done' }));
    await page.waitForFunction(() => document.getElementById('status')!.getAttribute('data-run') === 'done');
    expect(await page.evaluate(() => document.querySelector<HTMLDetailsElement>('#status details')!.open)).toBe(false);
    expect(await page.textContent('#status summary')).toBe('Worked for 12 s · 3 steps');
    expect(await live.textContent()).toBe('Worked for 12 s · 3 steps');
    expect(await page.locator('#status li.sm-step .sm-duration').allTextContents()).toEqual(['1.2 s', '2.3 s', '8.5 s']);
    expect(await page.locator('#status [aria-current]').count()).toBe(0);
    expect(await page.isVisible('#status li.sm-step')).toBe(false); // collapsed
    // The user can open it again.
    await page.click('#status summary');
    expect(await page.isVisible('#status li.sm-step >> nth=2')).toBe(true);

    // The next run starts a fresh list, open again.
    socket.send(frame(5, 'Reading your follow-up', 20_000));
    await page.waitForFunction(() => document.getElementById('status')!.getAttribute('data-run') === 'running');
    expect(await stepTexts(page)).toEqual(['Reading your follow-up']);
    expect(await page.evaluate(() => document.querySelector<HTMLDetailsElement>('#status details')!.open)).toBe(true);
  });

  it('shows a failed run’s error status under its summary, and fits a 375 px phone without overflow', async () => {
    const page = await openPage('/steps.html');
    await page.evaluate(() => (globalThis as unknown as { start(url: string): void }).start('/ws/fail'));
    await connected('fail');
    const socket = srv.lastSocket('fail');
    const long = `Reading https://example.com/${'a-very-long-path-without-any-space'.repeat(4)} and more words after it`;
    socket.send(frame(1, 'Looking up the invoice', 0, { agent: 'billing_specialist_with_a_long_name' }));
    socket.send(frame(2, long, 900, { progress: 70 }));
    socket.send(frame(3, 'Something went wrong. Please try again.', 3000, { level: 'error', state: 'failed' }));
    await page.waitForFunction(() => document.getElementById('status')!.getAttribute('data-run') === 'failed');
    expect(await page.textContent('#status summary')).toBe('Failed after 3.0 s · 2 steps');
    expect(await page.textContent('#status .sm-end')).toBe('Something went wrong. Please try again.');
    expect(await page.getAttribute('#status .sm-end', 'class')).toContain('sm-level-error');
    // Levels colour the steps and the end line, not the whole list.
    expect(await page.getAttribute('#status', 'class')).not.toContain('sm-level-error');

    await page.click('#status summary'); // open, so the long step is laid out too
    const widths = await page.evaluate(() => ({
      doc: document.documentElement.scrollWidth,
      view: window.innerWidth,
      el: document.getElementById('status')!.scrollWidth,
      box: document.getElementById('status')!.clientWidth,
    }));
    expect(widths.view).toBe(375);
    expect(widths.doc).toBeLessThanOrEqual(widths.view);
    expect(widths.el).toBeLessThanOrEqual(widths.box);
    await page.screenshot({ path: '/tmp/steps-375.png', fullPage: true });
  });

  it('a tab opened after the run ended shows the end of the run, not its last working status', async () => {
    const page = await openPage('/steps.html');
    await page.evaluate(() => (globalThis as unknown as { start(url: string): void }).start('/ws/late'));
    await connected('late');
    srv.hub.send('late', 'Working on it');
    await page.waitForFunction(() => document.getElementById('status')!.getAttribute('data-run') === 'running');
    srv.hub.send('late', { message: 'Done', level: 'success', state: 'done' });
    await page.waitForFunction(() => document.getElementById('status')!.getAttribute('data-run') === 'done');

    // A new tab (or a reload): the hub replays the session's latest status, the end of the run.
    for (const view of ['steps', 'latest']) {
      const late = await openPage('/steps.html');
      await late.evaluate((v) => {
        (globalThis as unknown as { startStatusUpdates(id: string, url: string, o: object): void }).startStatusUpdates('status', '/ws/late', { view: v });
      }, view);
      await late.waitForFunction(() => document.getElementById('status')!.getAttribute('data-run') === 'done');
      expect(await late.textContent('#status')).not.toContain('Working on it');
      expect(await late.textContent(view === 'steps' ? '#status .sm-end' : '#status .sm-text')).toBe('Done');
      expect(await late.locator('#status li').count()).toBe(0);
    }
  });

  it('rejects an unknown option of the drop-in with an error naming it', async () => {
    const page = await openPage('/steps.html');
    const error = await page.evaluate(() => {
      try {
        (globalThis as unknown as { startStatusUpdates(id: string, url: string, o: object): void }).startStatusUpdates('status', '/ws/x', { veiw: 'steps' });
        return undefined;
      } catch (e) {
        return [(e as Error).name, (e as { code?: string }).code, (e as Error).message];
      }
    });
    expect(error).toEqual([
      'TypeError',
      'ERR_INVALID_OPTION',
      expect.stringContaining('startStatusUpdates(element, url, options): unknown option `veiw` (did you mean `view`?)'),
    ]);
    expect(srv.hub.socketCount('x')).toBe(0);

    // The seed's own third argument, a reconnect delay in ms, is still accepted.
    await page.evaluate(() => {
      (globalThis as unknown as { stop: () => void }).stop = (globalThis as unknown as {
        startStatusUpdates(id: string, url: string, delay: number): () => void;
      }).startStatusUpdates('status', '/ws/seed-delay', 5000);
    });
    await connected('seed-delay');
    srv.hub.send('seed-delay', 'seed signature');
    await page.waitForFunction(() => document.querySelector('#status .sm-text')?.textContent === 'seed signature');
  });

  it('the seed’s display rule shows every status text and is unaffected by the state field', async () => {
    const page = await openPage('/seed-rule.html');
    await page.evaluate(() => (globalThis as unknown as { seedStart(path: string): void }).seedStart('/ws/seed'));
    await connected('seed');
    srv.hub.send('seed', 'Working');
    await page.waitForFunction(() => document.getElementById('seed')!.textContent === 'Working');
    srv.lastSocket('seed').send(frame(2, 'Done', 100, { level: 'success', state: 'done' }));
    await page.waitForFunction(() => document.getElementById('seed')!.textContent === 'Done');
    expect(await page.evaluate(() => (globalThis as unknown as { errors: string[] }).errors)).toEqual([]);
  });

  it('React 19 in StrictMode opens exactly one socket, shows statuses and steps, and cleans up on unmount', async () => {
    const page = await openPage('/react.html');
    const opened: string[] = [];
    page.on('websocket', (ws) => opened.push(ws.url()));
    const accepted: string[] = [];
    srv.hub.on('connection', (id) => accepted.push(id));
    await page.waitForFunction('window.appReady === true');
    await page.evaluate(() => (globalThis as unknown as { mountApp(url: string, o: object): void }).mountApp('/ws/react', { reconnectDelayMs: 100 }));
    await connected('react');
    await page.waitForFunction(() => document.getElementById('agent')?.getAttribute('data-connection') === 'open');
    await sleep(300); // window: StrictMode's second mount would open another socket in it
    expect(opened).toHaveLength(1);
    expect(accepted).toEqual(['react']);

    const socket = srv.lastSocket('react');
    socket.send(frame(1, 'Searching', 0));
    socket.send(frame(2, 'Writing the answer', 2000));
    await page.waitForFunction(() => document.querySelectorAll('#steps li').length === 2);
    expect(await page.textContent('#latest')).toBe('Writing the answer');
    expect(await page.getAttribute('#agent', 'data-state')).toBe('running');
    socket.send(frame(3, 'Done', 5000, { state: 'done' }));
    await page.waitForFunction(() => document.getElementById('agent')?.getAttribute('data-state') === 'done');
    expect(await page.textContent('#summary')).toBe('Worked for 5.0 s · 2 steps');
    expect(await page.locator('#steps li').allTextContents()).toEqual(['Searching', 'Writing the answer']);

    await page.evaluate(() => (globalThis as unknown as { unmountApp(): void }).unmountApp());
    await waitUntil('the socket closes on unmount', () => srv.hub.socketCount('react') === 0);
    await sleep(500); // > 3 × reconnectDelayMs
    expect(opened).toHaveLength(1);
    expect(srv.hub.socketCount('react')).toBe(0);

    // The same hook over SSE: one stream, statuses shown, no WebSocket opened.
    await page.evaluate(() => (globalThis as unknown as { mountApp(url: string, o: object): void }).mountApp('/ws/react-sse', { transport: 'sse' }));
    await connected('react-sse');
    srv.hub.send('react-sse', 'over SSE');
    await page.waitForFunction(() => document.getElementById('latest')?.textContent === 'over SSE');
    await sleep(300); // window: a second stream or a WebSocket would open in it
    expect(srv.hub.socketCount('react-sse')).toBe(1);
    expect(opened).toHaveLength(1);
    await page.evaluate(() => (globalThis as unknown as { unmountApp(): void }).unmountApp());
    await waitUntil('the stream closes on unmount', () => srv.hub.socketCount('react-sse') === 0);
  });

  it('React: the hook exposes why the hub refused the connection (`error`) and stops retrying', async () => {
    const page = await openPage('/react.html');
    const opened: string[] = [];
    page.on('websocket', (ws) => opened.push(ws.url()));
    const warnings: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'warning') warnings.push(message.text());
    });
    await page.waitForFunction('window.appReady === true');
    await page.evaluate(() => (globalThis as unknown as { mountApp(url: string, o: object): void }).mountApp('/ws/bad%20id', { reconnectDelayMs: 50 }));
    await page.waitForFunction(() => document.getElementById('agent')?.getAttribute('data-connection') === 'failed');
    expect(await page.getAttribute('#agent', 'data-error')).toBe('400 ERR_INVALID_SESSION_ID');
    await sleep(500); // > 3 × the largest retry delay
    expect(opened).toHaveLength(1);
    expect(warnings).toEqual([expect.stringContaining('(HTTP 400)')]);
    await page.evaluate(() => (globalThis as unknown as { unmountApp(): void }).unmountApp());
  });
});

describe('useStatusUpdates on the server', () => {
  it('renders with react-dom/server without touching window, as the idle snapshot', () => {
    expect((globalThis as { window?: unknown }).window).toBeUndefined();
    const html = renderToString(strictApp('/ws/ssr'));
    expect(html).toContain('data-state="idle"');
    expect(html).toContain('data-connection="connecting"');
    expect(renderToString(createElement(AgentActivity, { url: null }))).toContain('<ol id="steps"></ol>');
  });

  it('rejects a URL whose session id is undefined at render, telling to pass null until it is known', () => {
    expect(() => renderToString(strictApp('/ws/undefined'))).toThrow(
      /^useStatusUpdates\(url\): the URL `\/ws\/undefined` has the session id `undefined`: .*pass `null` until the id is known/,
    );
  });

  it('rejects an unknown option key at render, naming it', () => {
    expect(() => renderToString(strictApp('/ws/ssr', { tranport: 'sse' } as never))).toThrow(
      'useStatusUpdates(url, options): unknown option `tranport` (did you mean `transport`?)',
    );
  });
});
