/**
 * The README's quickstarts are examples/minimal/server.ts and index.html, verbatim: this file
 * checks that the README's code blocks equal the files' `#region quickstart`, then runs the
 * example as users do (`node --import tsx`, the built package resolved by name): with a key
 * against a local fake Gemini server and a real ws client, and without a key (the offline
 * model) with the page in real Chromium. If the README or the example rots, this fails.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { describeWithChromium, launchChromium } from '../support/browser.js';
import { startFakeGemini } from '../support/fake-gemini.js';
import type { FakeGemini } from '../support/fake-gemini.js';
import { TestClient } from '../support/hub-server.js';

const root = path.resolve(__dirname, '..', '..');
const minimal = path.join(root, 'examples', 'minimal');

/** The README's code block between `<!-- quickstart:<name>:start -->` and `…:end -->`. */
function readmeBlock(name: string): string {
  const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
  const match = new RegExp(`<!-- quickstart:${name}:start -->\\s*\`\`\`\\w+\\n([\\s\\S]*?)\`\`\`\\s*<!-- quickstart:${name}:end -->`).exec(readme);
  if (!match) throw new Error(`README.md has no quickstart:${name} block between the markers`);
  return match[1]!;
}

/** A file's lines between its `#region quickstart` and `#endregion` marker lines. */
function region(file: string): string {
  const lines = readFileSync(path.join(minimal, file), 'utf8').split('\n');
  const start = lines.findIndex((line) => line.includes('#region quickstart'));
  const end = lines.findIndex((line) => line.includes('#endregion'));
  if (start === -1 || end <= start) throw new Error(`${file} has no #region quickstart … #endregion`);
  return `${lines.slice(start + 1, end).join('\n')}\n`;
}

async function freePort(): Promise<number> {
  const server = net.createServer().listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

interface Example {
  origin: string;
  child: ChildProcess;
  output(): string;
}

/** `npm run example:minimal`, minus the build `npm test` has already done. */
async function startExample(env: Record<string, string>): Promise<Example> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(minimal, 'server.ts')], {
    cwd: root,
    env: { ...process.env, GOOGLE_API_KEY: '', GEMINI_API_KEY: '', GOOGLE_GENAI_USE_VERTEXAI: '', GOOGLE_GENAI_USE_ENTERPRISE: '', ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the example never listened:\n${output}`)), 30_000);
    child.stdout!.on('data', () => {
      if (output.includes(`http://localhost:${port}`)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', () => {
      clearTimeout(timer);
      reject(new Error(`the example exited early:\n${output}`));
    });
  });
  return { origin: `http://127.0.0.1:${port}`, child, output: () => output };
}

async function postJson(url: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body ?? {}) });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

describe('README quickstarts', () => {
  it('are examples/minimal, verbatim', () => {
    expect(readmeBlock('server')).toBe(region('server.ts'));
    expect(readmeBlock('browser')).toBe(region('index.html'));
  });
});

describe('examples/minimal with a key (Gemini, here a local fake of its API)', () => {
  let gemini: FakeGemini;
  let example: Example | undefined;
  afterEach(async () => {
    example?.child.kill('SIGKILL');
    await gemini?.close();
  });

  it('creates the ADK session, streams the status to its socket and answers the question', async () => {
    gemini = await startFakeGemini();
    example = await startExample({ GOOGLE_API_KEY: 'test-key', GOOGLE_GEMINI_BASE_URL: gemini.url });
    expect(example.output()).toContain('(model: Gemini)');
    const { json: session } = await postJson(`${example.origin}/api/sessions`);
    const sessionId = session.sessionId as string;
    const client = await TestClient.open(`${example.origin.replace('http', 'ws')}/ws/${sessionId}`);
    const { status, json } = await postJson(`${example.origin}/api/sessions/${sessionId}/messages`, { text: 'best laptop for travel' });

    expect(status).toBe(200);
    expect(json).toEqual({ answer: 'Here is what I found.' });
    await client.waitFor((c) => c.statuses.length > 0, 10_000);
    expect(client.statuses.map((frame) => [frame.data, frame.seq, frame.agent])).toEqual([['Looking into: best laptop for travel', 1, 'assistant']]);
    // The fake server saw the real Gemini request: our tool declared, the key in the header.
    expect(gemini.requests[0]!.apiKey).toBe('test-key');
    expect(JSON.stringify(gemini.requests[0]!.body.tools)).toContain('status_message');
    expect((await postJson(`${example.origin}/api/sessions/not-a-session/messages`, { text: 'hi' })).status).toBe(404);
    await client.close();
  }, 60_000);
});

describeWithChromium('examples/minimal without a key, in Chromium', () => {
  let browser: Browser;
  let example: Example | undefined;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    example?.child.kill('SIGKILL');
    await browser?.close();
  });

  it('shows the offline model’s status in the element, then its answer, with no page error', async () => {
    example = await startExample({ OFFLINE_MODEL_DELAY_MS: '300' });
    expect(example.output()).toContain('OFFLINE scripted model');
    const page = await browser.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(String(error)));
    await page.goto(example.origin);
    // The status socket is open once the client has been started by the page's module script.
    await page.waitForFunction(() => document.getElementById('agent-status')?.dataset.connection === 'open', undefined, { timeout: 15_000 });
    await page.click('#ask button');
    await page.waitForFunction(() => document.getElementById('agent-status')?.textContent?.includes('Looking into: What is ADK?'), undefined, { timeout: 15_000 });
    await page.waitForFunction(() => document.getElementById('answer')?.textContent?.startsWith('(Offline model)'), undefined, { timeout: 15_000 });
    expect(pageErrors).toEqual([]);
  }, 60_000);
});
