/**
 * `adk-status-messenger/ag-ui` as users get it: packed with `npm pack` from a clean copy (so
 * `prepare` builds dist/ from nothing), unpacked into a consumer project, then run — not only
 * imported — from ESM (`agUiHandler` on a `node:http` server, read with fetch) and from
 * CommonJS (`toAgUiEvents` on an ADK runner with a plain-JS model).
 */
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = path.resolve(__dirname, '..', '..');
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { name: string };
// Under the repository, so the consumer finds the peers (@google/adk, @ag-ui/*, zod) as an app does.
const work = path.join(root, 'test', '.tmp', `ag-ui-entry-${process.pid}`);
const consumer = path.join(work, 'consumer');

async function sh(command: string, args: string[], cwd: string): Promise<string> {
  try {
    return (await run(command, args, { cwd, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, FORCE_COLOR: '0' } })).stdout;
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    throw new Error(`${command} ${args.join(' ')} failed in ${cwd}:\n${stdout}${stderr}`);
  }
}

/** A model in plain JS, as a consumer writes one: a status, then an answer. */
const MODEL = `
class Scripted extends BaseLlm {
  constructor() { super({ model: 'scripted-consumer' }); }
  async *generateContentAsync(request) {
    const last = request.contents.at(-1);
    if (last?.parts?.some((part) => part.functionResponse)) {
      yield { content: { role: 'model', parts: [{ text: 'Packed answer.' }] }, turnComplete: true };
      return;
    }
    yield { content: { role: 'model', parts: [{ functionCall: { name: 'status_message', args: { message: 'Working in the package' } } }] } };
  }
  async connect() { throw new Error('no live'); }
}
const runner = new InMemoryRunner({
  agent: new LlmAgent({ name: 'packed', model: new Scripted(), instruction: 'x', tools: [statusMessageTool] }),
  appName: 'packed',
});
const input = { threadId: 'packed-thread', runId: 'packed-run', messages: [{ id: 'm1', role: 'user', content: 'hi' }] };
const line = (e) => e.type === 'ACTIVITY_SNAPSHOT' ? 'ACTIVITY ' + e.content.data : e.type;
`;

describe('the packed adk-status-messenger/ag-ui entry', () => {
  beforeAll(async () => {
    rmSync(work, { recursive: true, force: true });
    const stage = path.join(work, 'stage');
    mkdirSync(stage, { recursive: true });
    for (const entry of ['package.json', 'scripts', 'src', 'tsconfig.base.json', 'tsconfig.build.json', 'tsconfig.cjs.json', 'README.md', 'CHANGELOG.md', 'LICENSE', 'llms.txt']) {
      cpSync(path.join(root, entry), path.join(stage, entry), { recursive: true });
    }
    symlinkSync(path.join(root, 'node_modules'), path.join(stage, 'node_modules'), 'dir');
    const out = await sh('npm', ['pack', '--json', '--pack-destination', work], stage);
    const [report] = JSON.parse(out.slice(out.indexOf('\n[') + 1)) as { filename: string; files: { path: string }[] }[];
    const files = report!.files.map((file) => file.path);
    expect(files).toEqual(expect.arrayContaining(['dist/esm/ag-ui/index.js', 'dist/esm/ag-ui/index.d.ts', 'dist/cjs/ag-ui/index.js', 'dist/cjs/ag-ui/index.d.ts']));
    mkdirSync(path.join(consumer, 'node_modules', pkg.name), { recursive: true });
    writeFileSync(path.join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', private: true }));
    await sh('tar', ['-xzf', path.join(work, report!.filename), '--strip-components=1', '-C', path.join(consumer, 'node_modules', pkg.name)], work);
  }, 240_000);

  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('serves a run from ESM: agUiHandler on node:http, the events read with fetch', async () => {
    writeFileSync(
      path.join(consumer, 'serve.mjs'),
      `import http from 'node:http';
import { InMemoryRunner, LlmAgent, BaseLlm, setLogLevel, LogLevel } from '@google/adk';
import { statusMessageTool } from '${pkg.name}';
import { agUiHandler } from '${pkg.name}/ag-ui';
setLogLevel(LogLevel.ERROR);
${MODEL}
const server = http.createServer(agUiHandler(runner, { userId: 'u' })).listen(0, '127.0.0.1', async () => {
  const response = await fetch('http://127.0.0.1:' + server.address().port + '/agui', {
    method: 'POST', headers: { 'content-type': 'application/json', accept: 'text/event-stream' }, body: JSON.stringify(input),
  });
  const text = await response.text();
  const events = text.split('\\n\\n').filter((block) => block.startsWith('data: ')).map((block) => JSON.parse(block.slice(6)));
  console.log(response.headers.get('content-type') + ' ' + events.map(line).join(', '));
  server.close();
});
`,
    );
    const out = await sh(process.execPath, ['serve.mjs'], consumer);
    expect(out.trim()).toBe(
      'text/event-stream RUN_STARTED, ACTIVITY Working in the package, TEXT_MESSAGE_START, TEXT_MESSAGE_CONTENT, TEXT_MESSAGE_END, ACTIVITY Done, RUN_FINISHED',
    );
  }, 60_000);

  it('streams a run from CommonJS: require() of the entry, toAgUiEvents on a runner', async () => {
    writeFileSync(
      path.join(consumer, 'events.cjs'),
      `const { InMemoryRunner, LlmAgent, BaseLlm, setLogLevel, LogLevel } = require('@google/adk');
const { statusMessageTool } = require('${pkg.name}');
const { toAgUiEvents, agUiHandler } = require('${pkg.name}/ag-ui');
setLogLevel(LogLevel.ERROR);
${MODEL}
(async () => {
  const types = [];
  for await (const event of toAgUiEvents(runner, input, { userId: 'u' })) types.push(line(event));
  console.log(typeof agUiHandler + ' ' + types.join(', '));
})();
`,
    );
    const out = await sh(process.execPath, ['events.cjs'], consumer);
    expect(out.trim()).toBe('function RUN_STARTED, ACTIVITY Working in the package, TEXT_MESSAGE_START, TEXT_MESSAGE_CONTENT, TEXT_MESSAGE_END, ACTIVITY Done, RUN_FINISHED');
  }, 60_000);
});
