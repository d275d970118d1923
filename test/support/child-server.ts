/**
 * Starts a server as a child process (the chat example, ADK's CLI, an A2A agent…), waits until
 * its output says it is ready, and always ends it: when `stop()` is called, when start-up fails
 * (the process exits early, or says nothing within `timeoutMs`), and at the end of the test file
 * for any child still running (a test that timed out while waiting never got its handle). A
 * child that ignores SIGTERM is killed after `graceMs`.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';

export interface ChildServerOptions {
  /** @default process.execPath */
  command?: string;
  args: string[];
  cwd: string;
  /** The child's environment; `undefined` values remove a variable. @default process.env */
  env?: Record<string, string | undefined>;
  /** Output (stdout or stderr) that means "ready"; its match is handed back. */
  ready: RegExp;
  /** How the child is named in errors. */
  name: string;
  /** @default 30000 */
  timeoutMs?: number;
  /** How long `stop()` waits after SIGTERM before SIGKILL. @default 5000 */
  graceMs?: number;
}

export interface ChildServer {
  child: ChildProcess;
  /** The `ready` pattern's match in the output. */
  ready: RegExpExecArray;
  /** Everything the child wrote to stdout and stderr so far. */
  output(): string;
  /** Resolves with the exit code (null after a signal) once the child has exited. */
  exited: Promise<number | null>;
  /** Sends `signal` (SIGKILL after `graceMs`) and resolves with the exit code. Idempotent. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

const running = new Set<ChildServer>();

// At the end of each test file, whatever is still running is stopped: a test that timed out
// inside `startChildServer` (jest moved on) must not leave its server behind.
if (typeof afterAll === 'function') {
  afterAll(async () => {
    await Promise.all([...running].map((server) => server.stop('SIGKILL')));
  });
}
// And if the worker exits first (a crash, a forced exit), its children go with it.
process.once('exit', () => {
  for (const server of running) if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill('SIGKILL');
});

export function startChildServer(options: ChildServerOptions): Promise<ChildServer> {
  const { command = process.execPath, args, cwd, ready, name, timeoutMs = 30_000, graceMs = 5000 } = options;
  const env: NodeJS.ProcessEnv = { ...process.env, ...options.env };
  for (const [key, value] of Object.entries(env)) if (value === undefined) delete env[key];
  const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const stop = async (signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    const code = await exited;
    clearTimeout(timer);
    running.delete(server);
    return code;
  };
  const server: ChildServer = { child, ready: undefined as unknown as RegExpExecArray, output: () => output, exited, stop };
  running.add(server);
  void exited.then(() => running.delete(server));
  return new Promise<ChildServer>((resolve, reject) => {
    let settled = false;
    const fail = (why: string): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      // The child is ended before the caller hears of the failure.
      void stop('SIGKILL').then(() => reject(new Error(`${name} ${why}:\n${output}`)));
    };
    const timer = setTimeout(() => fail(`did not get ready within ${timeoutMs} ms`), timeoutMs);
    const onData = (chunk: Buffer): void => {
      output += chunk.toString('utf8');
      if (settled) return;
      const match = ready.exec(output);
      if (!match) return;
      settled = true;
      clearTimeout(timer);
      server.ready = match;
      resolve(server);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('error', (error) => fail(`could not start (${error.message})`));
    child.once('exit', (code, signal) => fail(`exited early (code ${code}, signal ${signal})`));
  });
}
