/// <reference lib="dom" />
/**
 * An ADK run in `@ai-sdk/react`'s `useChat`, in real headless Chromium (React bundled with
 * esbuild): a real `http.Server` answers the chat's POSTs with `runAsUIMessageStream` piped by
 * the AI SDK's own `pipeUIMessageStreamToResponse`, the ADK session being the chat's id. The
 * page takes statuses from `onData`, lists tool parts, and has a Stop button.
 */
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { FunctionTool, InMemoryRunner, LlmAgent, StreamingMode } from '@google/adk';
import { build } from 'esbuild';
import type { Browser, Page } from 'playwright-core';
import { z } from 'zod';
import { runAsUIMessageStream, toAdkContent } from '../../src/ai-sdk/index.js';
import { setDefaultLogger, silentLogger } from '../../src/logger.js';
import { addStatusMessage } from '../../src/tools/add-status-message.js';
import { statusMessageTool } from '../../src/tools/status-message-tool.js';
import { loadAiSdk } from '../support/ai-sdk.js';
import type { AiSdk } from '../support/ai-sdk.js';
import { describeWithChromium, launchChromium } from '../support/browser.js';
import { callTools, reply, ScriptedLlm, streamReply } from '../support/scripted-llm.js';

const ROOT = join(__dirname, '..', '..');
const PAGE = `<!doctype html><html><head><meta charset="utf-8"><title>useChat</title></head>
<body><div id="root"></div><script src="/app.js"></script></body></html>`;

interface ChatPage {
  chatLog: string[];
  chat: { send(text: string): void; stop(): void; status: string; messages: { role: string; parts: { type: string; text?: string; state?: string }[] }[]; error: string | undefined };
  mountChat(id: string): void;
  chatReady?: boolean;
}

async function bundlePage(): Promise<string> {
  const result = await build({
    entryPoints: [join(ROOT, 'test', 'e2e', 'ai-sdk-chat-entry.ts')],
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
    write: false,
    define: { 'process.env.NODE_ENV': '"production"' },
    logLevel: 'silent',
  });
  return result.outputFiles[0]!.text;
}

/** What the server side saw: the slow tool's abort signal, the bodies of the POSTs. */
const server = { toolSignal: undefined as AbortSignal | undefined, toolFinished: false, bodies: [] as { id: string; messages: unknown[] }[] };

const lookup = new FunctionTool({
  name: 'lookup',
  description: 'looks the answer up',
  parameters: z.object({ q: z.string() }),
  execute: async () => {
    addStatusMessage('Looking it up');
    await new Promise((resolve) => setTimeout(resolve, 150)); // simulated work: the tool takes a while, as a real lookup does
    return { answer: 42 };
  },
});

const slow = new FunctionTool({
  name: 'slow',
  description: 'waits for the user to stop it',
  parameters: z.object({}),
  execute: async (_input, ctx) => {
    server.toolSignal = ctx?.abortSignal;
    addStatusMessage('Working slowly');
    await new Promise((resolve) => ctx?.abortSignal?.addEventListener('abort', resolve, { once: true }));
    addStatusMessage('after the stop');
    server.toolFinished = true;
    return { ok: true };
  },
});

function buildRunner(): InMemoryRunner {
  const model = new ScriptedLlm(({ step, userText, request }) => {
    if (userText === 'slow') return step === 0 ? callTools({ name: 'slow' }) : reply('never shown');
    if (userText === 'fail') throw new Error('secret model failure at 10.1.2.3');
    if (userText === 'And what did I ask first?') {
      const first = request.contents.find((content) => content.role === 'user')?.parts?.[0]?.text;
      return reply(`You first asked: ${first}`);
    }
    if (step === 0) return callTools({ name: 'status_message', args: { message: 'Planning the answer' } });
    if (step === 1) return callTools({ name: 'lookup', args: { q: userText } });
    return streamReply(['The answer ', 'is ', '42.']);
  });
  const agent = new LlmAgent({ name: 'helper', model, instruction: 'x', tools: [statusMessageTool, lookup, slow] });
  return new InMemoryRunner({ agent, appName: 'chat' });
}

async function startChatServer(ai: AiSdk, app: string): Promise<{ origin: string; close(): Promise<void> }> {
  const runner = buildRunner();
  const httpServer = http.createServer(async (req, res) => {
    if (req.method === 'GET') {
      const body = req.url === '/app.js' ? app : PAGE;
      res.writeHead(200, { 'content-type': req.url === '/app.js' ? 'text/javascript' : 'text/html' }).end(body);
      return;
    }
    let raw = '';
    for await (const chunk of req) raw += chunk;
    const { id, messages } = JSON.parse(raw) as { id: string; messages: Parameters<typeof toAdkContent>[0][] };
    server.bodies.push({ id, messages });
    // The chat id is the ADK session id: the first POST of a chat creates the session.
    await runner.sessionService.getOrCreateSession({ appName: 'chat', userId: 'u', sessionId: id });
    const controller = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) controller.abort();
    });
    const stream = runAsUIMessageStream(runner, {
      userId: 'u',
      sessionId: id,
      newMessage: toAdkContent(messages.at(-1)!),
      runConfig: { streamingMode: StreamingMode.SSE },
      abortSignal: controller.signal,
    });
    void ai.pipeUIMessageStreamToResponse({ response: res, stream });
  });
  httpServer.listen(0, '127.0.0.1');
  await once(httpServer, 'listening');
  const { port } = httpServer.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: async () => {
      httpServer.closeAllConnections();
      await new Promise<void>((resolve) => httpServer.close(() => resolve()));
    },
  };
}

describeWithChromium('runAsUIMessageStream in useChat (Chromium)', () => {
  let browser: Browser;
  let chat: { origin: string; close(): Promise<void> };
  let pageErrors: string[];
  let chats = 0;

  beforeAll(async () => {
    setDefaultLogger(silentLogger);
    const [launched, app, ai] = await Promise.all([launchChromium(), bundlePage(), loadAiSdk(7)]);
    browser = launched;
    chat = await startChatServer(ai, app);
  });
  afterAll(async () => {
    await browser?.close();
    await chat?.close();
  });

  async function openChat(): Promise<Page> {
    pageErrors = [];
    const page = await browser.newPage();
    page.on('pageerror', (error) => pageErrors.push(String(error)));
    await page.goto(chat.origin);
    await page.waitForFunction(() => (window as unknown as ChatPage).chatReady === true);
    chats += 1;
    await page.evaluate((id) => (window as unknown as ChatPage).mountChat(id), `chat-${chats}-${Date.now()}`);
    await page.waitForFunction(() => (window as unknown as ChatPage).chat !== undefined);
    return page;
  }
  const send = (page: Page, text: string) => page.evaluate((t) => (window as unknown as ChatPage).chat.send(t), text);
  const ready = (page: Page) => page.waitForFunction(() => ['ready', 'error'].includes((window as unknown as ChatPage).chat.status) && document.querySelector('main')?.getAttribute('data-status') !== 'submitted');
  const chatState = (page: Page) => page.evaluate(() => (window as unknown as ChatPage).chat);
  const chatLog = (page: Page) => page.evaluate(() => (window as unknown as ChatPage).chatLog);

  it('shows the statuses through onData before the answer, the tool as a tool part, and saves no status in the message', async () => {
    const page = await openChat();
    await send(page, 'What is the answer?');
    await page.waitForFunction(() => (window as unknown as ChatPage).chatLog.includes('status Done'));
    await ready(page);
    // The working statuses came before any answer text; the run's end status (sent after the
    // answer) may land in the same render as the text.
    const log = await chatLog(page);
    expect(log.slice(0, 2)).toEqual(['status Planning the answer', 'status Looking it up']);
    expect(log.slice(2).sort()).toEqual(['status Done', expect.stringMatching(/^text The answer /)]);
    const { messages, error } = await chatState(page);
    expect(error).toBeUndefined();
    expect(messages.map((message) => message.role)).toEqual(['user', 'assistant']);
    expect(messages[1]!.parts.map((part) => part.type)).toEqual(['tool-lookup', 'text']);
    expect(messages[1]!.parts[0]).toMatchObject({ state: 'output-available' });
    expect(messages[1]!.parts[1]).toMatchObject({ text: 'The answer is 42.' });
    const saved = JSON.stringify(messages);
    for (const status of ['Planning the answer', 'Looking it up', 'Done', 'status_message', 'data-status']) expect(saved).not.toContain(status);
    expect(await page.locator('#messages .tool').allTextContents()).toEqual(['lookup']);
    expect(await page.textContent('#latest-status')).toBe('Done');
    expect(pageErrors).toEqual([]);
    await page.close();
  });

  it('stops the ADK run with Stop: the running tool sees the abort and nothing arrives after it', async () => {
    const page = await openChat();
    server.toolFinished = false;
    await send(page, 'slow');
    await page.waitForFunction(() => (window as unknown as ChatPage).chatLog.includes('status Working slowly'));
    await page.click('#stop');
    await ready(page);
    await waitUntil(() => server.toolFinished);
    expect(server.toolSignal?.aborted).toBe(true);
    // The tool went on after the abort (and tried another status); the page got none of it.
    expect(await chatLog(page)).toEqual(['status Working slowly']);
    const { messages, error, status } = await chatState(page);
    expect({ error, status }).toEqual({ error: undefined, status: 'ready' });
    expect(messages[1]!.parts).toEqual([expect.objectContaining({ type: 'tool-slow', state: 'input-available' })]);
    expect(pageErrors).toEqual([]);
    await page.close();
  });

  it('shows a generic error when the model throws: the server’s text never reaches the page', async () => {
    const page = await openChat();
    await send(page, 'fail');
    await page.waitForSelector('#error');
    expect(await page.textContent('#error')).toBe('An error occurred.');
    expect(await chatLog(page)).toEqual(['status Something went wrong. Please try again.', 'error An error occurred.']);
    expect(await page.content()).not.toContain('10.1.2.3');
    expect(pageErrors).toEqual([]);
    await page.close();
  });

  it('continues the ADK session with the next message: the chat id is the session, only the last message is sent to ADK', async () => {
    const page = await openChat();
    await send(page, 'What is the answer?');
    await page.waitForFunction(() => (window as unknown as ChatPage).chatLog.includes('status Done'));
    await ready(page);
    await send(page, 'And what did I ask first?');
    await page.waitForFunction(() => (window as unknown as ChatPage).chatLog.some((line) => line.startsWith('text You first asked')));
    await ready(page);
    const { messages } = await chatState(page);
    expect(messages.at(-1)!.parts.at(-1)).toMatchObject({ type: 'text', text: 'You first asked: What is the answer?' });
    // useChat sent the whole history, with the same id both times.
    const [first, second] = server.bodies.slice(-2);
    expect(second!.id).toBe(first!.id);
    expect(second!.messages).toHaveLength(3);
    expect(pageErrors).toEqual([]);
    await page.close();
  });
});

async function waitUntil(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
