/**
 * Every options object of the hub — `new StatusHub(options)`, `hub.attach`, `hub.listen`,
 * `hub.sseHandler`, `hub.handleUpgrade`, and the nested ones — as one strict schema each: an
 * unknown key (`authorise`, `authorize` handed to `attach`) is `ERR_INVALID_OPTION` naming the
 * key and where it belongs; defaults are merged once from frozen objects; invariants between
 * options are checked here, with a message naming the option and the value.
 */
import type { IncomingMessage } from 'node:http';
import type { Http2ServerRequest } from 'node:http2';
import { z } from 'zod';
import { invalidOption } from '../errors.js';
import type { Logger } from '../logger.js';
import { defineOptions, frozenDefaults, opt, parseOptions } from '../options.js';
import { DEFAULT_MAX_STATUS_LENGTH, SSE_DEFAULTS } from '../protocol.js';
import type { HubAdapter } from './adapters/hub-adapter.js';
import { normalizeOrigin } from './transports/request-checks.js';
import type { OriginPolicy } from './transports/request-checks.js';

/** The request a transport admits: an HTTP/1.1 upgrade or GET, or an HTTP/2 compat request. */
export type HubRequest = IncomingMessage | Http2ServerRequest;

/** `false`/`{ allow: false }` refuse the request (401 unless `status` says otherwise). */
export type AuthorizeResult = boolean | { allow: boolean; status?: 401 | 403 | 429; message?: string };

/**
 * Decides whether `request` may open a socket (or an SSE stream) for `sessionId`. May be
 * async; a throw or a rejection answers 500 and is logged (the process stays up).
 */
export type AuthorizeHook = (
  request: IncomingMessage,
  sessionId: string,
) => AuthorizeResult | Promise<AuthorizeResult>;

export interface StatusHubOptions {
  /** Largest inbound frame in bytes; a bigger one closes the socket with 1009. @default 65536 */
  maxPayload?: number;
  /** Ping every socket this often; 0 turns the heartbeat off. @default 30000 */
  heartbeatIntervalMs?: number;
  /** Terminate a socket that shows no sign of life this long after a ping. @default 10000 */
  heartbeatTimeoutMs?: number;
  /**
   * Which browser origins may connect: exact origins (`['https://app.example.com']`) or a
   * function (a throw refuses that request with 403 and is logged). @default same origin: the
   * Origin's host must equal the request's Host
   */
  allowedOrigins?: OriginPolicy;
  /**
   * Whether a request without an `Origin` header may connect. Browsers always send one on
   * WebSocket upgrades and cross-origin requests, so a missing Origin means a non-browser client
   * or a same-origin `EventSource`; guard those with `authorize`. Ignored when `allowedOrigins`
   * is a function. @default true
   */
  allowMissingOrigin?: boolean;
  /** Access control per request (tokens, cookies), for both transports. @default every request is allowed */
  authorize?: AuthorizeHook;
  /** An async `authorize` that has not answered after this gets 503. @default 10000 */
  authorizeTimeoutMs?: number;
  /**
   * Connections (sockets + SSE streams) one session may have open at once; more get 429, unless
   * the session's oldest SSE stream has been open one SSE heartbeat interval: a stream cannot be
   * probed, so that one is ended and the new connection takes its slot. @default 32
   */
  maxSocketsPerSession?: number;
  /** Connections (sockets + SSE streams) the hub holds at once; more get 503. @default 50000 */
  maxSockets?: number;
  /**
   * Bytes (UTF-8, as on the wire) a connection may have buffered before statuses are coalesced
   * to the newest; past twice this, the socket is closed with 4008 (an SSE stream is ended).
   * @default 1048576 (1 MiB)
   */
  maxBufferedBytes?: number;
  /** Inbound messages per socket: `messages` per `intervalMs`, then close 1008; `false` for none. @default { messages: 20, intervalMs: 1000 } */
  inboundRateLimit?: { messages: number; intervalMs: number } | false;
  /** Statuses kept per session for replay. @default 300 */
  historySize?: number;
  /**
   * How long statuses stay replayable, and how long a session with no connections keeps its
   * history. @default 120000 (2 minutes)
   */
  historyTtlMs?: number;
  /** Longest status text accepted by `send` (characters). @default 500 */
  maxStatusLength?: number;
  /**
   * How long `close()` waits for sockets to close before terminating them; on the server `listen`
   * made, any connection still open then (a preconnect, half a request) is ended too. @default 5000
   */
  closeTimeoutMs?: number;
  /** A comment line on every SSE stream this often, so proxies keep it open; 0 for none. @default 15000 */
  sseHeartbeatMs?: number;
  /** The `retry:` hint (ms) an SSE stream starts with: how long a browser waits to reconnect. @default 2000 */
  sseRetryMs?: number;
  /**
   * How statuses reach other instances (scale-out). @default the in-memory adapter: this
   * process only
   */
  adapter?: HubAdapter;
  /** @default the default logger */
  logger?: Logger;
}

export interface AttachOptions {
  /** The URL path prefix; sockets connect to `<path>/<sessionId>`. @default '/ws' */
  path?: string;
  /**
   * Also serve SSE (`GET <path>/<sessionId>` with `Accept: text/event-stream`) on the same path,
   * by wrapping the server's `'request'` listeners (other requests pass through untouched).
   * @default true
   */
  sse?: boolean;
}

export interface SseHandlerOptions {
  /** The URL path prefix; streams are served at `<path>/<sessionId>`. @default '/status' */
  path?: string;
}

export interface HandleUpgradeOptions {
  /** The URL path prefix. @default '/ws' */
  path?: string;
}

export type ResolvedHubOptions = Required<Omit<StatusHubOptions, 'allowedOrigins' | 'authorize' | 'logger' | 'adapter'>> &
  Pick<StatusHubOptions, 'allowedOrigins' | 'authorize' | 'logger' | 'adapter'>;

export const HUB_DEFAULTS = frozenDefaults({
  maxPayload: 64 * 1024,
  heartbeatIntervalMs: 30_000,
  heartbeatTimeoutMs: 10_000,
  allowMissingOrigin: true,
  authorizeTimeoutMs: 10_000,
  maxSocketsPerSession: 32,
  maxSockets: 50_000,
  maxBufferedBytes: 1024 * 1024,
  inboundRateLimit: { messages: 20, intervalMs: 1000 },
  historySize: 300,
  historyTtlMs: 120_000,
  maxStatusLength: DEFAULT_MAX_STATUS_LENGTH,
  closeTimeoutMs: 5000,
  sseHeartbeatMs: SSE_DEFAULTS.heartbeatMs,
  sseRetryMs: SSE_DEFAULTS.retryMs,
} as const) satisfies Partial<StatusHubOptions>;

/** The keys of `StatusHubOptions`, for `new StatusHub(options)` and `sharedStatusHub(options)`. */
export const HUB_OPTIONS_SHAPE = {
  maxPayload: opt.positiveInt().optional(),
  heartbeatIntervalMs: z
    .custom<number>((v) => Number.isSafeInteger(v) && (v as number) >= 0, {
      message: 'a non-negative integer (0 turns it off)',
    })
    .optional(),
  heartbeatTimeoutMs: opt.positiveInt().optional(),
  allowedOrigins: z
    .union([z.array(z.string()), opt.fn<Extract<OriginPolicy, (...args: never[]) => unknown>>()])
    .optional(),
  allowMissingOrigin: z.boolean().optional(),
  authorize: opt.fn<AuthorizeHook>().optional(),
  authorizeTimeoutMs: opt.positiveInt().optional(),
  maxSocketsPerSession: opt.positiveInt().optional(),
  maxSockets: opt.positiveInt().optional(),
  maxBufferedBytes: opt.positiveInt().optional(),
  inboundRateLimit: z
    .union([z.literal(false), z.strictObject({ messages: opt.positiveInt(), intervalMs: opt.positiveInt() })])
    .optional(),
  historySize: opt.positiveInt().optional(),
  historyTtlMs: opt.positiveInt().optional(),
  maxStatusLength: opt.positiveInt().optional(),
  closeTimeoutMs: opt.nonNegativeInt().optional(),
  sseHeartbeatMs: opt.nonNegativeInt().optional(),
  sseRetryMs: opt.nonNegativeInt().optional(),
  adapter: z
    .custom<HubAdapter>(
      (v) =>
        typeof v === 'object' &&
        v !== null &&
        ['attach', 'published', 'close'].every((m) => typeof (v as Record<string, unknown>)[m] === 'function'),
      { message: 'a HubAdapter (an object with `attach`, `published` and `close`)' },
    )
    .optional(),
  logger: z
    .custom<Logger>(
      (v) =>
        typeof v === 'object' &&
        v !== null &&
        ['debug', 'info', 'warn', 'error'].every((m) => typeof (v as Record<string, unknown>)[m] === 'function'),
      { message: 'a logger with debug, info, warn and error methods' },
    )
    .optional(),
};

const hubSpec = defineOptions('new StatusHub(options)', HUB_OPTIONS_SHAPE);

const pathSchema = z.custom<string>(
  (v) => typeof v === 'string' && /^\/[^?#]*$/.test(v) && (v.length === 1 || !v.endsWith('/')),
  { message: 'a URL path like "/ws" (leading slash, no trailing slash)' },
);

const attachSpec = defineOptions('hub.attach(server, options)', {
  path: pathSchema.optional(),
  sse: z.boolean().optional(),
});
const listenSpec = defineOptions('hub.listen(port, host, options)', {
  path: pathSchema.optional(),
  sse: z.boolean().optional(),
});
const sseSpec = defineOptions('hub.sseHandler(options)', { path: pathSchema.optional() });
const upgradeSpec = defineOptions('hub.handleUpgrade(request, socket, head, options)', { path: pathSchema.optional() });

export function resolveHubOptions(options: StatusHubOptions | undefined): ResolvedHubOptions {
  const parsed = parseOptions(hubSpec, options);
  const resolved = { ...HUB_DEFAULTS, ...parsed } as ResolvedHubOptions;
  if (resolved.heartbeatIntervalMs > 0 && resolved.heartbeatTimeoutMs >= resolved.heartbeatIntervalMs) {
    invalidOption(
      'heartbeatTimeoutMs',
      `less than \`heartbeatIntervalMs\` (${resolved.heartbeatIntervalMs})`,
      resolved.heartbeatTimeoutMs,
    );
  }
  const origins = resolved.allowedOrigins;
  if (Array.isArray(origins)) {
    resolved.allowedOrigins = Object.freeze(
      origins.map((origin: string) => {
        try {
          return normalizeOrigin(origin);
        } catch {
          return invalidOption('allowedOrigins', 'a list of http(s) origins like "https://app.example.com"', origin);
        }
      }),
    );
  }
  return Object.freeze(resolved);
}

/** `'/'` serves `/<sessionId>`; any other path serves `<path>/<sessionId>`. */
function base(path: string): string {
  return path === '/' ? '' : path;
}

export function resolveAttachOptions(options: AttachOptions | undefined, api: 'attach' | 'listen' = 'attach') {
  const parsed = parseOptions(api === 'attach' ? attachSpec : listenSpec, options);
  const path = parsed.path ?? '/ws';
  return { path, base: base(path), sse: parsed.sse ?? true };
}

export function resolveSseHandlerOptions(options: SseHandlerOptions | undefined) {
  const path = parseOptions(sseSpec, options).path ?? '/status';
  return { path, base: base(path) };
}

export function resolveUpgradeOptions(options: HandleUpgradeOptions | undefined) {
  const path = parseOptions(upgradeSpec, options).path ?? '/ws';
  return { path, base: base(path) };
}
