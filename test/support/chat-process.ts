/**
 * Runs the chat example as users do (`node --import tsx examples/chat/server.ts`, the built
 * package resolved by name) in a child process on a free port, and waits for it to listen.
 */
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { startChildServer } from './child-server.js';

export interface ChatProcess {
  origin: string;
  child: ChildProcess;
  output(): string;
  /** Sends `signal` and resolves with the exit code (null if killed by a signal). */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

const root = path.resolve(__dirname, '..', '..');

export async function spawnChatServer(env: Record<string, string | undefined>, timeoutMs = 30_000): Promise<ChatProcess> {
  const server = await startChildServer({
    name: 'chat server',
    args: ['--import', 'tsx', path.join('examples', 'chat', 'server.ts')],
    cwd: root,
    env: { PORT: '0', HOST: '127.0.0.1', ...env },
    ready: /listening on http:\/\/localhost:(\d+)/,
    timeoutMs,
  });
  return {
    origin: `http://127.0.0.1:${server.ready[1]}`,
    child: server.child,
    output: server.output,
    stop: server.stop,
  };
}
