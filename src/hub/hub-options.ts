/**
 * `StatusHub` options: every field documented with its default, defaults merged once, and
 * every invariant checked up front with a message naming the option and the value.
 */
import type { IncomingMessage } from 'node:http';
import { invalidOption } from '../errors.js';
import type { Logger } from '../logger.js';
import { DEFAULT_MAX_STATUS_LENGTH } from '../protocol.js';
import { normalizeOrigin } from './upgrade-checks.js';
import type { OriginPolicy } from './upgrade-checks.js';

/** `false`/`{ allow: false }` refuse the upgrade (401 unless `status` says otherwise). */
export type AuthorizeResult = boolean | { allow: boolean; status?: 401 | 403 | 429; message?: string };

/**
 * Decides whether `request` may open a socket for `sessionId`. May be async; a throw or a
 * rejection answers 500 and is logged (the process stays up).
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
   * function. @default same origin: the Origin's host must equal the request's Host
   */
  allowedOrigins?: OriginPolicy;
  /**
   * Whether a request without an `Origin` header may connect. Browsers always send one, so a
   * missing Origin means a non-browser client (a server, a CLI); guard those with `authorize`.
   * Ignored when `allowedOrigins` is a function. @default true
   */
  allowMissingOrigin?: boolean;
  /** Access control per upgrade request (tokens, cookies). @default every request is allowed */
  authorize?: AuthorizeHook;
  /** An async `authorize` that has not answered after this gets 503 and the socket is closed. @default 10000 */
  authorizeTimeoutMs?: number;
  /** Sockets one session may have open at once; more get 429. @default 32 */
  maxSocketsPerSession?: number;
  /** Sockets the hub holds at once; more get 503. @default 50000 */
  maxSockets?: number;
  /**
   * Bytes a socket may have buffered before statuses are coalesced to the newest; past twice
   * this, the socket is closed with 4008. @default 1048576 (1 MiB)
   */
  maxBufferedBytes?: number;
  /** Inbound messages per socket: `messages` per `intervalMs`, then close 1008; `false` for none. @default { messages: 20, intervalMs: 1000 } */
  inboundRateLimit?: { messages: number; intervalMs: number } | false;
  /** Statuses kept per session for replay. @default 300 */
  historySize?: number;
  /**
   * How long statuses stay replayable, and how long a session with no sockets keeps its
   * history. @default 120000 (2 minutes)
   */
  historyTtlMs?: number;
  /** Longest status text accepted by `send` (characters). @default 500 */
  maxStatusLength?: number;
  /** How long `close()` waits for sockets to close before terminating them. @default 5000 */
  closeTimeoutMs?: number;
  /** @default the default logger */
  logger?: Logger;
}

export type ResolvedHubOptions = Required<Omit<StatusHubOptions, 'allowedOrigins' | 'authorize' | 'logger'>> &
  Pick<StatusHubOptions, 'allowedOrigins' | 'authorize' | 'logger'>;

export const HUB_DEFAULTS = {
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
} as const satisfies Partial<StatusHubOptions>;

function positiveInteger(name: string, value: unknown): void {
  if (!Number.isSafeInteger(value) || (value as number) < 1) invalidOption(name, 'a positive integer', value);
}

export function resolveHubOptions(options: StatusHubOptions = {}): ResolvedHubOptions {
  if (typeof options !== 'object' || options === null) invalidOption('options', 'an object', options);
  const resolved: ResolvedHubOptions = { ...HUB_DEFAULTS, ...stripUndefined(options) };
  for (const name of [
    'maxPayload',
    'maxSocketsPerSession',
    'maxSockets',
    'maxBufferedBytes',
    'historySize',
    'historyTtlMs',
    'maxStatusLength',
    'authorizeTimeoutMs',
  ] as const) {
    positiveInteger(name, resolved[name]);
  }
  if (!Number.isSafeInteger(resolved.heartbeatIntervalMs) || resolved.heartbeatIntervalMs < 0) {
    invalidOption('heartbeatIntervalMs', 'a non-negative integer (0 turns it off)', resolved.heartbeatIntervalMs);
  }
  positiveInteger('heartbeatTimeoutMs', resolved.heartbeatTimeoutMs);
  if (resolved.heartbeatIntervalMs > 0 && resolved.heartbeatTimeoutMs >= resolved.heartbeatIntervalMs) {
    invalidOption(
      'heartbeatTimeoutMs',
      `less than \`heartbeatIntervalMs\` (${resolved.heartbeatIntervalMs})`,
      resolved.heartbeatTimeoutMs,
    );
  }
  if (!Number.isSafeInteger(resolved.closeTimeoutMs) || resolved.closeTimeoutMs < 0) {
    invalidOption('closeTimeoutMs', 'a non-negative integer', resolved.closeTimeoutMs);
  }
  if (typeof resolved.allowMissingOrigin !== 'boolean') {
    invalidOption('allowMissingOrigin', 'a boolean', resolved.allowMissingOrigin);
  }
  const limit = resolved.inboundRateLimit;
  if (limit !== false) {
    if (typeof limit !== 'object' || limit === null) {
      invalidOption('inboundRateLimit', '`false` or { messages, intervalMs }', limit);
    }
    positiveInteger('inboundRateLimit.messages', limit.messages);
    positiveInteger('inboundRateLimit.intervalMs', limit.intervalMs);
  }
  const origins = resolved.allowedOrigins;
  if (origins !== undefined && typeof origins !== 'function') {
    if (!Array.isArray(origins)) invalidOption('allowedOrigins', 'an array of origins or a function', origins);
    resolved.allowedOrigins = origins.map((origin: unknown) => {
      try {
        return normalizeOrigin(origin as string);
      } catch {
        return invalidOption('allowedOrigins', 'a list of http(s) origins like "https://app.example.com"', origin);
      }
    });
  }
  if (resolved.authorize !== undefined && typeof resolved.authorize !== 'function') {
    invalidOption('authorize', 'a function', resolved.authorize);
  }
  return resolved;
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
