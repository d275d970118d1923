/**
 * Runs ADK's own dev tools CLI (`adk api_server` / `adk web`, package @google/adk-devtools) as
 * a child process on a free port, as users start it, and waits until it says it listens. The CLI
 * compiles and bundles the agent files with esbuild on first use, so the first request is slow:
 * waits are generous. Share one server across the tests of a file.
 */
import net from 'node:net';
import path from 'node:path';
import { startChildServer } from './child-server.js';

export const ROOT = path.resolve(__dirname, '..', '..');
const CLI = path.join(ROOT, 'node_modules', '@google', 'adk-devtools', 'dist', 'esm', 'cli_entrypoint.js');

export interface AdkCli {
  origin: string;
  port: number;
  output(): string;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export async function startAdkCli(
  command: 'api_server' | 'web',
  agentsDir: string,
  { flags = [], env = {}, timeoutMs = 120_000 }: { flags?: string[]; env?: Record<string, string>; timeoutMs?: number } = {},
): Promise<AdkCli> {
  const port = await freePort();
  // `web` and `api_server` print the same banner once they listen and the agents are loaded.
  const server = await startChildServer({
    name: `adk ${command}`,
    args: [CLI, command, agentsDir, '-p', String(port), '-h', '127.0.0.1', ...flags],
    cwd: ROOT,
    env,
    ready: /ADK API Server started/,
    timeoutMs,
  });
  return {
    origin: `http://127.0.0.1:${port}`,
    port,
    output: server.output,
    stop: async () => {
      await server.stop();
    },
  };
}

/** Creates a session and runs one turn through `/run_sse`; resolves with every ADK event, in order. */
export async function runSse(
  origin: string,
  { appName, userId, sessionId, text }: { appName: string; userId: string; sessionId: string; text: string },
): Promise<Record<string, unknown>[]> {
  const created = await fetch(`${origin}/apps/${appName}/users/${userId}/sessions/${encodeURIComponent(sessionId)}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{}',
  });
  if (!created.ok) throw new Error(`session create: ${created.status} ${await created.text()}`);
  const response = await fetch(`${origin}/run_sse`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ appName, userId, sessionId, newMessage: { role: 'user', parts: [{ text }] } }),
  });
  const body = await response.text();
  return body
    .split('\n')
    .filter((line) => line.startsWith('data: '))
    .map((line) => JSON.parse(line.slice(6)) as Record<string, unknown>);
}
