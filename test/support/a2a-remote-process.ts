/**
 * Starts `test/support/a2a-remote.ts` (an agent served by `toA2aWithStatus`) as a child process
 * on a free port, and the texts its scripted model uses, for the A2A tests.
 */
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { startChildServer } from './child-server.js';

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
  const childEnv: Record<string, string> = {};
  if (env.fail) childEnv.A2A_REMOTE_FAIL = '1';
  if (env.token) childEnv.A2A_REMOTE_TOKEN = env.token;
  if (env.toolDelayMs !== undefined) childEnv.A2A_REMOTE_TOOL_DELAY_MS = String(env.toolDelayMs);
  if (env.stamps !== undefined) childEnv.A2A_REMOTE_STAMPS = String(env.stamps);
  // Resolved here, not at module load: the remote script (ESM) imports this file's constants.
  // Under jest (CJS) __dirname exists; the ESM bench runs from the repository root.
  const root = typeof __dirname === 'string' ? path.resolve(__dirname, '..', '..') : process.cwd();
  const server = await startChildServer({
    name: 'the A2A remote',
    args: ['--import', 'tsx', path.join('test', 'support', 'a2a-remote.ts')],
    cwd: root,
    env: childEnv,
    ready: /A2A_REMOTE_LISTENING (\d+)/,
    timeoutMs,
  });
  return {
    url: `http://127.0.0.1:${server.ready[1]}`,
    child: server.child,
    output: server.output,
    stop: async () => {
      await server.stop();
    },
  };
}
