/**
 * The REAL Cloud Pub/Sub emulator for tests. Jest's global setup starts one shared instance
 * (`startSharedEmulator`) and exports `PUBSUB_EMULATOR_HOST` to the workers; a test that needs
 * to stop and restart Pub/Sub starts its own `EmulatorProcess` on a fixed port.
 *
 * The launcher comes from the Debian package google-cloud-cli-pubsub-emulator (or from
 * `STATUS_MESSENGER_PUBSUB_EMULATOR_BIN`). Where the package is absent the Pub/Sub suites are
 * skipped, LOUDLY; where it is present but the emulator does not start, they fail.
 */
import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import net from 'node:net';

export const EMULATOR_PACKAGE = 'google-cloud-cli-pubsub-emulator';
/** Set by the global setup for the workers: `running`, `external`, `absent: …` or `failed: …`. */
export const EMULATOR_STATUS_ENV = 'STATUS_MESSENGER_TEST_PUBSUB_EMULATOR';
const LAUNCHER_ENV = 'STATUS_MESSENGER_PUBSUB_EMULATOR_BIN';

export function findEmulatorLauncher(): string | undefined {
  const override = process.env[LAUNCHER_ENV];
  if (override) return existsSync(override) ? override : undefined;
  try {
    const files = execFileSync('dpkg', ['-L', EMULATOR_PACKAGE], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    return files.split('\n').find((line) => line.endsWith('bin/cloud-pubsub-emulator'));
  } catch {
    return undefined;
  }
}

export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function canConnect(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, host);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export async function waitForPort(host: string, port: number, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await canConnect(host, port))) {
    if (Date.now() > deadline) throw new Error(`Nothing listens on ${host}:${port} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** One emulator process (a shell script exec'ing java), in its own process group. */
export class EmulatorProcess {
  readonly host = '127.0.0.1';
  readonly port: number;
  readonly #launcher: string;
  #child: ChildProcess | undefined;

  constructor(launcher: string, port: number) {
    this.#launcher = launcher;
    this.port = port;
  }

  get address(): string {
    return `${this.host}:${this.port}`;
  }

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  /** Spawns the emulator; with `wait`, resolves once it accepts connections. */
  async start(wait = true): Promise<void> {
    if (this.#child) throw new Error('The emulator is already running');
    const child = spawn(this.#launcher, [`--host=${this.host}`, `--port=${this.port}`], { detached: true, stdio: 'ignore' });
    child.on('error', () => {});
    this.#child = child;
    if (wait) await waitForPort(this.host, this.port);
  }

  /** Kills the whole process group (the script and its java child) and waits until the port is free. */
  async stop(): Promise<void> {
    const child = this.#child;
    this.#child = undefined;
    if (!child?.pid) return;
    const exited = new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) resolve();
      else child.once('exit', () => resolve());
    });
    killGroup(child.pid);
    await exited;
    const deadline = Date.now() + 10_000;
    while ((await canConnect(this.host, this.port)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  }

  /** Synchronous kill, for `process.on('exit')`. */
  killNow(): void {
    if (this.#child?.pid) killGroup(this.#child.pid);
    this.#child = undefined;
  }
}

function killGroup(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

export type EmulatorAvailability =
  | { kind: 'running' | 'external'; host: string }
  | { kind: 'absent'; reason: string }
  | { kind: 'failed'; reason: string };

/** What the global setup found, as the workers see it. */
export function emulatorAvailability(): EmulatorAvailability {
  const status = process.env[EMULATOR_STATUS_ENV] ?? '';
  const host = process.env.PUBSUB_EMULATOR_HOST;
  if ((status === 'running' || status === 'external') && host) return { kind: status, host };
  if (status.startsWith('failed')) return { kind: 'failed', reason: status };
  return { kind: 'absent', reason: status || `the jest global setup did not run (${EMULATOR_STATUS_ENV} unset)` };
}

/**
 * `describe` for suites that need the emulator: runs them where it is available, fails them
 * where the package is installed but the emulator did not start, and skips them LOUDLY where
 * the package is absent.
 */
export function describeIfEmulator(name: string, fn: () => void): void {
  const availability = emulatorAvailability();
  if (availability.kind === 'absent') {
    // Straight to stderr: jest does not print console output of a file whose tests all skip.
    process.stderr.write(`\n!!! PUB/SUB EMULATOR TESTS SKIPPED: "${name}" — ${availability.reason} !!!\n`);
    describe.skip(name, fn);
    return;
  }
  if (availability.kind === 'failed') {
    describe(name, () => {
      it('has the Pub/Sub emulator it needs', () => {
        throw new Error(`The ${EMULATOR_PACKAGE} package is installed but the emulator did not start: ${availability.reason}`);
      });
    });
    return;
  }
  const address = availability.host;
  describe(name, () => {
    beforeAll(async () => {
      const [host, port] = address.split(':');
      await waitForPort(host!, Number(port));
      console.log(`[pubsub] "${name}" runs against the REAL Pub/Sub emulator at ${address}`);
    }, 90_000);
    fn();
  });
}

const SHARED_KEY = Symbol.for('adk-status-messenger.test.pubsub-emulator');
type GlobalWithEmulator = typeof globalThis & { [SHARED_KEY]?: EmulatorProcess };

/** For the jest global setup: starts the shared emulator (without waiting for it) and tells the workers where it is. */
export async function startSharedEmulator(): Promise<void> {
  if (process.env.PUBSUB_EMULATOR_HOST) {
    process.env[EMULATOR_STATUS_ENV] = 'external';
    console.log(`\n[pubsub] Using the Pub/Sub emulator already configured at PUBSUB_EMULATOR_HOST=${process.env.PUBSUB_EMULATOR_HOST}`);
    return;
  }
  const launcher = findEmulatorLauncher();
  if (!launcher && process.env[LAUNCHER_ENV]) {
    process.env[EMULATOR_STATUS_ENV] = `failed: ${LAUNCHER_ENV}=${process.env[LAUNCHER_ENV]} does not exist`;
    console.error(`\n!!! ${LAUNCHER_ENV} points to a missing file; the Pub/Sub tests will FAIL. !!!\n`);
    return;
  }
  if (!launcher) {
    process.env[EMULATOR_STATUS_ENV] = `absent: the ${EMULATOR_PACKAGE} package is not installed`;
    console.warn(
      `\n!!! PUB/SUB EMULATOR NOT FOUND: package ${EMULATOR_PACKAGE} is not installed, so every Pub/Sub test is SKIPPED. !!!\n` +
        `!!! Install it (Debian 12: apt-get install ${EMULATOR_PACKAGE}) or set ${LAUNCHER_ENV} to run them. !!!\n`,
    );
    return;
  }
  try {
    const emulator = new EmulatorProcess(launcher, await freePort());
    // Not awaited: the JVM takes a few seconds, and suites that need it wait in their beforeAll.
    await emulator.start(false);
    (globalThis as GlobalWithEmulator)[SHARED_KEY] = emulator;
    process.on('exit', () => emulator.killNow());
    process.env.PUBSUB_EMULATOR_HOST = emulator.address;
    process.env[EMULATOR_STATUS_ENV] = 'running';
    console.log(`\n[pubsub] Started the real Pub/Sub emulator (pid ${emulator.pid}) at ${emulator.address}`);
  } catch (error) {
    process.env[EMULATOR_STATUS_ENV] = `failed: ${(error as Error).message}`;
    console.error(`\n!!! The Pub/Sub emulator did not start: ${(error as Error).message} !!!\n`);
  }
}

/** For the jest global teardown. */
export async function stopSharedEmulator(): Promise<void> {
  const holder = globalThis as GlobalWithEmulator;
  const emulator = holder[SHARED_KEY];
  delete holder[SHARED_KEY];
  await emulator?.stop();
}
