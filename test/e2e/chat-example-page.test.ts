/// <reference lib="dom" />
/**
 * The chat example's page in real Chromium against the real server (in-process, port 0) with the
 * offline model, and on the Gemini code path against a local fake Gemini server; the screenshot
 * the README shows (written to docs/ with UPDATE_SCREENSHOTS=1).
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { createChatApp } from '../../examples/chat/app.js';
import type { ChatApp } from '../../examples/chat/app.js';
import { loadConfig } from '../../examples/chat/config.js';
import { silentLogger } from '../../src/logger.js';
import { describeWithChromium, launchChromium } from '../support/browser.js';
import { startChat } from '../support/chat-app.js';
import { spawnChatServer } from '../support/chat-process.js';
import type { ChatProcess } from '../support/chat-process.js';
import { startFakeGemini } from '../support/fake-gemini.js';
import type { FakeGemini } from '../support/fake-gemini.js';

const root = path.resolve(__dirname, '..', '..');

describeWithChromium('chat example in Chromium', () => {
  let browser: Browser;
  let context: BrowserContext;
  let chat: { app: ChatApp; origin: string };
  let pageErrors: string[];
  // Console errors a test expects (they may arrive after its last step, so afterEach filters them too).
  let expectedErrors: RegExp[];

  beforeAll(async () => {
    browser = await launchChromium();
    chat = await startChat();
  });
  afterAll(async () => {
    await chat?.app.close();
    await browser?.close();
  });
  beforeEach(async () => {
    context = await browser.newContext({ viewport: { width: 1180, height: 760 } });
    pageErrors = [];
    expectedErrors = [];
  });
  afterEach(async () => {
    await context.close();
    expect(pageErrors.filter((line) => !expectedErrors.some((pattern) => pattern.test(line)))).toEqual([]);
  });

  async function open(): Promise<Page> {
    const page = await context.newPage();
    page.on('pageerror', (error) => pageErrors.push(String(error)));
    page.on('console', (message) => {
      if (message.type() === 'error') pageErrors.push(message.text());
    });
    await page.goto(chat.origin);
    await page.waitForSelector('#chat-input:not([disabled])');
    return page;
  }

  // The activity panel is the client's steps view: one item per status of the current run.
  const activity = (page: Page) => page.$$eval('#activity .sm-step-text', (items) => items.map((item) => item.textContent ?? ''));

  async function ask(page: Page, question: string): Promise<void> {
    await page.fill('#chat-input', question);
    await page.click('#send');
    await page.waitForSelector('#chat-input[disabled]');
  }

  async function answered(page: Page, count: number): Promise<void> {
    await page.waitForFunction((n) => document.querySelectorAll('.message.assistant').length >= n, count, { timeout: 20_000 });
    await page.waitForSelector('#chat-input:not([disabled])', { timeout: 20_000 });
  }

  it('shows statuses in order, then the rendered answer, and takes a second question', async () => {
    const page = await open();
    await ask(page, 'What is Cloud Pub/Sub?');
    // Mid-run: the status bar shows where the agents are.
    await page.waitForFunction(() => document.querySelectorAll('#activity li.sm-step').length >= 3);
    // The README's screenshot: test/.tmp/example.png on every run; docs/example.png only when asked
    // (UPDATE_SCREENSHOTS=1), so a test run leaves the working tree clean.
    mkdirSync(path.join(root, 'test', '.tmp'), { recursive: true });
    await page.screenshot({ path: path.join(root, 'test', '.tmp', 'example.png') });
    if (process.env.UPDATE_SCREENSHOTS === '1') await page.screenshot({ path: path.join(root, 'docs', 'example.png') });
    await answered(page, 1);

    const statuses = await activity(page);
    const expectedOrder = [
      'Understanding your question: “What is Cloud Pub/Sub?”',
      'Asking the reasoning agent…',
      'Planning the research…',
      'Asking the search agent…',
      'Searching the knowledge base for “What is Cloud Pub/Sub?”…',
      'Sources found',
      'Reading source 1 of 3: cloud.google.com',
      'Reading source 2 of 3: cloud.google.com',
      'Reading source 3 of 3: google.github.io',
      'Comparing 3 sources…',
      'The reasoning agent has an answer',
    ];
    expect(statuses).toEqual(expectedOrder);
    // The run ended: the status pill says so instead of leaving its last working status up.
    await page.waitForSelector('#agent-status[data-run="done"]');
    expect(await page.textContent('#agent-status')).toBe('Done');
    expect(await page.textContent('#activity summary')).toMatch(/^Worked for [\d.]+ (ms|s) · 11 steps$/);
    const answer = page.locator('.message.assistant').first();
    expect(await answer.locator('h3').textContent()).toBe('What I found about “What is Cloud Pub/Sub?”');
    expect(await answer.locator('a[href="https://cloud.google.com/pubsub/docs/overview"]').getAttribute('rel')).toBe('noopener noreferrer');

    await ask(page, 'Which laptop should I take travelling?');
    await answered(page, 2);
    expect(await page.locator('.message.assistant').nth(1).textContent()).toContain('Travel laptops buying guide');
    // The panel shows the second run's steps only, collapsed once it ended.
    await page.waitForSelector('#activity[data-run="done"]');
    expect((await activity(page))[0]).toBe('Understanding your question: “Which laptop should I take travelling?”');
    expect(await page.evaluate(() => document.querySelector<HTMLDetailsElement>('#activity details')!.open)).toBe(false);
  }, 60_000);

  it('shows the same question, statuses and answer in two tabs of one session, over one connection per tab', async () => {
    const first = await open();
    const second = await open(); // same browser context: same stored session
    const sessionId = (await first.getAttribute('body', 'data-session-id'))!;
    expect(await second.getAttribute('body', 'data-session-id')).toBe(sessionId);
    // Statuses and the conversation share each tab's one connection (a session holds 32).
    expect(chat.app.hub.socketCount(sessionId)).toBe(2);
    await ask(first, 'Tell me about AsyncLocalStorage');
    await answered(first, 1);
    await second.waitForFunction(() => document.querySelectorAll('#activity li.sm-step').length >= 9); // one source: one reading step
    expect(await activity(second)).toEqual(await activity(first));
    expect(await second.locator('.message.assistant').count()).toBe(1);
    // The question shows in both tabs, once each.
    expect(await first.locator('.message.user').allTextContents()).toEqual(['Tell me about AsyncLocalStorage']);
    expect(await second.locator('.message.user').allTextContents()).toEqual(['Tell me about AsyncLocalStorage']);
  }, 60_000);

  it('neutralises HTML and scripts in model output and statuses', async () => {
    const page = await open();
    // Chromium reports the handler DOMPurify parses (inertly) as a CSP violation, and the now
    // harmless <img src=x> 404s (its console line can come late): evidence of the defences.
    expectedErrors = [/Content Security Policy/, /404 \(Not Found\)/];
    const hostile = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script> websockets';
    await ask(page, hostile);
    await answered(page, 1);
    expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
    const cspReports = pageErrors.filter((line) => line.includes('Content Security Policy'));
    expect(cspReports.length).toBeGreaterThan(0);
    const bubble = page.locator('.message.assistant').first();
    expect(await bubble.locator('script').count()).toBe(0);
    expect(await bubble.locator('[onerror]').count()).toBe(0);
    // The status (which quotes the question) is text, not markup.
    expect(await page.locator('#activity img, #agent-status img, #activity script').count()).toBe(0);
    expect((await activity(page))[0]).toContain('<img src=x onerror=');
    // The user's own bubble is text as well.
    expect(await page.locator('.message.user').first().textContent()).toBe(hostile);
  }, 60_000);

  it('recovers by itself when the server restarts with a new secret', async () => {
    const port = Number(new URL(chat.origin).port);
    const page = await open();
    // The failed tries while the server is down and then refuses, and the client's HTTP question
    // why after each (refused too, then the hub's 401), show up as console errors: expected here.
    expectedErrors = [/WebSocket connection/, /401 \(Unauthorized\)/, /net::ERR_CONNECTION_REFUSED/];
    const before = await page.getAttribute('body', 'data-session-id');
    await chat.app.close();
    // The same port, a new random secret: the page's token no longer verifies.
    const config = loadConfig({ PORT: String(port), HOST: '127.0.0.1', CHAT_MODEL: 'offline', OFFLINE_MODEL_DELAY_MS: '120' });
    chat = { app: createChatApp(config, silentLogger), origin: chat.origin };
    await chat.app.listen();
    await page.waitForFunction((old) => document.body.dataset.sessionId !== old, before, { timeout: 30_000 });
    await page.waitForSelector('#chat-input:not([disabled])', { timeout: 30_000 });
    await ask(page, 'What is Cloud Run?');
    await answered(page, 1);
    expect(await page.locator('.message.assistant').first().textContent()).toContain('Cloud Run');
  }, 60_000);

  it('tells the user when the session token has expired, then moves to a new session by itself', async () => {
    const short = await startChat({ SESSION_TOKEN_TTL_HOURS: String(2 / 3600) }); // 2 s
    try {
      const page = await context.newPage();
      page.on('pageerror', (error) => pageErrors.push(String(error)));
      await page.goto(short.origin);
      await page.waitForSelector('#chat-input:not([disabled])');
      const before = await page.getAttribute('body', 'data-session-id');
      await page.waitForTimeout(2500);
      await page.fill('#chat-input', 'What is ADK?');
      await page.click('#send');
      await page.waitForSelector('.message.error', { timeout: 10_000 });
      expect(await page.textContent('.message.error')).toBe('This chat session has expired. Reload the page to start a new one.');
      await page.waitForFunction((old) => document.body.dataset.sessionId !== old, before, { timeout: 30_000 });
      expect(await page.locator('.message.user').count()).toBe(0); // the expired socket's turn never ran
    } finally {
      await short.app.close();
    }
  }, 60_000);

  it('is usable at phone width (375 px): no sideways scroll, "New chat" at the right, the activity heading in view', async () => {
    const phone = await browser.newContext({ viewport: { width: 375, height: 740 }, isMobile: true });
    const page = await phone.newPage();
    page.on('pageerror', (error) => pageErrors.push(String(error)));
    await page.goto(chat.origin);
    await page.waitForSelector('#chat-input:not([disabled])');
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    const input = await page.locator('#chat-input').boundingBox();
    expect(input!.width).toBeGreaterThan(200);
    // "New chat" sits at the right edge, on the title's row.
    const title = (await page.locator('.topbar h1').boundingBox())!;
    const newChat = (await page.locator('#new-chat').boundingBox())!;
    expect(375 - (newChat.x + newChat.width)).toBeLessThanOrEqual(24);
    expect(Math.abs(newChat.y + newChat.height / 2 - (title.y + title.height / 2))).toBeLessThan(8);
    // After a run the log has scrolled to its end; its heading is still at the top of the panel.
    await ask(page, 'What is Cloud Pub/Sub?');
    await answered(page, 1);
    // The run's steps collapse to a summary when it ends; open them, and scroll the log to its end.
    await page.locator('.activity details summary').first().click();
    await page.locator('.activity').scrollIntoViewIfNeeded();
    await page.evaluate(() => {
      const panel = document.querySelector('.activity')!;
      panel.scrollTop = panel.scrollHeight;
    });
    expect(await page.evaluate(() => document.querySelector('.activity')!.scrollTop)).toBeGreaterThan(0);
    const panel = (await page.locator('.activity').boundingBox())!;
    const heading = (await page.locator('.activity h2').boundingBox())!;
    expect(heading.y).toBeGreaterThanOrEqual(panel.y - 1);
    expect(heading.y + heading.height).toBeLessThanOrEqual(panel.y + panel.height);
    expect(await page.evaluate(() => {
      const rect = document.querySelector('.activity h2')!.getBoundingClientRect();
      return document.elementFromPoint(rect.x + 10, rect.y + rect.height / 2)?.closest('h2')?.textContent;
    })).toBe('Agent activity');
    await phone.close();
  }, 60_000);
});

describeWithChromium('chat example on the Gemini code path (local fake Gemini server)', () => {
  let gemini: FakeGemini;
  let chat: ChatProcess;
  let browser: Browser;

  beforeAll(async () => {
    gemini = await startFakeGemini((body) => {
      const last = body.contents.at(-1);
      const text = last?.parts.map((part) => (typeof part.text === 'string' ? part.text : '')).join('') ?? '';
      if (text.includes('please fail')) throw new Error('internal detail: quota project 1234 exhausted');
      if (last?.parts.some((part) => 'functionResponse' in part)) return [{ text: '**Gemini** says hello.' }];
      return [{ functionCall: { name: 'status_message', args: { message: 'Gemini is on it' } } }];
    });
    // `npm start` as a user runs it, with a key and the API redirected to the fake server.
    chat = await spawnChatServer({ GOOGLE_API_KEY: 'fake-key', GOOGLE_GEMINI_BASE_URL: gemini.url, CHAT_MODEL: undefined, GEMINI_API_KEY: undefined });
    browser = await launchChromium();
  }, 120_000); // a child server (tsx) and Chromium: slow on a loaded 2-core machine
  afterAll(async () => {
    await chat?.stop('SIGKILL');
    await browser?.close();
    await gemini?.close();
  });

  it('says which model is in use, and delivers a status_message call from "Gemini" to the page', async () => {
    expect(chat.output()).toMatch(/\[chat\] model: Gemini gemini-2\.5-flash \(API key\)/);
    const health = await (await fetch(`${chat.origin}/healthz`)).json();
    expect(health.model).toBe('gemini');
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(chat.origin);
    await page.waitForSelector('#chat-input:not([disabled])');
    await page.fill('#chat-input', 'hello');
    await page.click('#send');
    await page.waitForFunction(() => document.querySelectorAll('.message.assistant').length === 1, undefined, { timeout: 20_000 });
    await page.waitForSelector('#chat-input:not([disabled])');
    expect(await page.$$eval('#activity .sm-step-text', (items) => items.map((i) => i.textContent))).toContain('Gemini is on it');
    await page.waitForSelector('#agent-status[data-run="done"]');
    expect(await page.locator('.message.assistant strong').textContent()).toBe('Gemini');
    expect(gemini.requests[0]!.apiKey).toBe('fake-key');
    expect(gemini.requests[0]!.path).toContain('gemini-2.5-flash:streamGenerateContent');

    // A failing model: the page gets a generic error and the input back, never the internals.
    await page.fill('#chat-input', 'please fail');
    await page.click('#send');
    await page.waitForSelector('.message.error', { timeout: 20_000 });
    await page.waitForSelector('#chat-input:not([disabled])');
    const error = await page.textContent('.message.error');
    expect(error).toBe('Sorry, something went wrong while answering. Please try again.');
    // The failed run's end status: error level, a generic text.
    await page.waitForSelector('#agent-status[data-run="failed"].sm-level-error');
    expect(await page.textContent('#agent-status')).toBe('Something went wrong. Please try again.');
    expect(await page.content()).not.toContain('quota project 1234');
    await context.close();
  }, 60_000);
});
