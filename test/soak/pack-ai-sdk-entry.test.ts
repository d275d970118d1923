/**
 * `adk-status-messenger/ai-sdk` as users get it: a clean copy of the sources packed with
 * `npm pack` (so `prepare` builds dist/ from nothing), unpacked into a consumer project. There,
 * an ADK run is streamed through the packed entry and read back with the real `ai` package —
 * `import` with ai 7 (ESM only) and `require` with ai 5 (CommonJS) — and the entry type-checks
 * with the AI SDK's helpers under moduleResolution nodenext (ESM and CommonJS) and bundler.
 */
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = path.resolve(__dirname, '..', '..');
// Under the repository, so the consumer finds @google/adk, zod and ai in its parents' node_modules.
const work = path.join(root, 'test', '.tmp', `ai-sdk-entry-${process.pid}`);
const consumer = path.join(work, 'consumer');

async function sh(command: string, args: string[], cwd: string): Promise<string> {
  try {
    const { stdout } = await run(command, args, { cwd, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, FORCE_COLOR: '0' } });
    return stdout;
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    throw new Error(`${command} ${args.join(' ')} failed in ${cwd}:\n${stdout}${stderr}`);
  }
}

/** One run through the packed entry, read back into a UIMessage by the real `ai`: the same script for ESM and CommonJS. */
const RUN = `
class PackedModel extends adk.BaseLlm {
  constructor() { super({ model: 'packed' }); }
  async *generateContentAsync(request) {
    const last = request.contents.at(-1);
    if (last?.parts?.some((part) => part.functionResponse)) {
      yield { content: { role: 'model', parts: [{ text: 'Packed answer.' }] }, turnComplete: true };
      return;
    }
    yield { content: { role: 'model', parts: [{ functionCall: { name: 'status_message', args: { message: 'Packed status' } } }] } };
  }
  async connect() { throw new Error('no live mode'); }
}
async function main() {
  adk.setLogLevel(adk.LogLevel.ERROR);
  const agent = new adk.LlmAgent({ name: 'packed', model: new PackedModel(), instruction: 'x', tools: [root.statusMessageTool] });
  const runner = new adk.InMemoryRunner({ agent, appName: 'packed' });
  await runner.sessionService.getOrCreateSession({ appName: 'packed', userId: 'u', sessionId: 'chat-1' });
  const newMessage = entry.toAdkContent({ id: 'm1', role: 'user', parts: [{ type: 'text', text: 'hi' }] });
  const stream = entry.runAsUIMessageStream(runner, { userId: 'u', sessionId: 'chat-1', newMessage });
  const body = await ai.createUIMessageStreamResponse({ stream }).text();
  const statuses = [];
  const chunks = ai.parseJsonEventStream({ stream: new Response(body).body, schema: ai.uiMessageChunkSchema() }).pipeThrough(
    new TransformStream({
      transform(result, controller) {
        if (!result.success) throw result.error;
        if (result.value.type === 'data-status') statuses.push(result.value.data.data);
        controller.enqueue(result.value);
      },
    }),
  );
  let message;
  for await (const snapshot of ai.readUIMessageStream({ stream: chunks })) message = snapshot;
  console.log(JSON.stringify({ statuses, parts: message.parts.map((part) => part.type + ':' + (part.text ?? '')) }));
}
main().catch((error) => { console.error(error); process.exit(1); });
`;

describe('the packed ai-sdk entry', () => {
  beforeAll(async () => {
    rmSync(work, { recursive: true, force: true });
    const stage = path.join(work, 'stage');
    mkdirSync(stage, { recursive: true });
    for (const entry of ['package.json', 'scripts', 'src', 'tsconfig.base.json', 'tsconfig.build.json', 'tsconfig.cjs.json', 'README.md', 'CHANGELOG.md', 'LICENSE', 'llms.txt']) {
      cpSync(path.join(root, entry), path.join(stage, entry), { recursive: true });
    }
    symlinkSync(path.join(root, 'node_modules'), path.join(stage, 'node_modules'), 'dir');
    const out = await sh('npm', ['pack', '--json', '--pack-destination', work], stage);
    const [report] = JSON.parse(out.slice(out.indexOf('['))) as { filename: string }[];
    const pkgDir = path.join(consumer, 'node_modules', 'adk-status-messenger');
    mkdirSync(pkgDir, { recursive: true });
    writeFileSync(path.join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', private: true }));
    await sh('tar', ['-xzf', path.join(work, report!.filename), '--strip-components=1', '-C', pkgDir], work);
  }, 240_000);

  afterAll(() => rmSync(work, { recursive: true, force: true }));

  const expected = { statuses: ['Packed status', 'Done'], parts: ['text:Packed answer.'] };

  it('streams a run through `import`, read back by ai 7', async () => {
    const file = path.join(consumer, 'run.mjs');
    writeFileSync(
      file,
      `import * as adk from '@google/adk';\nimport * as ai from 'ai';\nimport * as root from 'adk-status-messenger';\nimport * as entry from 'adk-status-messenger/ai-sdk';\n${RUN}`,
    );
    expect(JSON.parse(await sh(process.execPath, [file], consumer))).toEqual(expected);
  }, 60_000);

  it('streams a run through `require`, read back by ai 5', async () => {
    const file = path.join(consumer, 'run.cjs');
    writeFileSync(
      file,
      `const adk = require('@google/adk');\nconst ai = require('ai-v5');\nconst root = require('adk-status-messenger');\nconst entry = require('adk-status-messenger/ai-sdk');\n${RUN}`,
    );
    expect(JSON.parse(await sh(process.execPath, [file], consumer))).toEqual(expected);
    // The CommonJS entry is CommonJS all the way (no ESM copy loaded behind it).
    const resolved = await sh(process.execPath, ['-e', "console.log(require.resolve('adk-status-messenger/ai-sdk'))"], consumer);
    expect(resolved.trim()).toMatch(/dist\/cjs\/ai-sdk\/index\.js$/);
  }, 60_000);

  it.each([
    ['nodenext (ESM)', { module: 'NodeNext', moduleResolution: 'NodeNext' }, 'mts'],
    ['nodenext (CommonJS)', { module: 'NodeNext', moduleResolution: 'NodeNext' }, 'cts'],
    ['bundler', { module: 'ESNext', moduleResolution: 'Bundler' }, 'ts'],
  ] as const)('type-checks with the AI SDK’s helpers under moduleResolution %s', async (label, options, extension) => {
    const dir = path.join(consumer, `types-${label.replace(/\W+/g, '-')}`);
    mkdirSync(dir, { recursive: true });
    // A CommonJS file can only `import type` from ESM-only ai 7.
    const aiImport = extension === 'cts' ? "import type { UIMessageChunk, UIMessage } from 'ai';" : "import { createUIMessageStreamResponse } from 'ai';\nimport type { UIMessageChunk, UIMessage } from 'ai';";
    const use = extension === 'cts' ? 'export const chunks: ReadableStream<UIMessageChunk> = stream;' : 'export const response: Response = createUIMessageStreamResponse({ stream });';
    writeFileSync(
      path.join(dir, `use.${extension}`),
      `import type { Runner } from '@google/adk';
${aiImport}
import { runAsUIMessageStream, toAdkContent } from 'adk-status-messenger/ai-sdk';
import type { AdkUIMessage, AdkDataTypes, StatusData } from 'adk-status-messenger/ai-sdk';
declare const runner: Runner;
const stream = runAsUIMessageStream(runner, { userId: 'u', sessionId: 's', newMessage: toAdkContent({ role: 'user', parts: [{ type: 'text', text: 'hi' }] }) }, { onError: () => 'Sorry.' });
${use}
type NotAny<T> = 0 extends 1 & T ? false : true;
export const typed: NotAny<AdkUIMessage> = true;
export const same: AdkUIMessage extends UIMessage<unknown, AdkDataTypes> ? true : false = true;
export const text = (status: StatusData): string => status.data;
`,
    );
    writeFileSync(
      path.join(dir, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { ...options, strict: true, noEmit: true, skipLibCheck: true, types: ['node'], lib: ['ES2022', 'DOM'], target: 'ES2022' }, files: [`use.${extension}`] }),
    );
    const out = await sh(process.execPath, [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', path.join(dir, 'tsconfig.json')], dir).catch((error: Error) => error.message);
    expect(out).toBe('');
  }, 120_000);

  it('keeps `ai` a type-only dependency: the built entry never imports it', () => {
    for (const format of ['esm', 'cjs']) {
      const dist = path.join(consumer, 'node_modules', 'adk-status-messenger', 'dist', format, 'ai-sdk');
      for (const file of ['index.js', 'run-as-ui-message-stream.js', 'to-adk-content.js', 'ui-message-chunk.js']) {
        expect(readFileSync(path.join(dist, file), 'utf8')).not.toMatch(/(from |require\()['"]ai['"]/);
      }
    }
  });
});
