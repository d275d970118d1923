/**
 * `sharedStatusHub(options)`: one `StatusHub` per process, whichever copy of this package asks
 * for it. ADK's devtools bundle an agent file with its own copy of the package and import it
 * again on `--reload_agents`; a hub created at module level there would be a new hub (and a
 * second `listen` would fail with `EADDRINUSE`) on every import. The first call creates the
 * hub (and starts listening when `port` is given); later calls with the same `name` return it.
 *
 * A later call never changes the hub, so it must not believe it did: its options are validated
 * like the first call's, and options other than the hub's (an `authorize` the hub does not
 * have, another port) throw `ERR_INVALID_OPTION` instead of being dropped. A call with no
 * options but `name` returns the hub. Options are compared by value, as code reloaded from the
 * same source would make them again: functions by their source text, objects made by a class
 * (an adapter, a logger instance) by their class, plain objects and arrays field by field.
 */
import type { Server as HttpServer } from 'node:http';
import { z } from 'zod';
import { StatusMessengerError } from '../errors.js';
import { getDefaultLogger } from '../logger.js';
import { defineOptions, parseOptions } from '../options.js';
import { processRegistry } from '../process-registry.js';
import { HUB_OPTIONS_SHAPE, resolveHubOptions } from './hub-options.js';
import type { StatusHubOptions } from './hub-options.js';
import { StatusHub } from './status-hub.js';

export interface SharedStatusHubOptions extends StatusHubOptions {
  /** Which shared hub: one per name per process. @default 'default' */
  name?: string;
  /** Serve the hub on its own HTTP server on this port (`hub.listen`), once per process. @default none */
  port?: number;
  /** The interface to listen on, with `port`. @default all interfaces */
  host?: string;
}

interface SharedEntry {
  hub: StatusHub;
  /** Resolves once listening (when a port was given); rejections are logged, not thrown. */
  listening: Promise<{ server: HttpServer; port: number; url: string } | undefined>;
  /** What the hub was made with, each option as comparable text (see `fingerprint`). */
  settings: Map<string, string>;
}

const sharedSpec = defineOptions('sharedStatusHub(options)', {
  ...HUB_OPTIONS_SHAPE,
  name: z.custom<string>((v) => typeof v === 'string' && v !== '', { message: 'a non-empty string' }).optional(),
  port: z
    .custom<number>((v) => Number.isSafeInteger(v) && (v as number) >= 0 && (v as number) <= 65535, {
      message: 'a port number (0–65535)',
    })
    .optional(),
  host: z.custom<string>((v) => typeof v === 'string' && v !== '', { message: 'a host name or address' }).optional(),
});

const hubs = processRegistry('shared-status-hubs.v2', () => new Map<string, SharedEntry>());

export function sharedStatusHub(options: SharedStatusHubOptions = {}): StatusHub {
  const { name = 'default', port, host, ...hubOptions } = parseOptions(sharedSpec, options) as SharedStatusHubOptions;
  const settings = settingsOf(hubOptions, port, host);
  const existing = hubs.get(name);
  if (existing) {
    const onlyName = Object.keys(hubOptions).length === 0 && port === undefined && host === undefined;
    if (onlyName) return existing.hub;
    const differing = [...new Set([...existing.settings.keys(), ...settings.keys()])]
      .filter((key) => existing.settings.get(key) !== settings.get(key))
      .sort();
    if (differing.length === 0) return existing.hub;
    const names = differing.map((key) => `\`${key}\``).join(', ');
    throw new StatusMessengerError(
      'ERR_INVALID_OPTION',
      `sharedStatusHub(options): the shared hub "${name}" was made with other options: ${names} ${differing.length === 1 ? 'differs' : 'differ'}. ` +
        'A later call cannot change the hub: pass the same options (or only `name`) to get it, or close it first (or restart the process) to make a new one.',
    );
  }
  const hub = new StatusHub(hubOptions);
  const listening =
    port === undefined
      ? Promise.resolve(undefined)
      : hub.listen(port, host).catch((error: unknown) => {
          (hubOptions.logger ?? getDefaultLogger()).error(`sharedStatusHub: could not listen on port ${port}`, error);
          return undefined;
        });
  const entry: SharedEntry = { hub, listening, settings };
  hubs.set(name, entry);
  // A closed hub is forgotten, so the next call makes a fresh one.
  const close = hub.close.bind(hub);
  Object.defineProperty(hub, 'close', {
    configurable: true,
    writable: true,
    value: () => {
      if (hubs.get(name) === entry) hubs.delete(name);
      return close();
    },
  });
  return hub;
}

/** Where the shared hub `name` listens, once it does (`undefined` without a port or after a listen error). */
export function sharedStatusHubAddress(name = 'default'): Promise<{ port: number; url: string } | undefined> {
  const entry = hubs.get(name);
  if (!entry) return Promise.resolve(undefined);
  return entry.listening.then((result) => (result ? { port: result.port, url: result.url } : undefined));
}

/** Every option the hub runs with (defaults merged, origins normalised), each as comparable text. */
function settingsOf(hubOptions: StatusHubOptions, port: number | undefined, host: string | undefined): Map<string, string> {
  const settings = new Map<string, string>();
  const resolved: Record<string, unknown> = { ...resolveHubOptions(hubOptions), port, host };
  for (const [key, value] of Object.entries(resolved)) if (value !== undefined) settings.set(key, fingerprint(value, 0));
  return settings;
}

function fingerprint(value: unknown, depth: number): string {
  if (typeof value === 'function') return `function ${Function.prototype.toString.call(value)}`;
  if (typeof value !== 'object' || value === null) return `${typeof value} ${String(value)}`;
  if (depth > 3) return 'object';
  if (Array.isArray(value)) return `[${value.map((item) => fingerprint(item, depth + 1)).join(', ')}]`;
  const prototype = Object.getPrototypeOf(value) as object | null;
  if (prototype !== Object.prototype && prototype !== null) {
    return `an instance of ${(prototype.constructor as { name?: string } | undefined)?.name || 'a class'}`;
  }
  const fields = Object.keys(value)
    .sort()
    .map((key) => `${key}: ${fingerprint((value as Record<string, unknown>)[key], depth + 1)}`);
  return `{${fields.join(', ')}}`;
}
