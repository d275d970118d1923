/// <reference lib="dom" />
/**
 * examples/ai-sdk as users run it (`node --import tsx examples/ai-sdk/server.ts`, the built
 * package resolved by name, the page bundled by the server at startup), offline, in real
 * Chromium: the research team's statuses above the streaming answer, its tool call as a step,
 * Stop, and a new chat. Needs `npm run build` first.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { describeWithChromium, launchChromium } from '../support/browser.js';

const root = path.resolve(__dirname, '..', '..');

async function startExample(): Promise<{ origin: string; child: ChildProcess; output(): string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join('examples', 'ai-sdk', 'server.ts')], {
    cwd: root,
    env: { ...process.env, PORT: '0', CHAT_MODEL: 'offline', OFFLINE_MODEL_DELAY_MS: '150' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the example never listened:\n${output}`)), 60_000);
    child.stdout!.on('data', () => {
      const match = /listening on http:\/\/localhost:(\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
    child.once('exit', () => {
      clearTimeout(timer);
      reject(new Error(`the example exited early:\n${output}`));
    });
  });
  return { origin: `http://localhost:${port}`, child, output: () => output };
}

describeWithChromium('the AI SDK example (useChat + the research team, offline)', () => {
  let browser: Browser;
  let example: Awaited<ReturnType<typeof startExample>>;

  beforeAll(async () => {
    [browser, example] = await Promise.all([launchChromium(), startExample()]);
  }, 90_000);
  afterAll(async () => {
    await browser?.close();
    if (example && example.child.exitCode === null) {
      example.child.kill('SIGTERM');
      await new Promise((resolve) => example.child.once('exit', resolve));
    }
  });

  async function ask(page: Page, question: string): Promise<void> {
    await page.fill('#chat-input', question);
    await page.click('button[type=submit]');
  }

  it('shows the agents’ statuses above the streaming answer, the sub-agent as a step, then the answer', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(String(error)));
    await page.goto(example.origin);
    await ask(page, 'What is ADK?');
    // While the team works: the latest status (with its agent and progress), live.
    const seen = new Set<string>();
    await page.waitForFunction(() => document.querySelector('[role=status]')?.textContent?.includes('Planning the research'));
    for (const text of await page.locator('[role=status]').allTextContents()) seen.add(text);
    await page.waitForSelector('button[type=submit]', { timeout: 30_000 });
    const answer = page.locator('li.message.assistant .text');
    expect(await answer.textContent()).toContain('Key finding');
    expect(await page.locator('li.message.assistant .step').allTextContents()).toEqual(['✓ reasoning agent']);
    expect([...seen].join(' ')).toContain('reasoning agent: Planning the research…');
    // The statuses were shown, never saved: the finished message holds none of them.
    expect(await page.locator('li.message.assistant').textContent()).not.toContain('Planning the research');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('stops the run with Stop, and starts a new chat (a new ADK session) with New chat', async () => {
    const page = await browser.newPage();
    await page.goto(example.origin);
    await ask(page, 'Which laptop for travel?');
    await page.waitForFunction(() => document.querySelector('[role=status]')?.textContent?.includes('reasoning agent'));
    await page.click('button:text("Stop")');
    await page.waitForSelector('button[type=submit]');
    expect(await page.locator('li.message.assistant .text').count()).toBe(0);
    expect(await page.locator('[role=alert]').count()).toBe(0);
    await page.click('button:text("New chat")');
    expect(await page.locator('li.message').count()).toBe(0);
    await ask(page, 'What is Pub/Sub?');
    await page.waitForSelector('li.message.assistant .text', { timeout: 30_000 });
    await page.waitForSelector('button[type=submit]', { timeout: 30_000 });
    expect(await page.locator('li.message.assistant .text').textContent()).toContain('Pub/Sub');
    await page.close();
  });
});
