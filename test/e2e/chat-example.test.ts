/// <reference lib="dom" />
/**
 * The chat example end to end: the real server (in-process, port 0), the offline model, real
 * Chromium. Also the Gemini code path against a local fake Gemini server, the token checks,
 * and the screenshot the README shows (written to docs/ with UPDATE_SCREENSHOTS=1).
 */
import { once } from 'node:events';
import { mkdirSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { createChatApp } from '../../examples/chat/app.js';
import type { ChatApp } from '../../examples/chat/app.js';
import { loadConfig } from '../../examples/chat/config.js';
import { silentLogger } from '../../src/logger.js';
import { describeWithChromium, launchChromium } from '../support/browser.js';
import { startFakeGemini } from '../support/fake-gemini.js';
import type { FakeGemini } from '../support/fake-gemini.js';
import { spawnChatServer } from '../support/chat-process.js';
import type { ChatProcess } from '../support/chat-process.js';
import { rawUpgrade, TestClient } from '../support/hub-server.js';
import { describeIfEmulator } from '../support/pubsub-emulator.js';
import { createTopicAndSubscription, pullEvents, TEST_PROJECT, uniqueId } from '../support/pubsub-pull.js';

const root = path.resolve(__dirname, '..', '..');

async function startChat(env: Record<string, string> = {}): Promise<{ app: ChatApp; origin: string }> {
  const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', CHAT_MODEL: 'offline', OFFLINE_MODEL_DELAY_MS: '120', ...env });
  const app = createChatApp(config, silentLogger);
  const port = await app.listen();
  return { app, origin: `http://127.0.0.1:${port}` };
}

async function createSession(origin: string): Promise<{ sessionId: string; token: string; wsUrl: string }> {
  const response = await fetch(`${origin}/api/sessions`, { method: 'POST' });
  expect(response.status).toBe(201);
  return (await response.json()) as { sessionId: string; token: string; wsUrl: string };
}

describe('chat example server', () => {
  let chat: { app: ChatApp; origin: string };
  beforeAll(async () => {
    chat = await startChat();
  });
  afterAll(async () => {
    await chat.app.close();
  });

  it('issues 128-bit session ids with tokens, and answers /healthz', async () => {
    const a = await createSession(chat.origin);
    const b = await createSession(chat.origin);
    expect(a.sessionId).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(Buffer.from(a.sessionId, 'base64url')).toHaveLength(16);
    expect(a.sessionId).not.toBe(b.sessionId);
    expect(a.wsUrl).toBe(`/ws/${a.sessionId}?token=${encodeURIComponent(a.token)}`);
    const health = await (await fetch(`${chat.origin}/healthz`)).json();
    expect(health).toMatchObject({ ok: true, model: 'offline' });
  });

  it('refuses a socket without a token, or with another session’s token, before the upgrade', async () => {
    const port = Number(new URL(chat.origin).port);
    const a = await createSession(chat.origin);
    const b = await createSession(chat.origin);
    expect((await rawUpgrade(port, `/ws/${a.sessionId}`)).status).toBe(401);
    expect((await rawUpgrade(port, `/ws/${a.sessionId}?token=${b.token}`)).status).toBe(401);
    expect((await rawUpgrade(port, `/ws/${a.sessionId}?token=${a.token}x`)).status).toBe(401);
    expect((await rawUpgrade(port, `/ws/${a.sessionId}?token=${encodeURIComponent(a.token)}`)).status).toBe(101);
  });

  it('stops honouring a token after its TTL: upgrades get 401, and an open socket gets no more chat turns', async () => {
    const short = await startChat({ SESSION_TOKEN_TTL_HOURS: String(1.5 / 3600) }); // 1.5 s
    try {
      const port = Number(new URL(short.origin).port);
      const a = await createSession(short.origin);
      const client = await TestClient.open(`${short.origin.replace('http', 'ws')}${a.wsUrl}`);
      await new Promise((resolve) => setTimeout(resolve, 2000));
      client.socket.send('What is ADK?');
      expect(await client.closed).toEqual({ code: 4001, reason: 'session token expired' });
      expect(client.raw.map((text) => JSON.parse(text) as { type: string })).toContainEqual({
        type: 'error',
        message: 'This chat session has expired. Reload the page to start a new one.',
      });
      expect(client.statuses).toEqual([]); // the agent never ran
      expect((await rawUpgrade(port, a.wsUrl)).status).toBe(401);
      // The page's resume call gets a new session instead of the expired one.
      const resumed = await fetch(`${short.origin}/api/sessions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ sessionId: a.sessionId, token: a.token }),
      });
      expect(resumed.status).toBe(201);
    } finally {
      await short.app.close();
    }
  });

  it('resumes a session whose token verifies, and replaces one whose token does not', async () => {
    const a = await createSession(chat.origin);
    const again = await fetch(`${chat.origin}/api/sessions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ sessionId: a.sessionId, token: a.token }),
    });
    expect(again.status).toBe(200);
    expect(((await again.json()) as { sessionId: string }).sessionId).toBe(a.sessionId);
    const forged = await fetch(`${chat.origin}/api/sessions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ sessionId: a.sessionId, token: 'forged' }),
    });
    expect(forged.status).toBe(201);
    expect(((await forged.json()) as { sessionId: string }).sessionId).not.toBe(a.sessionId);
  });

  it('streams statuses and the answer as the seed’s frames over a plain socket', async () => {
    const a = await createSession(chat.origin);
    const client = await TestClient.open(`${chat.origin.replace('http', 'ws')}${a.wsUrl}`);
    client.socket.send('How does exponential backoff with jitter work?');
    await client.waitFor((c) => c.frames.some((f) => f.type === 'agent_turn_complete'), 20_000);
    const types = client.frames.map((f) => f.type);
    const firstMessage = types.indexOf('agent_message');
    expect(client.statuses.length).toBeGreaterThanOrEqual(4);
    expect(types.lastIndexOf('status')).toBeGreaterThan(types.lastIndexOf('agent_message'));
    // The last status ends the run, after the answer and before the seed's turn-complete frame.
    expect(client.runEnds.map((f) => [f.data, f.state, f.level])).toEqual([['Done', 'done', 'success']]);
    expect(client.frames.at(-2)).toMatchObject({ type: 'status', state: 'done' });
    expect(firstMessage).toBeGreaterThan(types.indexOf('status'));
    const messages = client.frames.filter((f): f is { type: 'agent_message'; message: string } => f.type === 'agent_message');
    // Each message carries the whole text so far; the last is the full answer.
    for (let i = 1; i < messages.length; i += 1) expect(messages[i]!.message.startsWith(messages[i - 1]!.message.slice(0, 20))).toBe(true);
    expect(messages.at(-1)!.message).toContain('Exponential backoff with jitter');
    expect(client.statusTexts[0]).toBe('Understanding your question: “How does exponential backoff with jitter work?”');
    await client.close();
  });

  it('allows its own origin plus ALLOWED_ORIGINS, and no others', async () => {
    const other = await startChat({ ALLOWED_ORIGINS: 'https://embed.example.com' });
    try {
      const port = Number(new URL(other.origin).port);
      const a = await createSession(other.origin);
      const path = `/ws/${a.sessionId}?token=${encodeURIComponent(a.token)}`;
      expect((await rawUpgrade(port, path, { Origin: other.origin })).status).toBe(101);
      expect((await rawUpgrade(port, path, { Origin: 'https://embed.example.com' })).status).toBe(101);
      expect((await rawUpgrade(port, path, { Origin: 'https://evil.example.com' })).status).toBe(403);
    } finally {
      await other.app.close();
    }
  });

  it('sends a generic error frame, not internals, for empty or oversized messages', async () => {
    const a = await createSession(chat.origin);
    const client = await TestClient.open(`${chat.origin.replace('http', 'ws')}${a.wsUrl}`);
    client.socket.send('   ');
    await client.waitFor((c) => c.frames.some((f) => f.type === 'error'));
    expect(client.frames.find((f) => f.type === 'error')).toEqual({ type: 'error', message: 'Messages must be 1–4000 characters.' });
    await client.close();
  });
});

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

describe('chat example process', () => {
  it('says in one line, with no stack, that its port is busy, and exits 1', async () => {
    const blocker = net.createServer().listen(0, '127.0.0.1');
    await once(blocker, 'listening');
    const { port } = blocker.address() as net.AddressInfo;
    try {
      const error = await spawnChatServer({ PORT: String(port) }).then(
        () => new Error('the chat server started on a busy port'),
        (failure: Error) => failure,
      );
      const lines = error.message.split('\n').filter((line) => line.trim() !== '' && !line.startsWith('[chat] model') && !line.startsWith('[chat] env') && !line.startsWith('[chat] Pub/Sub'));
      expect(lines).toEqual([
        'chat server exited early (code 1, signal null):',
        `[chat] port ${port} on 127.0.0.1 is already in use (is another \`npm start\` running?). Stop that process, or pick another port: PORT=${port + 1} npm start`,
      ]);
    } finally {
      blocker.close();
    }
  }, 60_000);

  it('starts offline with no key, says so first, and shuts down on SIGTERM: sockets closed with 1001, exit 0', async () => {
    const chat = await spawnChatServer({
      CHAT_MODEL: undefined,
      GOOGLE_API_KEY: undefined,
      GEMINI_API_KEY: undefined,
      GOOGLE_GENAI_API_KEY: undefined,
      GOOGLE_GENAI_USE_VERTEXAI: undefined,
      GOOGLE_GENAI_USE_ENTERPRISE: undefined,
      OFFLINE_MODEL_DELAY_MS: '300',
    });
    try {
      const firstLine = chat.output().split('\n').find((line) => line.startsWith('[chat]'));
      expect(firstLine).toMatch(/^\[chat\] model: offline \(.*\)\. Set GOOGLE_API_KEY \(or GEMINI_API_KEY\) to use Gemini\.$/);
      const session = await createSession(chat.origin);
      const client = await TestClient.open(`${chat.origin.replace('http', 'ws')}${session.wsUrl}`);
      client.socket.send('What is Cloud Run?');
      await client.waitFor((c) => c.statuses.length >= 2, 20_000);
      // Mid-stream.
      const code = chat.stop('SIGTERM');
      expect((await client.closed).code).toBe(1001);
      expect(await code).toBe(0);
      expect(chat.output()).toContain('SIGTERM: closing sockets (1001)');
    } finally {
      await chat.stop('SIGKILL');
    }
  }, 60_000);
});

describeIfEmulator('chat example with STATUS_MESSENGER_PUBSUB_ENABLED=true (real emulator)', () => {
  it('publishes the run’s events, and flushes them on close', async () => {
    const topicId = uniqueId('chat-events');
    const subscription = await createTopicAndSubscription(topicId);
    const chat = await startChat({
      STATUS_MESSENGER_PUBSUB_ENABLED: 'true',
      GOOGLE_CLOUD_PROJECT: TEST_PROJECT,
      STATUS_MESSENGER_PUBSUB_TOPIC_ID: topicId,
      OFFLINE_MODEL_DELAY_MS: '20',
    });
    const session = await createSession(chat.origin);
    const client = await TestClient.open(`${chat.origin.replace('http', 'ws')}${session.wsUrl}`);
    client.socket.send('What is Cloud Pub/Sub?');
    await client.waitFor((c) => c.frames.some((f) => f.type === 'agent_turn_complete'), 20_000);
    const statuses = client.statuses.length + client.runEnds.length;
    await client.close();
    await chat.app.close(); // flushes

    const received = await pullEvents(subscription, { expected: 100, idleMs: 3000 });
    const events = received.map((r) => r.event);
    const types = events.map((e) => e.event_type);
    expect(events.every((e) => e.websocket_session_id === session.sessionId)).toBe(true);
    expect(types[0]).toBe('run_start');
    // run_end, then the mirror of the end-of-run status ("Done") that runWithStatus sends after it.
    expect(types.slice(-2)).toEqual(['run_end', 'status_message']);
    expect(types.filter((t) => t === 'status_message')).toHaveLength(statuses); // the mirror: what the user saw
    const finding = events.find((e) => e.event_type === 'key_finding_identified')!;
    expect(finding.data).toMatchObject({ query: 'What is Cloud Pub/Sub?', source: 'https://cloud.google.com/pubsub/docs/overview' });
    expect(finding).toMatchObject({ agent: 'reasoning_agent', app_name: 'status_messenger_chat', user_id: session.sessionId });
    expect(types).toEqual(expect.arrayContaining(['tool_call', 'tool_result']));
    console.log(`chat example → Pub/Sub: ${events.length} events (${[...new Set(types)].join(', ')})`);
  }, 90_000);
});
