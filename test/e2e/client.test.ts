/**
 * The drop-in `status-messenger.js` and the ESM client in real headless Chromium, against a
 * real http server + StatusHub. Needs `npm run build` first (the page loads dist/).
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { GapFrame } from '../../src/protocol.js';
import { describeWithChromium, launchChromium } from '../support/browser.js';
import { sleep } from '../support/hub-server.js';
import { PageServer, waitUntil } from './client-page-server.js';

interface Recorded {
  statuses: { data: string; seq: number; replay: boolean; shown: string | null }[];
  states: { state: string; attempt: number; retryInMs?: number; code?: number }[];
  gaps: GapFrame[];
  messages: string[];
}
/** What client-page-server.ts puts on the test page's window. */
interface TestPage {
  events: Recorded;
  text(): string | null;
  start(url: string, options?: Record<string, unknown>): void;
  stop(): void;
}

// Short delays so reconnects happen within a test; the defaults are 500 ms → 30 s.
const FAST = { reconnectDelayMs: 100, maxReconnectDelayMs: 300, stableAfterMs: 300 };

describeWithChromium('status-messenger.js in Chromium', () => {
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

  async function openPage(path = '/page.html'): Promise<Page> {
    const page = await context.newPage();
    page.on('pageerror', (error) => pageErrors.push(String(error)));
    await page.goto(`${srv.origin}${path}`);
    return page;
  }

  async function startOn(page: Page, url: string, options: Record<string, unknown> = FAST): Promise<void> {
    await page.evaluate(([u, o]) => (globalThis as unknown as TestPage).start(u as string, o as Record<string, unknown>), [url, options] as const);
  }

  const events = (page: Page) => page.evaluate(() => (globalThis as unknown as TestPage).events);
  const text = (page: Page) => page.evaluate(() => (globalThis as unknown as TestPage).text());
  const waitForText = (page: Page, expected: string) =>
    page.waitForFunction((t) => (globalThis as unknown as TestPage).text() === t, expected, { timeout: 10_000 });
  const attr = (page: Page, name: string) => page.getAttribute('#status', name);
  const classes = async (page: Page) => ((await attr(page, 'class')) ?? '').split(/\s+/).filter(Boolean);
  const connected = (session: string, count = 1) =>
    waitUntil(`${count} socket(s) on ${session}`, () => srv.hub.socketCount(session) === count);

  it('shows each status in order, only the latest, and hands the app its own frames (onMessage)', async () => {
    srv = await PageServer.start();
    const page = await openPage();
    await startOn(page, '/ws/order');
    await connected('order');
    expect(await attr(page, 'role')).toBe('status');
    expect(await attr(page, 'aria-live')).toBe('polite');
    expect(await page.textContent('#status')).toBe('waiting…');

    for (let i = 1; i <= 5; i += 1) {
      srv.hub.send('order', `step ${i}`);
      srv.hub.sendFrame('order', { type: 'agent_message', message: `chat ${i}` });
    }
    await waitForText(page, 'step 5');
    const seen = (await events(page)).statuses;
    expect(seen.map((s) => s.data)).toEqual(['step 1', 'step 2', 'step 3', 'step 4', 'step 5']);
    // onStatus runs after the element was updated: the page showed every status, in order.
    expect(seen.map((s) => s.shown)).toEqual(seen.map((s) => s.data));
    expect(await page.textContent('#status')).toBe('step 5');
    expect(await attr(page, 'data-connection')).toBe('open');
    // The app's frames on the same connection reach `onMessage` as their text, and only they.
    await page.waitForFunction(() => (globalThis as unknown as TestPage).events.messages.length === 5);
    expect((await events(page)).messages).toEqual([1, 2, 3, 4, 5].map((i) => JSON.stringify({ type: 'agent_message', message: `chat ${i}` })));
  });

  it('renders a status containing HTML as text: no element is injected, no script runs', async () => {
    srv = await PageServer.start();
    const page = await openPage();
    await startOn(page, '/ws/xss');
    await connected('xss');
    const payload = '<img src=x onerror="globalThis.pwned=1"><b>bold</b><script>globalThis.pwned=2</script>';
    srv.hub.send('xss', payload);
    await waitForText(page, payload);
    expect(await page.locator('#status img, #status b, #status script').count()).toBe(0);
    expect(await page.evaluate(() => (globalThis as { pwned?: unknown }).pwned)).toBeUndefined();
    expect(await page.locator('#status *').count()).toBe(1); // the text span only
  });

  it('shows a progress bar for a status with progress and makes the level a class', async () => {
    srv = await PageServer.start();
    const page = await openPage();
    await startOn(page, '/ws/level');
    await connected('level');
    srv.hub.send('level', { message: 'Reading sources', level: 'warning', progress: 40 });
    await waitForText(page, 'Reading sources');
    expect(await classes(page)).toEqual(expect.arrayContaining(['sm-status', 'sm-level-warning']));
    expect(await page.getAttribute('#status progress.sm-progress', 'value')).toBe('40');
    expect(await page.getAttribute('#status progress.sm-progress', 'max')).toBe('100');

    srv.hub.send('level', { message: 'Done', level: 'success' });
    await waitForText(page, 'Done');
    expect(await page.locator('#status progress').count()).toBe(0);
    expect(await classes(page)).toContain('sm-level-success');
    expect(await classes(page)).not.toContain('sm-level-warning');

    srv.hub.send('level', 'plain');
    await waitForText(page, 'plain');
    expect((await classes(page)).filter((c) => c.startsWith('sm-level-'))).toEqual([]);
  });

  it('ignores malformed frames and older seqs without affecting later statuses', async () => {
    srv = await PageServer.start();
    const page = await openPage();
    await startOn(page, '/ws/bad');
    await connected('bad');
    srv.hub.send('bad', 'one');
    srv.hub.send('bad', 'two');
    await waitForText(page, 'two');
    const socket = srv.lastSocket('bad');
    for (const junk of ['not json', '{"type":"status"}', '{"type":"status","data":5,"seq":9,"ts":"t"}', 'null', '[1]',
      '{"type":"gap","from":"x"}', JSON.stringify({ type: 'status', data: 'stale duplicate', seq: 1, ts: 't' })]) {
      socket.send(junk);
    }
    socket.send(Buffer.from('{"type":"status","data":"binary","seq":50,"ts":"t"}'), { binary: true });
    srv.hub.send('bad', 'three');
    await waitForText(page, 'three');
    const seen = (await events(page)).statuses.map((s) => s.data);
    expect(seen).toEqual(['one', 'two', 'three']);
    // What is not a valid status, hello or gap is the app's business: it goes to onMessage as it came.
    expect((await events(page)).messages).toEqual(['not json', '{"type":"status"}', '{"type":"status","data":5,"seq":9,"ts":"t"}', 'null', '[1]', '{"type":"gap","from":"x"}']);
    expect((await events(page)).gaps).toEqual([]);
  });

  it('keeps the last status visible and stale while the server is down, then reconnects by itself after a restart on the same port', async () => {
    srv = await PageServer.start();
    const page = await openPage();
    await startOn(page, '/ws/restart');
    await connected('restart');
    srv.hub.send('restart', 'before restart');
    await waitForText(page, 'before restart');
    const port = srv.port;

    await srv.stop();
    await page.waitForFunction('document.getElementById("status").getAttribute("data-stale") === "true"');
    expect(await text(page)).toBe('before restart');
    expect(await classes(page)).toContain('sm-stale');
    expect(await attr(page, 'data-connection')).toBe('reconnecting');
    // The default stylesheet keys on the same class: the stale status is dimmed.
    await page.waitForFunction('getComputedStyle(document.getElementById("status")).opacity === "0.55"');
    // Several refused attempts while nothing listens.
    await page.waitForFunction(() => (globalThis as unknown as TestPage).events.states.filter((s) => s.state === 'reconnecting').length >= 3);

    await srv.start();
    expect(srv.port).toBe(port);
    await connected('restart');
    await page.waitForFunction('document.getElementById("status").getAttribute("data-connection") === "open"');
    expect(await attr(page, 'data-stale')).toBeNull();
    // A new server is a new epoch: the hub says so (reset) instead of pretending nothing was missed.
    await page.waitForFunction('document.getElementById("status").getAttribute("data-gap") === "reset"');
    expect((await events(page)).gaps.map((g) => g.reason)).toEqual(['reset']);
    expect(srv.upgrades.at(-1)).toMatch(/^\/ws\/restart\?since=1&epoch=[\w-]+$/);

    // seq starts again at 1 in the new epoch, and must not be mistaken for an old status.
    srv.hub.send('restart', 'after restart');
    await waitForText(page, 'after restart');
    expect(await attr(page, 'data-gap')).toBeNull();
    const states = (await events(page)).states;
    const failed = states.filter((s) => s.state === 'reconnecting');
    expect(failed.length).toBeGreaterThanOrEqual(3);
    expect(failed.map((s) => s.attempt)).toEqual(failed.map((_, i) => i + 1));
    expect(states.at(-1)?.state).toBe('open');
  });

  it('backs off between failures, capped, and starts over after a connection that stayed good', async () => {
    srv = await PageServer.start();
    const page = await openPage();
    await startOn(page, '/ws/backoff', { reconnectDelayMs: 50, maxReconnectDelayMs: 200, stableAfterMs: 300 });
    await connected('backoff');
    await srv.stop();
    // At least five failed tries in the first outage.
    await page.waitForFunction(() => (globalThis as unknown as TestPage).events.states.filter((s) => s.state === 'reconnecting').length >= 5);
    await srv.start();
    await connected('backoff');
    await sleep(500); // longer than stableAfterMs
    await srv.stop();
    await page.waitForFunction(() =>
      (globalThis as unknown as TestPage).events.states.filter((s) => s.state === 'open').length === 2 &&
      (globalThis as unknown as TestPage).events.states.at(-1)?.state === 'reconnecting');

    const states = (await events(page)).states;
    const secondOpen = states.findLastIndex((s) => s.state === 'open');
    const firstOutage = states.slice(0, secondOpen).filter((s) => s.state === 'reconnecting');
    expect(firstOutage.length).toBeGreaterThanOrEqual(5);
    for (const [i, s] of firstOutage.entries()) {
      expect(s.attempt).toBe(i + 1);
      expect(s.retryInMs).toBeLessThan(Math.min(200, 50 * 2 ** i));
    }
    expect(firstOutage[0]?.code).toBe(1001); // the hub said "going away"
    expect(states[secondOpen]?.attempt).toBe(firstOutage.length);
    // The second outage starts over at attempt 1 instead of continuing at firstOutage.length + 1.
    expect(states[secondOpen + 1]).toMatchObject({ state: 'reconnecting', attempt: 1, code: 1001 });
  });

  it('updates two tabs of one session, and not a tab of another session', async () => {
    srv = await PageServer.start();
    const [a, b, other] = [await openPage(), await openPage(), await openPage()];
    await startOn(a, '/ws/shared');
    await startOn(b, '/ws/shared');
    await startOn(other, '/ws/elsewhere');
    await connected('shared', 2);
    await connected('elsewhere');
    srv.hub.send('shared', 'for both tabs');
    await Promise.all([waitForText(a, 'for both tabs'), waitForText(b, 'for both tabs')]);
    srv.hub.send('shared', 'again');
    await Promise.all([waitForText(a, 'again'), waitForText(b, 'again')]);
    expect(await text(other)).toBeNull();
  });

  it('stop() closes the socket, and no reconnect follows', async () => {
    srv = await PageServer.start();
    const page = await openPage();
    const opened: string[] = [];
    page.on('websocket', (ws) => opened.push(ws.url()));
    await startOn(page, '/ws/stop');
    await connected('stop');
    srv.hub.send('stop', 'last words');
    await waitForText(page, 'last words');

    await page.evaluate(() => (globalThis as unknown as TestPage).stop());
    await waitUntil('the hub sees the socket close', () => srv.hub.socketCount('stop') === 0);
    await sleep(1000); // > 3 × maxReconnectDelayMs
    expect(opened).toHaveLength(1);
    expect(srv.hub.socketCount('stop')).toBe(0);
    srv.hub.send('stop', 'nobody listens');
    await sleep(100); // window: the page must not show it
    expect(await text(page)).toBe('last words');
    expect(await attr(page, 'data-connection')).toBe('closed');
    expect(await attr(page, 'data-stale')).toBeNull();
    expect((await events(page)).states.map((s) => s.state)).toEqual(['open', 'closed']);
  });

  it('stop() during a reconnect wait cancels the retry', async () => {
    srv = await PageServer.start();
    const page = await openPage();
    const opened: string[] = [];
    page.on('websocket', (ws) => opened.push(ws.url()));
    await startOn(page, '/ws/stop2', { reconnectDelayMs: 400, maxReconnectDelayMs: 400 });
    await connected('stop2');
    await srv.stop();
    await page.waitForFunction('document.getElementById("status").getAttribute("data-connection") === "reconnecting"');
    await page.evaluate(() => (globalThis as unknown as TestPage).stop());
    const attempts = opened.length;
    await srv.start();
    await sleep(1200); // window: > 3 × reconnectDelayMs, a cancelled retry would connect in it
    expect(opened).toHaveLength(attempts);
    expect(srv.hub.socketCount('stop2')).toBe(0);
    expect((await events(page)).states.at(-1)?.state).toBe('closed');
  });

  it('replays the statuses missed while disconnected, keeping the URL’s own query (token=)', async () => {
    // A token check in `authorize`: a reconnect that dropped the token would be refused.
    srv = await PageServer.start({ authorize: (request) => new URL(request.url ?? '', 'http://x').searchParams.get('token') === 'T0k%n' });
    const page = await openPage();
    await startOn(page, '/ws/resume?token=T0k%25n');
    await connected('resume');
    srv.hub.send('resume', 'one');
    await waitForText(page, 'one');
    expect(srv.upgrades[0]).toBe('/ws/resume?token=T0k%25n');

    srv.lastSocket('resume').terminate();
    // Same tick: the socket is closing, so these only reach the history.
    expect(srv.hub.send('resume', 'two')).toBe(0);
    expect(srv.hub.send('resume', 'three')).toBe(0);
    await waitForText(page, 'three');

    const seen = (await events(page)).statuses;
    expect(seen.map((s) => [s.data, s.seq, s.replay])).toEqual([
      ['one', 1, false],
      ['two', 2, true],
      ['three', 3, true],
    ]);
    expect(srv.upgrades).toHaveLength(2);
    expect(srv.upgrades[1]).toMatch(/^\/ws\/resume\?token=T0k%25n&since=1&epoch=[\w-]+$/);
    expect((await events(page)).gaps).toEqual([]);
    expect(await attr(page, 'data-gap')).toBeNull();
  });

  it('signals a gap when the missed statuses fell out of the history window', async () => {
    srv = await PageServer.start({ historySize: 2 });
    const page = await openPage();
    await startOn(page, '/ws/gap');
    await connected('gap');
    srv.hub.send('gap', 's1');
    await waitForText(page, 's1');
    srv.lastSocket('gap').terminate();
    for (let i = 2; i <= 6; i += 1) srv.hub.send('gap', `s${i}`);
    await waitForText(page, 's6');

    const seen = await events(page);
    expect(seen.gaps).toEqual([{ type: 'gap', from: 2, to: 4, reason: 'expired' }]);
    expect(seen.statuses.map((s) => [s.data, s.replay])).toEqual([['s1', false], ['s5', true], ['s6', true]]);
    expect(await attr(page, 'data-gap')).toBe('expired');
    expect(await classes(page)).toContain('sm-gap');

    srv.hub.send('gap', 's7');
    await waitForText(page, 's7');
    expect(await attr(page, 'data-gap')).toBeNull();
    expect(await classes(page)).not.toContain('sm-gap');
  });

  it('works the seed way: startStatusUpdates("id", "/ws/abc") from a deferred script', async () => {
    srv = await PageServer.start();
    const page = await openPage('/seed.html');
    await connected('abc');
    expect(srv.upgrades[0]).toBe('/ws/abc');
    srv.hub.send('abc', 'Seed-style page works');
    await page.waitForFunction('document.getElementById("my-status-display-area").textContent === "Seed-style page works"');
    expect(await page.getAttribute('#my-status-display-area', 'role')).toBe('status');
    await page.evaluate('window.stopSeed()');
    await waitUntil('the seed page socket closes', () => srv.hub.socketCount('abc') === 0);
  });

  it('serves the ESM entry: connectStatusUpdates calls back and exposes latest/state', async () => {
    srv = await PageServer.start();
    const page = await openPage('/module.html');
    await page.waitForFunction('window.clientReady === true');
    await page.evaluate(`
      window.seen = [];
      window.handle = window.client.connectStatusUpdates('/ws/esm', {
        onStatus: (s) => window.seen.push(s.data),
        onConnectionChange: (state) => window.seen.push('state:' + state),
      });`);
    await connected('esm');
    srv.hub.send('esm', { message: 'from ESM', progress: 10 });
    await page.waitForFunction('window.handle.latest && window.handle.latest.data === "from ESM"');
    expect(await page.evaluate('[window.handle.state, window.handle.stale, window.handle.lastSeq, window.handle.latest.progress]'))
      .toEqual(['open', false, 1, 10]);
    await page.evaluate('window.handle.close()');
    expect(await page.evaluate('[window.handle.state, window.seen]')).toEqual(['closed', ['state:open', 'from ESM', 'state:closed']]);
    await waitUntil('the ESM socket closes', () => srv.hub.socketCount('esm') === 0);
  });
});
