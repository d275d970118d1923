/**
 * `adk web` (ADK's dev UI, real CLI, default flags) in real Chromium with the example's agents:
 * the run's events in the dev UI hold the statuses; and the example's page, using
 * `readAdkEventStream` against `/run_sse`, shows them in an element as they arrive.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { ROOT, startAdkCli } from '../support/adk-cli.js';
import type { AdkCli } from '../support/adk-cli.js';
import { describeWithChromium, launchChromium } from '../support/browser.js';
import { RESEARCH_QUESTION, RESEARCH_TEAM_STATUSES } from '../support/research-team-statuses.js';

const AGENTS = path.join('examples', 'adk-devtools', 'agents');

describeWithChromium('adk web and /run_sse in Chromium', () => {
  let cli: AdkCli;
  let browser: Browser;
  beforeAll(async () => {
    mkdirSync(path.join(ROOT, 'test', '.tmp'), { recursive: true });
    [cli, browser] = await Promise.all([startAdkCli('web', AGENTS, { env: { OFFLINE_DELAY_MS: '150' } }), launchChromium()]);
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await cli?.stop();
    // The CLI's log, for when a test here fails.
    if (cli) writeFileSync(path.join(ROOT, 'test', '.tmp', 'adk-web-cli.log'), cli.output());
  });

  it('shows the run in the dev UI, with every status among its events (screenshot: test/.tmp/adk-web.png, copied to docs/)', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(`${cli.origin}/dev-ui/?app=app`);
    const input = page.getByPlaceholder('Type a message...');
    await input.waitFor({ timeout: 60_000 }).catch(async (error: Error) => {
      throw new Error(`${error.message}\npage: ${(await page.locator('body').innerText()).slice(0, 1500)}\nCLI: ${cli.output().slice(-3000)}`);
    });
    await input.fill(RESEARCH_QUESTION);
    await input.press('Enter');
    await page.getByText('Turn Complete').waitFor({ timeout: 60_000 });
    // The dev UI's event inspector: open the answer's raw JSON, then step back through the events.
    await page.getByText('Key finding:').first().click();
    await page.getByText('data_object').click();
    const counter = page.getByText(/Event \d+ of \d+/);
    const total = Number(/of (\d+)/.exec(await counter.innerText())![1]);
    const inspected: string[] = [];
    let screenshot = false;
    for (let i = 1; i < total; i += 1) {
      await page.getByRole('button', { name: 'Previous Event' }).click();
      const text = await page.locator('body').innerText();
      inspected.push(text);
      // The last status of the run, shown in the inspector's raw JSON: the docs' screenshot.
      if (!screenshot && text.includes('reasoning agent answered') && text.includes('status_messenger')) {
        screenshot = true;
        // Written beside the other scratch files; docs/adk-web.png is a copy of one (refresh it by hand).
        await page.screenshot({ path: path.join(ROOT, 'test', '.tmp', 'adk-web.png') });
      }
    }
    expect(screenshot).toBe(true);
    // Every status is one of the run's events in the dev UI (6 more are the run's own).
    expect(total).toBe(RESEARCH_TEAM_STATUSES.length + 6);
    for (const status of RESEARCH_TEAM_STATUSES) expect(inspected.some((text) => text.includes(status.data))).toBe(true);
    await page.close();
  }, 120_000);

  it('shows the statuses in an element of the example page (readAdkEventStream against /run_sse)', async () => {
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(error.message));
    page.on('console', (message) => message.type() === 'error' && problems.push(message.text()));
    page.on('response', (response) => response.status() >= 400 && problems.push(`${response.status()} ${response.url()}`));
    const streamed: string[] = [];
    page.on('response', async (response) => {
      if (response.url().endsWith('/run_sse')) streamed.push(await response.text().catch(() => ''));
    });
    const files: Record<string, string> = {
      '/example/page.html': path.join(ROOT, 'examples', 'adk-devtools', 'page.html'),
    };
    // Served on the dev server's own origin (Playwright answers these paths), so no CORS is needed.
    await page.route(`${cli.origin}/{example,vendor}/**`, async (route) => {
      const { pathname } = new URL(route.request().url());
      // The package's dist/ as the README says to serve it: the client and the two files it shares with the server.
      const client = /^\/vendor\/adk-status-messenger\/((?:client\/)?[\w-]+\.js)$/.exec(pathname);
      const parser = /^\/vendor\/eventsource-parser\/([\w-]+\.js)$/.exec(pathname);
      const file =
        files[pathname] ??
        (client ? path.join(ROOT, 'dist', client[1]!) : parser ? path.join(ROOT, 'node_modules', 'eventsource-parser', 'dist', parser[1]!) : undefined);
      if (!file) return route.fulfill({ status: 404, body: 'not found' });
      const type = file.endsWith('.html') ? 'text/html' : 'text/javascript';
      await route.fulfill({ status: 200, contentType: type, body: readFileSync(file) });
    });
    // Record what the status element shows each time it changes.
    await page.addInitScript(() => {
      (window as unknown as { seen: string[] }).seen = [];
      document.addEventListener('DOMContentLoaded', () => {
        const el = document.getElementById('status')!;
        const seen = (window as unknown as { seen: string[] }).seen;
        // Each record is one assignment, even when several land before the observer runs.
        new MutationObserver((records) => {
          for (const record of records) for (const node of Array.from(record.addedNodes)) seen.push(node.textContent ?? '');
        }).observe(el, {
          childList: true,
          characterData: true,
          subtree: true,
        });
      });
    });
    await page.goto(`${cli.origin}/example/page.html?api=${encodeURIComponent(cli.origin)}`);
    await page.getByRole('button', { name: 'Ask' }).click();
    await page
      .waitForFunction(() => document.getElementById('status')?.textContent === 'Done', undefined, { timeout: 60_000 })
      .catch((error: Error) => {
        throw new Error(`${error.message}\npage problems: ${problems.join('\n')}`);
      });
    const seen = await page.evaluate(() => (window as unknown as { seen: string[] }).seen);
    if (seen.length !== RESEARCH_TEAM_STATUSES.length + 1) {
      throw new Error(`the page saw ${JSON.stringify(seen)}\n/run_sse: ${streamed.join('').slice(0, 2000)}\nCLI: ${cli.output().slice(-3000)}`);
    }
    expect(seen).toEqual([...RESEARCH_TEAM_STATUSES.map((s) => s.data), 'Done']);
    const log = await page.locator('#log li').allInnerTexts();
    expect(log).toEqual(RESEARCH_TEAM_STATUSES.map((s) => s.data));
    expect(await page.locator('#answer').innerText()).toContain('Key finding:');
    await page.close();
  }, 120_000);
});
