/**
 * Every process-wide registry (lock, routes, claims, listeners, shared hubs,
 * the AsyncLocalStorage stores) is shared by the ESM build, the CJS build and a copy esbuild
 * inlined into a bundle, loaded together in one real Node process. Needs `npm run build`.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '..', '..');

describe('copies of the package in one process', () => {
  let dir: string;
  beforeAll(() => {
    // Inside the repo (test/.tmp is git-ignored), so the bundle's externals resolve from node_modules.
    mkdirSync(path.join(ROOT, 'test', '.tmp'), { recursive: true });
    dir = mkdtempSync(path.join(ROOT, 'test', '.tmp', 'cross-copy-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('share the binding, the status listeners, the shared hub and the per-session lock (ESM + CJS + esbuild bundle)', async () => {
    const bundle = path.join(dir, 'bundled.mjs');
    // Bundle our package into the file, as ADK's devtools bundle an agent file; ADK itself and
    // the peers stay external (resolved from the repo), as they are one copy in a real app.
    await build({
      stdin: { contents: `export * from ${JSON.stringify(path.join(ROOT, 'dist', 'esm', 'index.js'))};`, resolveDir: ROOT, loader: 'js' },
      bundle: true,
      platform: 'node',
      format: 'esm',
      outfile: bundle,
      external: ['@google/adk', '@google/genai', 'zod', 'ws', '@google-cloud/pubsub'],
      logLevel: 'silent',
    });
    const { stdout } = await run(process.execPath, [path.join(ROOT, 'test', 'fixtures', 'cross-copy.mjs')], {
      cwd: ROOT,
      env: { ...process.env, ROOT, BUNDLE: bundle },
    });
    expect(JSON.parse(stdout)).toEqual({
      binding: { esm: 'als-1', cjs: 'als-1', bundled: 'als-1' },
      stream: 'from the bundle',
      sharedHub: true,
      maxConcurrentRuns: 1,
    });
  }, 60_000);
});
