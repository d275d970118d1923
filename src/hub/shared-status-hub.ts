/**
 * `sharedStatusHub(options)`: one `StatusHub` per process, whichever copy of this package asks
 * for it. ADK's devtools bundle an agent file with its own copy of the package and import it
 * again on `--reload_agents`; a hub created at module level there would be a new hub (and a
 * second `listen` would fail with `EADDRINUSE`) on every import. The first call creates the
 * hub (and starts listening when `port` is given); later calls with the same `name` return it.
 */
import { processRegistry } from '../process-registry.js';
import { getDefaultLogger } from '../logger.js';
import type { Server as HttpServer } from 'node:http';
import { StatusHub } from './status-hub.js';
import type { StatusHubOptions } from './hub-options.js';
import { invalidOption } from '../errors.js';

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
}

// v1: { hub, listening } per name. Kept across copies and reloads of the package.
const hubs = processRegistry('shared-status-hubs.v1', () => new Map<string, SharedEntry>());

export function sharedStatusHub(options: SharedStatusHubOptions = {}): StatusHub {
  if (typeof options !== 'object' || options === null) invalidOption('options', 'an object', options);
  const { name = 'default', port, host, ...hubOptions } = options;
  if (typeof name !== 'string' || name === '') invalidOption('name', 'a non-empty string', name);
  if (port !== undefined && (!Number.isSafeInteger(port) || port < 0 || port > 65535)) invalidOption('port', 'a port number (0–65535)', port);
  if (host !== undefined && typeof host !== 'string') invalidOption('host', 'a string', host);
  const existing = hubs.get(name);
  if (existing) return existing.hub;
  const hub = new StatusHub(hubOptions);
  const listening =
    port === undefined
      ? Promise.resolve(undefined)
      : hub.listen(port, host).catch((error: unknown) => {
          (hubOptions.logger ?? getDefaultLogger()).error(`sharedStatusHub: could not listen on port ${port}`, error);
          return undefined;
        });
  const entry: SharedEntry = { hub, listening };
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
