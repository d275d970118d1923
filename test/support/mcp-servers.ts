/**
 * The MCP servers of the MCP progress tests: test/fixtures/mcp-progress-server.mjs as a child
 * process, over stdio (ADK starts one per session) or Streamable HTTP (started here); a gate the
 * server asks after each progress notification, so a test decides when the tool goes on; and the
 * bookkeeping that finds and kills any server a test left behind.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { StdioConnectionParams, StreamableHTTPConnectionParams } from '@google/adk';

const FIXTURE = path.resolve(__dirname, '..', 'fixtures', 'mcp-progress-server.mjs');

/** The servers one test file starts: each keeps a pid file in `dir` while it lives. */
export class McpServerProcesses {
  readonly dir = mkdtempSync(path.join(os.tmpdir(), 'mcp-progress-'));
  readonly #children = new Set<ChildProcess>();

  /** ADK's connection to a fresh stdio server per session. */
  stdio(): StdioConnectionParams {
    return {
      type: 'StdioConnectionParams',
      serverParams: {
        command: process.execPath,
        args: [FIXTURE, 'stdio'],
        env: { PATH: process.env.PATH ?? '', MCP_FIXTURE_PID_DIR: this.dir },
      },
    };
  }

  /** Starts a Streamable HTTP server; resolves with ADK's connection to it. */
  async http(timeoutMs = 30_000): Promise<StreamableHTTPConnectionParams> {
    const child = spawn(process.execPath, [FIXTURE, 'http'], {
      env: { ...process.env, MCP_FIXTURE_PID_DIR: this.dir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.#children.add(child);
    child.once('exit', () => this.#children.delete(child));
    let output = '';
    child.stderr!.on('data', (chunk) => (output += chunk));
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the MCP server did not start:\n${output}`)), timeoutMs);
      child.stdout!.on('data', (chunk) => {
        output += chunk;
        const match = /MCP_LISTENING (\d+)/.exec(output);
        if (match) {
          clearTimeout(timer);
          resolve(Number(match[1]));
        }
      });
      child.once('exit', () => {
        clearTimeout(timer);
        reject(new Error(`the MCP server exited early:\n${output}`));
      });
    });
    return { type: 'StreamableHTTPConnectionParams', url: `http://127.0.0.1:${port}/mcp` };
  }

  /** Pids of the servers still alive. */
  live(): number[] {
    return readdirSync(this.dir).map(Number).filter((pid) => Number.isInteger(pid) && isAlive(pid));
  }

  /**
   * Waits up to `graceMs` for the stdio servers ADK started to exit, kills any still there and
   * resolves with their pids (none when ADK stopped every server it started).
   */
  async reapStdio(graceMs = 5_000): Promise<number[]> {
    const httpPids = new Set([...this.#children].map((child) => child.pid));
    const stray = () => this.live().filter((pid) => !httpPids.has(pid));
    const deadline = Date.now() + graceMs;
    while (stray().length > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    const left = stray();
    for (const pid of left) kill(pid);
    return left;
  }

  /** Stops the HTTP servers, kills anything else still alive, and removes the pid directory. */
  async dispose(): Promise<void> {
    await Promise.all(
      [...this.#children].map(
        (child) =>
          new Promise<void>((resolve) => {
            child.once('exit', () => resolve());
            child.kill('SIGTERM');
            setTimeout(() => child.kill('SIGKILL'), 3_000).unref();
          }),
      ),
    );
    for (const pid of this.live()) kill(pid);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function kill(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // gone meanwhile
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export type GateAnswer = 'go' | 'linger';

/** The gate the fixture's `index_pages` asks after each notification (`gate` argument). */
export interface ProgressGate {
  url: string;
  /** Decides each step; the server waits for the answer. @default every step goes on */
  onStep: (step: number) => GateAnswer | Promise<GateAnswer>;
  /** After a `linger` answer: whether the server saw the caller's cancellation, and how many notifications it sent after. */
  lingered: Promise<{ cancelled: boolean; late: number }>;
  close(): Promise<void>;
}

export async function startGate(): Promise<ProgressGate> {
  let reportLingered!: (value: { cancelled: boolean; late: number }) => void;
  const gate: ProgressGate = {
    url: '',
    onStep: () => 'go',
    lingered: new Promise((resolve) => (reportLingered = resolve)),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://gate');
    if (url.pathname === '/step') {
      Promise.resolve()
        .then(() => gate.onStep(Number(url.searchParams.get('n'))))
        .then(
          (answer) => res.end(answer),
          (error: unknown) => res.writeHead(500).end(String(error)),
        );
      return;
    }
    if (url.pathname === '/lingered') {
      reportLingered({ cancelled: url.searchParams.get('cancelled') === 'true', late: Number(url.searchParams.get('late')) });
    }
    res.end('ok');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  gate.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return gate;
}
