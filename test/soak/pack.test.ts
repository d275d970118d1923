/**
 * The package as users get it: a copy of what `files` ships, with the dist/ that `npm test`
 * just built, is packed with `npm pack`; the tarball passes `publint`
 * and `@arethetypeswrong/cli`, every link of its README resolves inside it, and, unpacked into
 * a consumer project, every entry of the `exports` map imports from ESM and CommonJS and
 * type-checks under `moduleResolution` node10, bundler and nodenext, and the README's CommonJS
 * snippet runs. The entries come from package.json, so a new one is covered without touching
 * this file. (`prepare` building dist/ from nothing, and `build.mjs --if-stale`, are in
 * test/soak/build.test.ts: two full builds.)
 */
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, cpSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { startChildServer } from '../support/child-server.js';
import { TestClient } from '../support/hub-server.js';

const run = promisify(execFile);
const root = path.resolve(__dirname, '..', '..');
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
  name: string;
  exports: Record<string, unknown>;
};
// Under the repository, so the consumer finds the peer dependencies (@google/adk, zod, …) in
// its node_modules the way an installed app finds its own.
const work = path.join(root, 'test', '.tmp', `pack-${process.pid}`);
const bin = (name: string) => path.join(root, 'node_modules', '.bin', name);

/** A code entry has conditions with `types`; a string entry (the drop-in script, the CSS) is a file. */
const codeEntries = Object.entries(pkg.exports).filter(([, target]) => typeof target === 'object' && JSON.stringify(target).includes('"types"'));
const fileEntries = Object.entries(pkg.exports).filter(([, target]) => typeof target === 'string');
/** Entries with a `require` condition are dual; the rest are ESM-only by design (the browser client). */
const isDual = (target: unknown) => JSON.stringify(target).includes('"require"');
const specifier = (subpath: string) => (subpath === '.' ? pkg.name : `${pkg.name}/${subpath.slice(2)}`);

function targets(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  return value && typeof value === 'object' ? Object.values(value).flatMap(targets) : [];
}

/** Runs a command; resolves with its stdout (`withStderr`: and stderr), rejects with both. */
async function sh(command: string, args: string[], cwd: string, withStderr = true): Promise<string> {
  try {
    const { stdout, stderr } = await run(command, args, { cwd, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, FORCE_COLOR: '0' } });
    return withStderr ? stdout + stderr : stdout;
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    throw new Error(`${command} ${args.join(' ')} failed in ${cwd}:\n${stdout}${stderr}`);
  }
}

describe('the packed package', () => {
  let tarball: string;
  let packedFiles: string[];
  const consumer = path.join(work, 'consumer');
  const stage = path.join(work, 'stage');

  beforeAll(async () => {
    rmSync(work, { recursive: true, force: true });
    if (!existsSync(path.join(root, 'dist', 'esm', 'index.js'))) throw new Error('dist/ is missing: run `npm run build` first (npm test does)');
    // A copy, packed without `prepare`: packing the repository itself would rebuild the dist/
    // that other test files are using.
    mkdirSync(stage, { recursive: true });
    for (const entry of ['package.json', 'dist', 'README.md', 'CHANGELOG.md', 'LICENSE', 'llms.txt', 'docs', 'examples', '.env.example']) {
      cpSync(path.join(root, entry), path.join(stage, entry), { recursive: true });
    }
    const out = await sh('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', work], stage, false);
    const report = JSON.parse(out.slice(out.indexOf('\n[') + 1)) as { filename: string; files: { path: string }[] }[];
    tarball = path.join(work, report[0]!.filename);
    packedFiles = report[0]!.files.map((file) => file.path);

    mkdirSync(path.join(consumer, 'node_modules', pkg.name), { recursive: true });
    // What `npm init -y` writes: a CommonJS project.
    writeFileSync(path.join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', main: 'index.js', type: 'commonjs' }));
    await sh('tar', ['-xzf', tarball, '--strip-components=1', '-C', path.join(consumer, 'node_modules', pkg.name)], work);
  }, 120_000);

  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('holds every file the exports map names, and no sources or tests', () => {
    const missing = Object.values(pkg.exports).flatMap(targets).map((target) => target.replace(/^\.\//, '')).filter((file) => !packedFiles.includes(file));
    expect(missing).toEqual([]);
    expect(packedFiles.filter((file) => file.startsWith('src/') || file.startsWith('test/') || file.includes('.build-stamp'))).toEqual([]);
  });

  it('holds every file its README links to, so the links work from node_modules', () => {
    const readme = readFileSync(path.join(consumer, 'node_modules', pkg.name, 'README.md'), 'utf8');
    const links = [...readme.matchAll(/\]\(([^)\s]+)\)/g)].map((match) => match[1]!).filter((target) => !/^(https?:|mailto:|#)/.test(target));
    expect(links.length).toBeGreaterThan(20);
    const missing = [...new Set(links.map((target) => decodeURIComponent(target.split('#')[0]!)))].filter(
      (file) => !packedFiles.includes(file) && !packedFiles.some((packed) => packed.startsWith(`${file.replace(/\/$/, '')}/`)),
    );
    expect(missing).toEqual([]);
    expect(packedFiles.filter((file) => file.startsWith('docs/')).sort()).toEqual(
      expect.arrayContaining(['docs/client.md', 'docs/hub.md', 'docs/runner.md', 'docs/bench.md']),
    );
  });

  it('passes publint', async () => {
    const out = await sh(bin('publint'), ['run', '--strict', tarball], work);
    expect(out).toContain('All good!');
  }, 60_000);

  it('passes @arethetypeswrong/cli for every code entry', async () => {
    // Into a file, not a pipe: attw calls process.exit() with its JSON still queued on a pipe, so
    // on a pipe it arrives cut short (about 150 of its 200 KB). A file gets every byte.
    const report = path.join(work, 'attw.json');
    const fd = openSync(report, 'w');
    try {
      const child = spawn(bin('attw'), ['--format', 'json', tarball], { cwd: work, stdio: ['ignore', fd, 'inherit'] });
      await once(child, 'exit'); // attw exits 1 when it finds any problem, of any entry
    } finally {
      closeSync(fd);
    }
    const out = readFileSync(report, 'utf8');
    const { analysis } = JSON.parse(out) as { analysis: { problems: { kind: string; entrypoint: string; resolutionKind: string }[] } };
    const checked = new Map(codeEntries);
    const problems = analysis.problems.filter(
      (problem) =>
        checked.has(problem.entrypoint) &&
        // An ESM-only entry cannot be `require`d by Node 20 before 20.19; that is its design, not a bug.
        !(problem.kind === 'CJSResolvesToESM' && !isDual(checked.get(problem.entrypoint))),
    );
    expect(problems).toEqual([]);
    expect(codeEntries.map(([subpath]) => subpath)).toEqual(expect.arrayContaining(['.', './protocol', './client']));
  }, 120_000);

  it('imports every entry from ESM and from CommonJS', async () => {
    for (const [subpath, target] of codeEntries) {
      const name = specifier(subpath);
      const esm = await sh(process.execPath, ['--input-type=module', '-e', `const m = await import(${JSON.stringify(name)}); console.log(Object.keys(m).length)`], consumer);
      expect(Number(esm.trim())).toBeGreaterThan(0);
      // CommonJS: `require` for a dual entry, `import()` for an ESM-only one.
      const load = isDual(target) ? `Promise.resolve(require(${JSON.stringify(name)}))` : `import(${JSON.stringify(name)})`;
      const cjs = await sh(process.execPath, ['--input-type=commonjs', '-e', `${load}.then((m) => console.log(Object.keys(m).length))`], consumer);
      expect(Number(cjs.trim())).toBeGreaterThan(0);
      for (const file of fileEntries) expect(existsSync(path.join(consumer, 'node_modules', pkg.name, targets(file[1])[0]!))).toBe(true);
    }
  }, 120_000);

  it('runs the README\'s CommonJS snippet in a CommonJS project (`npm init -y`)', async () => {
    const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
    const snippet = /<!-- commonjs:start -->\n```js\n([\s\S]*?)```\n<!-- commonjs:end -->/.exec(readme)?.[1];
    expect(snippet).toContain("require('adk-status-messenger')");
    writeFileSync(path.join(consumer, 'server.js'), snippet!);
    const server = await startChildServer({ name: 'the CommonJS snippet', args: ['server.js'], cwd: consumer, env: { PORT: '0' }, ready: /listening on (\d+)/ });
    try {
      const client = await TestClient.open(`ws://127.0.0.1:${server.ready[1]}/ws/demo`);
      await client.waitFor((c) => c.statuses.length === 1);
      expect(client.statuses[0]).toMatchObject({ data: 'Hello from CommonJS', replay: true });
      await client.close();
    } finally {
      await server.stop();
    }
  }, 60_000);

  it.each([
    ['node10', { module: 'CommonJS', moduleResolution: 'Node10' }, 'ts'],
    ['bundler', { module: 'ESNext', moduleResolution: 'Bundler' }, 'ts'],
    ['nodenext (ESM)', { module: 'NodeNext', moduleResolution: 'NodeNext' }, 'mts'],
    ['nodenext (CommonJS)', { module: 'NodeNext', moduleResolution: 'NodeNext' }, 'cts'],
  ] as const)('type-checks every entry under moduleResolution %s', async (label, options, extension) => {
    const dir = path.join(consumer, label.replace(/\W+/g, '-'));
    mkdirSync(dir, { recursive: true });
    // A CommonJS file under nodenext can only `import type` an ESM-only entry.
    const entries = codeEntries.filter(([, target]) => extension !== 'cts' || isDual(target));
    // `NotAny` fails to compile when an entry's types silently degrade to `any`. skipLibCheck: ADK's own
    // .d.ts files name optional packages (MCP, GCS) that a consumer may not have.
    const source = entries.map(([subpath], i) => `import * as entry${i} from '${specifier(subpath)}';\nexport const typed${i}: NotAny<typeof entry${i}> = true;`).join('\n');
    writeFileSync(path.join(dir, `entries.${extension}`), `type NotAny<T> = 0 extends 1 & T ? false : true;\n${source}\n`);
    writeFileSync(
      path.join(dir, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { ...options, strict: true, noEmit: true, skipLibCheck: true, types: ['node'], lib: ['ES2022', 'DOM'], target: 'ES2022' }, files: [`entries.${extension}`] }),
    );
    const out = await sh(process.execPath, [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', path.join(dir, 'tsconfig.json')], dir).catch((error: Error) => error.message);
    expect(out).toBe('');
  }, 120_000);
});
