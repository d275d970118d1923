/**
 * The relay tests' server instances (test/support/relay-node.ts, each its own process) and the
 * viewer that reads a session across them as the browser client does.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { GapFrame, ServerFrame } from '../../src/protocol.js';
import { sleep, TestClient } from './hub-server.js';
import { TEST_PROJECT } from './pubsub-pull.js';

const root = path.resolve(__dirname, '..', '..');

export interface RelayInstance {
  name: string;
  port: number;
  child: ChildProcess;
  post(pathAndQuery: string): Promise<unknown>;
  stats(): Promise<{ hub: { sessions: number }; relay: Record<string, unknown> }>;
  ws(sessionId: string): string;
  /** Resolves when the process has exited. */
  exited: Promise<void>;
}

/** Starts an instance and waits for it to listen; a start that fails or times out leaves no process behind. */
export async function startRelayInstance(name: string, env: Record<string, string>, timeoutMs = 60_000): Promise<RelayInstance> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join('test', 'support', 'relay-node.ts')], {
    cwd: root,
    env: { ...process.env, GOOGLE_CLOUD_PROJECT: TEST_PROJECT, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let timer: NodeJS.Timeout | undefined;
  const port = await new Promise<number>((resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${name} did not start within ${timeoutMs} ms: ${output}`)), timeoutMs);
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk;
      const match = /listening (\d+)/.exec(output);
      if (match) resolve(Number(match[1]));
    });
    child.once('exit', (code) => reject(new Error(`${name} exited with ${code}: ${output}`)));
  })
    .catch(async (error: unknown) => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
      throw error;
    })
    .finally(() => clearTimeout(timer));
  const base = `http://127.0.0.1:${port}`;
  return {
    name,
    port,
    child,
    exited,
    post: async (pathAndQuery) => {
      const response = await fetch(base + pathAndQuery, { method: 'POST' });
      if (!response.ok) throw new Error(`${name} ${pathAndQuery}: ${response.status} ${await response.text()}`);
      return response.json();
    },
    stats: async () => (await fetch(`${base}/stats`).then((r) => r.json())) as Awaited<ReturnType<RelayInstance['stats']>>,
    ws: (sessionId) => `ws://127.0.0.1:${port}/ws/${sessionId}`,
  };
}

export async function stopRelayInstance(instance: RelayInstance | undefined, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (!instance || instance.child.exitCode !== null || instance.child.signalCode !== null) return;
  instance.child.kill(signal);
  await instance.exited;
}

/** Waits until `condition()` holds, polling every 20 ms. */
export async function until(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/**
 * A session's statuses as the browser client sees them, across every connection it made: it
 * keeps the epoch of the last `hello` and the highest `seq` in it, and reconnects with
 * `?since=&epoch=`; a status at or below that seq in the same epoch is a duplicate (the browser
 * drops those; here they are counted).
 */
export class Viewer {
  readonly connections: TestClient[] = [];
  epoch: string | undefined;
  last = 0;
  readonly seen: string[] = [];
  readonly gapFrames: GapFrame[] = [];
  duplicates = 0;
  #read = new Map<TestClient, number>();

  get gaps(): number {
    this.#consume();
    return this.gapFrames.length;
  }

  async connect(url: string): Promise<TestClient> {
    this.#consume();
    const resume = this.epoch === undefined ? '' : `?since=${this.last}&epoch=${encodeURIComponent(this.epoch)}`;
    const client = await TestClient.open(url + resume);
    this.connections.push(client);
    // The opening frames (hello, a gap, the replay) are written before anything later can come.
    await client.waitFor((c) => c.frames.length > 0);
    return client;
  }

  /** Hops: closes the current connection and opens one to `url`, resuming where it was. */
  async hop(url: string): Promise<void> {
    await this.disconnect();
    await this.connect(url);
  }

  async disconnect(): Promise<void> {
    this.#consume();
    await this.connections.at(-1)?.close();
  }

  async waitForCount(count: number, timeoutMs = 30_000): Promise<void> {
    await until(
      () => (this.#consume(), this.seen.length >= count),
      `${count} statuses (saw ${this.seen.length}: ${this.seen.slice(-5).join(' | ')})`,
      timeoutMs,
    );
  }

  async waitForText(prefix: string, timeoutMs = 30_000): Promise<void> {
    await until(() => (this.#consume(), this.seen.some((text) => text.startsWith(prefix))), `a status starting "${prefix}" (saw ${this.labels().join(' | ')})`, timeoutMs);
  }

  async waitForGap(timeoutMs = 10_000): Promise<GapFrame> {
    await until(() => this.gaps > 0, 'a gap frame', timeoutMs);
    return this.gapFrames[0]!;
  }

  labels(): string[] {
    this.#consume();
    return this.seen.map((text) => text.split(' ').slice(0, 2).join(' '));
  }

  // Applies the frames each connection received, in order, as the browser's tracker does.
  #consume(): void {
    for (const client of this.connections) {
      const frames: ServerFrame[] = client.frames;
      for (let i = this.#read.get(client) ?? 0; i < frames.length; i += 1) {
        const frame = frames[i]!;
        if (frame.type === 'hello' && frame.epoch !== this.epoch) {
          this.epoch = frame.epoch;
          this.last = 0;
        } else if (frame.type === 'gap') {
          this.gapFrames.push(frame);
        } else if (frame.type === 'status') {
          if (frame.seq <= this.last) this.duplicates += 1;
          else {
            this.last = frame.seq;
            this.seen.push(frame.data);
          }
        }
      }
      this.#read.set(client, frames.length);
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.connections.map((client) => client.close()));
  }
}

export const range = (label: string, from: number, to: number): string[] => Array.from({ length: to - from }, (_, i) => `${label} ${from + i}`);
