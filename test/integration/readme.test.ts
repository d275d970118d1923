/**
 * Runs the README's quickstart, as written, in its own Node process: the snippet imports the
 * built package by name, talks to a local fake Gemini server, and a real ws client checks
 * that the status and the answer arrive. If the README rots, this fails.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { startFakeGemini } from '../support/fake-gemini.js';
import type { FakeGemini } from '../support/fake-gemini.js';
import { sleep, TestClient } from '../support/hub-server.js';

const root = path.resolve(__dirname, '..', '..');

function extractQuickstart(): string {
  const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
  const match = /<!-- quickstart:start -->\s*```ts\n([\s\S]*?)```\s*<!-- quickstart:end -->/.exec(readme);
  if (!match) throw new Error('README.md has no quickstart block between the markers');
  return match[1]!;
}

async function freePort(): Promise<number> {
  const server = net.createServer().listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function openWhenListening(url: string, child: ChildProcess, output: () => string): Promise<TestClient> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`quickstart exited early:\n${output()}`);
    try {
      return await TestClient.open(url);
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`quickstart never listened:\n${output()}`);
      await sleep(200);
    }
  }
}

describe('README quickstart', () => {
  let gemini: FakeGemini;
  let child: ChildProcess | undefined;
  afterEach(async () => {
    child?.kill('SIGKILL');
    await gemini?.close();
  });

  it('runs as written: the status and the answer reach the socket', async () => {
    gemini = await startFakeGemini();
    const dir = path.join(root, 'test', '.tmp');
    mkdirSync(dir, { recursive: true });
    const file = path.join(dir, 'readme-quickstart.ts');
    writeFileSync(file, extractQuickstart());
    const port = await freePort();
    let output = '';
    child = spawn(process.execPath, ['--import', 'tsx', file], {
      cwd: root,
      env: {
        ...process.env,
        PORT: String(port),
        GOOGLE_API_KEY: 'test-key',
        GOOGLE_GEMINI_BASE_URL: gemini.url,
        GOOGLE_GENAI_USE_VERTEXAI: '',
        GOOGLE_GENAI_USE_ENTERPRISE: '',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (chunk) => (output += chunk));
    child.stderr!.on('data', (chunk) => (output += chunk));

    const client = await openWhenListening(`ws://127.0.0.1:${port}/ws/readme-session`, child, () => output);
    client.socket.send('best laptop for travel');
    await client.waitFor((c) => c.frames.some((frame) => frame.type === 'agent_message'), 20_000);

    expect(client.statuses.map((frame) => [frame.data, frame.seq, frame.agent])).toEqual([
      ['Looking into: best laptop for travel', 1, 'assistant'],
    ]);
    expect(client.frames.find((frame) => frame.type === 'agent_message')).toEqual({
      type: 'agent_message',
      message: 'Here is what I found.',
    });
    // The fake server saw the real Gemini request: our tool declared, the key in the header.
    expect(gemini.requests[0]!.apiKey).toBe('test-key');
    expect(JSON.stringify(gemini.requests[0]!.body.tools)).toContain('status_message');
    await client.close();
  }, 60_000);

  it('type-checks under strict TypeScript against the built package', async () => {
    const dir = path.join(root, 'test', '.tmp', 'typecheck');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'quickstart.ts'), extractQuickstart());
    writeFileSync(
      path.join(dir, 'tsconfig.json'),
      JSON.stringify({
        extends: '../../../tsconfig.base.json',
        compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', noEmit: true, types: ['node'] },
        files: ['quickstart.ts'],
      }),
    );
    const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
    const result = await new Promise<{ code: number | null; output: string }>((resolve) => {
      const proc = spawn(process.execPath, [tsc, '-p', path.join(dir, 'tsconfig.json')], { cwd: root });
      let output = '';
      proc.stdout.on('data', (chunk) => (output += chunk));
      proc.stderr.on('data', (chunk) => (output += chunk));
      proc.on('close', (code) => resolve({ code, output }));
    });
    expect(result.output).toBe('');
    expect(result.code).toBe(0);
  }, 60_000);
});
