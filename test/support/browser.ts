/**
 * Real headless Chromium for browser tests: Debian's `chromium` driven by `playwright-core`.
 * Never downloads a browser (no `npx playwright install`; these machines have no internet).
 *
 * Declare browser suites with `describeWithChromium`. Where no Chromium is found they are
 * skipped and say so loudly on stderr (set `REQUIRE_CHROMIUM=1` to make that a failure, e.g.
 * in CI); wherever Chromium exists they run, and a Chromium that fails to launch fails them.
 */
import { accessSync, constants } from 'node:fs';
import { chromium } from 'playwright-core';
import type { Browser, LaunchOptions } from 'playwright-core';

/** Where Chromium is looked for. @default process.env.CHROMIUM_PATH, else '/usr/bin/chromium' */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

/** Flags for a quiet, headless, offline Chromium in a container. */
export const CHROMIUM_ARGS: readonly string[] = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** The Chromium executable, or `undefined` when there is none to run. */
export function findChromium(): string | undefined {
  try {
    accessSync(CHROMIUM_PATH, constants.X_OK);
    return CHROMIUM_PATH;
  } catch {
    return undefined;
  }
}

/** Launches Chromium; throws (with the install hint) when it is missing. */
export async function launchChromium(options: LaunchOptions = {}): Promise<Browser> {
  const executablePath = findChromium();
  if (!executablePath) throw new Error(missingMessage('launchChromium'));
  return chromium.launch({ executablePath, args: [...CHROMIUM_ARGS], ...options });
}

function missingMessage(what: string): string {
  return (
    `SKIPPED browser tests "${what}": no Chromium at ${CHROMIUM_PATH}. ` +
    'Install it with `apt-get update && apt-get install -y chromium` (or set CHROMIUM_PATH).'
  );
}

/** `describe` that runs only where Chromium exists, and skips loudly elsewhere. */
export function describeWithChromium(name: string, fn: () => void): void {
  if (findChromium()) {
    describe(name, fn);
    return;
  }
  const message = missingMessage(name);
  if (process.env.REQUIRE_CHROMIUM === '1') {
    describe(name, () => {
      it('needs Chromium (REQUIRE_CHROMIUM=1)', () => {
        throw new Error(message);
      });
    });
    return;
  }
  const bar = '!'.repeat(Math.min(100, message.length));
  process.stderr.write(`\n${bar}\n${message}\n${bar}\n`);
  console.warn(message);
  describe.skip(name, fn);
}
