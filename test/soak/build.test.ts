/**
 * The build from nothing, as a git install or `npm pack` runs it: on a copy of the sources with
 * no dist/, `npm pack` runs `prepare` (`build.mjs --clean`), and the tarball holds every file the
 * exports map names and no sources or tests; then `build.mjs --if-stale` (what `npm start` and
 * the examples run first) skips while dist/ is newer than its inputs and rebuilds after an edit.
 * Two full builds: soak-sized. (test/soak/pack.test.ts checks the package itself, packed
 * from the dist/ that `npm test` builds.)
 */
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, rmSync, symlinkSync, utimesSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = path.resolve(__dirname, '..', '..');
const work = path.join(root, 'test', '.tmp', `soak-build-${process.pid}`);
const stage = path.join(work, 'stage');
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { exports: Record<string, unknown> };

function targets(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  return value && typeof value === 'object' ? Object.values(value).flatMap(targets) : [];
}

async function build(flag: string): Promise<string> {
  const { stdout, stderr } = await run(process.execPath, [path.join('scripts', 'build.mjs'), flag], { cwd: stage });
  return stdout + stderr;
}

describe('the build from nothing', () => {
  beforeAll(() => {
    rmSync(work, { recursive: true, force: true });
    mkdirSync(stage, { recursive: true });
    for (const entry of ['package.json', 'scripts', 'src', 'tsconfig.base.json', 'tsconfig.build.json', 'tsconfig.cjs.json', 'README.md', 'CHANGELOG.md', 'LICENSE', 'llms.txt', 'docs', 'examples', '.env.example']) {
      cpSync(path.join(root, entry), path.join(stage, entry), { recursive: true });
    }
    symlinkSync(path.join(root, 'node_modules'), path.join(stage, 'node_modules'), 'dir');
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('`npm pack` builds dist/ with `prepare`, and the tarball holds every file the exports map names', async () => {
    const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', work], { cwd: stage, maxBuffer: 64 * 1024 * 1024 });
    const files = (JSON.parse(stdout.slice(stdout.indexOf('\n[') + 1)) as { files: { path: string }[] }[])[0]!.files.map((file) => file.path);
    const missing = Object.values(pkg.exports).flatMap(targets).map((target) => target.replace(/^\.\//, '')).filter((file) => !files.includes(file));
    expect(missing).toEqual([]);
    expect(files.filter((file) => file.startsWith('src/') || file.startsWith('test/') || file.includes('.build-stamp'))).toEqual([]);
  }, 600_000);

  it('`build.mjs --if-stale` skips while dist/ is newer than its inputs, and rebuilds after an edit', async () => {
    expect(await build('--if-stale')).toContain('skipped');
    // An edit after the last build: the stamp is older than src/protocol.ts.
    // (Touch the source too: on a fresh clone every file may already be older than a minute.)
    const before = new Date(Date.now() - 60_000);
    utimesSync(path.join(stage, 'dist', '.build-stamp'), before, before);
    const now = new Date();
    utimesSync(path.join(stage, 'src', 'protocol.ts'), now, now);
    expect(await build('--if-stale')).toContain('build: dist/ ready');
    expect(await build('--if-stale')).toContain('skipped');
  }, 600_000);
});
