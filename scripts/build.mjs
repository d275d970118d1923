// Builds the package: ESM + CJS (each with its own .d.ts), the ESM browser client, the React entry, and the
// drop-in IIFE `dist/browser/status-messenger.js`. Run with `npm run build`.
// `--clean` starts from an empty dist/ (`prepare`: git installs and `npm pack`);
// `--if-stale` skips the build when dist/ is newer than everything it is built from (`npm start`).
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { copyFile, mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');

async function compile(project) {
  try {
    await run(process.execPath, [tsc, '-p', project], { cwd: root });
  } catch (error) {
    process.stderr.write(`${error.stdout ?? ''}${error.stderr ?? ''}`);
    throw new Error(`tsc -p ${project} failed`);
  }
}

// Written last, so its time is when the last complete build finished.
const stamp = join(root, 'dist', '.build-stamp');

/** The newest modification time under `path` (a file or a directory), in ms. */
function newest(path) {
  const stats = statSync(path);
  if (!stats.isDirectory()) return stats.mtimeMs;
  return readdirSync(path).reduce((latest, name) => Math.max(latest, newest(join(path, name))), stats.mtimeMs);
}

if (process.argv.includes('--if-stale') && existsSync(stamp)) {
  const inputs = ['src', 'scripts', 'package.json', 'tsconfig.base.json', 'tsconfig.build.json', 'tsconfig.cjs.json'];
  if (statSync(stamp).mtimeMs > Math.max(...inputs.map((input) => newest(join(root, input))))) {
    console.log('build: dist/ is newer than src/, skipped (npm run build forces it)');
    process.exit(0);
  }
}

// Without `--clean` files are overwritten in place, so a build never pulls dist/ from under a
// test that is running.
if (process.argv.includes('--clean')) await rm(join(root, 'dist'), { recursive: true, force: true });
const jobs = [compile('tsconfig.build.json'), compile('tsconfig.cjs.json')];
const clientProject = join('src', 'client', 'tsconfig.json');
if (existsSync(join(root, clientProject))) jobs.push(compile(clientProject));
await Promise.all(jobs);
// The React entry re-emits the client files it imports (same content), so it runs after them.
const reactProject = join('src', 'react', 'tsconfig.json');
if (existsSync(join(root, reactProject))) await compile(reactProject);
await writeFile(join(root, 'dist', 'cjs', 'package.json'), '{\n  "type": "commonjs"\n}\n');

const browserEntry = join(root, 'src', 'client', 'browser.ts');
if (existsSync(browserEntry)) {
  const esbuild = await import('esbuild');
  await mkdir(join(root, 'dist', 'browser'), { recursive: true });
  const common = { entryPoints: [browserEntry], bundle: true, format: 'iife', target: 'es2019', platform: 'browser', legalComments: 'none' };
  await esbuild.build({ ...common, outfile: join(root, 'dist', 'browser', 'status-messenger.js'), minify: true });
  await esbuild.build({ ...common, outfile: join(root, 'dist', 'browser', 'status-messenger.dev.js'), minify: false });
  // The optional default stylesheet ships beside the drop-in script.
  await copyFile(join(root, 'src', 'client', 'status-messenger.css'), join(root, 'dist', 'browser', 'status-messenger.css'));
}
await writeFile(stamp, `${new Date().toISOString()}\n`);
console.log('build: dist/ ready');
