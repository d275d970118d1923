/**
 * Starts `test/support/a2a-remote.ts` (an agent served by `toA2aWithStatus`) as a child process
 * on a free port, and the texts its scripted model uses, for the A2A tests.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';

export const REMOTE_STATUS_TEXTS = ['Reading your question…', 'Checking the archive…'] as const;
export const REMOTE_TOOL_STATUS = 'Halfway through the archive';
export const REMOTE_ANSWER = 'The archive says 42.';
export const REMOTE_FAILURE = 'archive backend exploded';

export interface RemoteProcess {
  /** `http://127.0.0.1:<port>`; the agent card is at `/.well-known/agent-card.json`. */
  url: string;
  child: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

export async function spawnA2ARemote(
  env: { fail?: boolean; token?: string; toolDelayMs?: number; stamps?: number } = {},
  timeoutMs = 30_000,
): Promise<RemoteProcess> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env };
  if (env.fail) childEnv.A2A_REMOTE_FAIL = '1';
  if (env.token) childEnv.A2A_REMOTE_TOKEN = env.token;
  if (env.toolDelayMs !== undefined) childEnv.A2A_REMOTE_TOOL_DELAY_MS = String(env.toolDelayMs);
  if (env.stamps !== undefined) childEnv.A2A_REMOTE_STAMPS = String(env.stamps);
  // Resolved here, not at module load: the remote script (ESM) imports this file's constants.
  // Under jest (CJS) __dirname exists; the ESM bench runs from the repository root.
  const root = typeof __dirname === 'string' ? path.resolve(__dirname, '..', '..') : process.cwd();
  const child = spawn(process.execPath, ['--import', 'tsx', path.join('test', 'support', 'a2a-remote.ts')], {
    cwd: root,
    env: childEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`A2A remote did not start:\n${output}`)), timeoutMs);
    const check = (): void => {
      const match = /A2A_REMOTE_LISTENING (\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    };
    child.stdout!.on('data', check);
    child.once('exit', () => {
      clearTimeout(timer);
      reject(new Error(`A2A remote exited early:\n${output}`));
    });
  });
  return {
    url: `http://127.0.0.1:${port}`,
    child,
    output: () => output,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
