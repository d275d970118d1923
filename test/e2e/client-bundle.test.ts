/**
 * What `npm run build` ships for the browser: the drop-in IIFE stays small and self-contained,
 * the stylesheet sits beside it, and the ESM client's types resolve. Reads dist/.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

const DIST = join(__dirname, '..', '..', 'dist');
const read = (path: string) => readFileSync(join(DIST, path), 'utf8');

describe('the built browser client', () => {
  it('keeps the drop-in script under 6.5 KB min+gzip, with no module system or Node in it', () => {
    const bundle = readFileSync(join(DIST, 'browser', 'status-messenger.js'));
    const gzip = gzipSync(bundle).length;
    process.stdout.write(`status-messenger.js: ${bundle.length} B minified, ${gzip} B min+gzip\n`);
    expect(gzip).toBeLessThan(6.5 * 1024);
    const text = bundle.toString('utf8');
    expect(text.startsWith('"use strict";(()=>{')).toBe(true);
    expect(text).not.toMatch(/\brequire\(|\bimport\s*\(|\bimport\s|\bexport\s|\bprocess\.|node:/);
    expect(text).toContain('startStatusUpdates');
  });

  it('ships the optional stylesheet beside it', () => {
    expect(read('browser/status-messenger.css')).toBe(readFileSync(join(__dirname, '..', '..', 'src', 'client', 'status-messenger.css'), 'utf8'));
  });

  it('emits the ESM entry with types that resolve inside the package', () => {
    const index = read('client/index.js');
    expect(index).toMatch(/export \{ startStatusUpdates \}/);
    expect(index).toMatch(/export \{ connectStatusUpdates \}/);
    const types = read('client/index.d.ts');
    expect(types).toContain("from '../protocol.js'");
    expect(existsSync(join(DIST, 'protocol.d.ts'))).toBe(true);
    // Outside its folder the client imports only the wire contract (one parser for server and
    // browser) and the "did you mean" helper: both emitted beside dist/client/, neither importing anything.
    const outside = new Set<string>();
    for (const file of readdirSync(join(DIST, 'client')).filter((name) => name.endsWith('.js'))) {
      for (const [, target] of read(`client/${file}`).matchAll(/from '\.\.\/([^']+)'/g)) outside.add(target!);
    }
    expect([...outside].sort()).toEqual(['closest-key.js', 'protocol.js']);
    for (const file of outside) expect(read(file)).not.toMatch(/^import |from '/m);
  });
});
