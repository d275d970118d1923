/// <reference lib="dom" />
/**
 * The AG-UI example end to end: its server in-process on port 0 with the offline model, its page
 * (an `HttpAgent` client bundled with esbuild) in real Chromium. The page shows the run's live
 * statuses (one STATUS activity line, replaced as each status comes) before the streamed answer,
 * and Stop ends the run.
 */
import type { Browser, Page } from 'playwright-core';
import { createAgUiExample } from '../../examples/ag-ui/app.js';
import type { AgUiExample } from '../../examples/ag-ui/app.js';
import { describeWithChromium, launchChromium } from '../support/browser.js';

interface Seen {
  statuses: string[];
  answerLengths: number[];
  /** How many statuses had been shown when the answer's first text appeared. */
  statusesBeforeAnswer: number;
}

/** Records, in the page, every status text shown and every length the answer had. */
async function watch(page: Page): Promise<void> {
  await page.evaluate(() => {
    const seen = { statuses: [] as string[], answerLengths: [] as number[], statusesBeforeAnswer: -1 };
    (window as unknown as { seen: typeof seen }).seen = seen;
    new MutationObserver(() => {
      const status = document.querySelector('[data-testid="status"]')?.textContent ?? '';
      if (status && seen.statuses.at(-1) !== status) seen.statuses.push(status);
      const answers = document.querySelectorAll('.assistant');
      const answer = answers[answers.length - 1]?.textContent ?? '';
      if (answer.length > 0 && seen.answerLengths.at(-1) !== answer.length) {
        if (seen.answerLengths.length === 0) seen.statusesBeforeAnswer = seen.statuses.length;
        seen.answerLengths.push(answer.length);
      }
    }).observe(document.getElementById('messages')!, { childList: true, subtree: true, characterData: true });
  });
}

const seenIn = (page: Page) => page.evaluate(() => (window as unknown as { seen: Seen }).seen);

describeWithChromium('AG-UI example page', () => {
  let example: AgUiExample;
  let origin: string;
  let browser: Browser;
  /** The page's console errors and warnings, and uncaught errors. */
  let problems: string[] = [];

  beforeAll(async () => {
    example = await createAgUiExample({ model: { kind: 'offline', reason: 'test' }, port: 0, offlineDelayMs: 120 });
    origin = `http://127.0.0.1:${await example.listen()}`;
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await example?.close();
  });

  async function open(): Promise<Page> {
    const page = await browser.newPage();
    problems = [];
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning') problems.push(message.text());
    });
    page.on('pageerror', (error) => problems.push(error.message));
    await page.goto(origin);
    await page.waitForSelector('body[data-ready="true"]');
    await watch(page);
    return page;
  }

  it('shows the live statuses, then the answer streaming in, ending on the run’s Done', async () => {
    const page = await open();
    await page.fill('#question', 'What are WebSockets?');
    await page.click('#send');
    await page.waitForSelector('body[data-running="false"] [data-testid="status"][data-state="done"]', { timeout: 30_000 });
    const seen = await seenIn(page);
    process.stdout.write(`ag-ui example statuses: ${seen.statuses.join(' | ')}; answer grew ${seen.answerLengths.length} times\n`);
    expect(seen.statuses).toEqual(
      expect.arrayContaining(['Understanding your question: “What are WebSockets?”', 'Asking the reasoning agent…', 'Planning the research…', 'Sources found', 'Done']),
    );
    expect(seen.statuses.indexOf('Planning the research…')).toBeLessThan(seen.statuses.indexOf('Done'));
    // Live: the statuses were on screen before the answer's first words.
    expect(seen.statusesBeforeAnswer).toBeGreaterThanOrEqual(4);
    // Streamed: the answer grew in several steps.
    expect(seen.answerLengths.length).toBeGreaterThan(2);
    // One status line per run, and the tool call the coordinator made, answered.
    expect(await page.locator('[data-testid="status"]').count()).toBe(1);
    expect(await page.locator('.tool[data-done="true"]').allTextContents()).toEqual(['Tool: reasoning_agent']);
    expect(await page.locator('.assistant').last().textContent()).toContain('WebSocket');
    expect(await page.locator('.assistant').last().textContent()).not.toContain('Planning the research');
    expect(problems).toEqual([]);
    await page.close();
  }, 60_000);

  it('stops the run with Stop: no status after it, and the next question gets its own status line', async () => {
    const page = await open();
    await page.fill('#question', 'Which travel laptop should I buy?');
    await page.click('#send');
    await page.waitForFunction(() => (document.querySelector('[data-testid="status"]')?.textContent ?? '') === 'Planning the research…', undefined, { timeout: 30_000 });
    await page.click('#stop');
    await page.waitForSelector('body[data-running="false"]');
    const stoppedAt = await page.locator('[data-testid="status"]').textContent();
    await new Promise((resolve) => setTimeout(resolve, 1000)); // long enough for the offline model's next steps
    expect(await page.locator('[data-testid="status"]').textContent()).toBe(stoppedAt);
    expect(await page.locator('.assistant').count()).toBe(0);
    // The thread goes on: the next run answers, with a status line of its own.
    await page.fill('#question', 'What is Pub/Sub?');
    await page.click('#send');
    await page.waitForSelector('body[data-running="false"] [data-testid="status"][data-state="done"]', { timeout: 30_000 });
    expect(await page.locator('[data-testid="status"]').count()).toBe(2);
    expect(await page.locator('.assistant').last().textContent()).toContain('Pub/Sub');
    expect(problems.filter((text) => !/aborted|AbortError/i.test(text))).toEqual([]);
    await page.close();
  }, 90_000);
});
