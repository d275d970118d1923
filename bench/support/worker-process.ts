/**
 * A bench worker in its own Node process (tsx-loaded, IPC channel), for what must not share
 * the measuring process: clients whose CPU must not count, a clean RSS, or AsyncLocalStorage
 * left disabled. Messages are plain objects with a `type`.
 */
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface WorkerMessage {
  type: string;
  [key: string]: unknown;
}

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export class WorkerProcess {
  readonly #child: ChildProcess;
  readonly #listeners = new Map<string, (message: WorkerMessage) => void>();
  readonly #waiting: { type: string; resolve: (m: WorkerMessage) => void; reject: (e: Error) => void }[] = [];
  #exit: Promise<void>;
  #exited = false;

  /**
   * `file` is relative to the repository root, e.g. `bench/workers/status-clients.ts`;
   * `execPath` is the Node binary to run it with (another release line), by default this one.
   */
  constructor(file: string, args: string[] = [], nodeFlags: string[] = [], execPath: string = process.execPath) {
    this.#child = fork(file, args, {
      cwd: ROOT,
      execPath,
      execArgv: ['--import', 'tsx', ...nodeFlags],
      // The worker's stdout goes to our stderr: `--json` output stays clean.
      stdio: ['ignore', 2, 2, 'ipc'],
    });
    this.#child.on('message', (raw) => this.#dispatch(raw as WorkerMessage));
    this.#exit = new Promise((resolve) => {
      this.#child.once('exit', (code, signal) => {
        this.#exited = true;
        const error = new Error(`worker ${file} ${args.join(' ')} exited (code ${code}, signal ${signal})`);
        for (const waiter of this.#waiting.splice(0)) waiter.reject(error);
        resolve();
      });
    });
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  /** Calls `listener` for every message of `type` (replaces an earlier listener). */
  on(type: string, listener: (message: WorkerMessage) => void): void {
    this.#listeners.set(type, listener);
  }

  send(message: WorkerMessage): void {
    this.#child.send(message);
  }

  /** Resolves with the next message of `type`. */
  next(type: string, timeoutMs = 120_000): Promise<WorkerMessage> {
    if (this.#exited) return Promise.reject(new Error('worker has exited'));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`worker sent no '${type}' within ${timeoutMs} ms`)), timeoutMs);
      this.#waiting.push({
        type,
        resolve: (message) => {
          clearTimeout(timer);
          resolve(message);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
    });
  }

  /** Sends `message` and resolves with the next message of `replyType`. */
  request(message: WorkerMessage, replyType: string, timeoutMs?: number): Promise<WorkerMessage> {
    const reply = this.next(replyType, timeoutMs);
    this.send(message);
    return reply;
  }

  /** Asks the worker to exit; kills it if it has not after `graceMs`. */
  async stop(graceMs = 5000): Promise<void> {
    if (this.#exited) return;
    try {
      this.#child.send({ type: 'exit' });
    } catch {
      // channel already closed
    }
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), graceMs);
    await this.#exit;
    clearTimeout(timer);
  }

  #dispatch(message: WorkerMessage): void {
    if (message.type === 'error') {
      const error = new Error(`worker failed: ${String(message.error)}`);
      for (const waiter of this.#waiting.splice(0)) waiter.reject(error);
      return;
    }
    const index = this.#waiting.findIndex((waiter) => waiter.type === message.type);
    if (index !== -1) {
      const [waiter] = this.#waiting.splice(index, 1);
      waiter!.resolve(message);
      return;
    }
    this.#listeners.get(message.type)?.(message);
  }
}
