/**
 * `connectStatusUpdates`: the framework-neutral client. One connection to the hub — a WebSocket,
 * or Server-Sent Events where upgrades are blocked — kept open with exponential backoff + full
 * jitter, resumed by `since`/`epoch` after a drop, with the statuses filtered to "newer than what
 * is on display" and gathered into the current run's steps. It renders nothing; React/Vue/Svelte
 * code (or `startStatusUpdates`) renders from its callbacks.
 *
 * No DOM types here (see transports.ts), so the same code runs in a page, in Node, and in the
 * Node type-check.
 */
import { parseServerFrame } from '../protocol.js';
import type { GapFrame, StatusFrame } from '../protocol.js';
import { BACKOFF_DEFAULTS, backoffDelay } from './backoff.js';
import type { BackoffOptions } from './backoff.js';
import { checkOptions } from './check-options.js';
import { checkSessionIdInUrl, classifyRefusal, connectionErrorHint, probeHub } from './connection-error.js';
import type { ConnectionError } from './connection-error.js';
import { resolveSocketUrl } from './resolve-socket-url.js';
import { withResumeParams } from './resume-url.js';
import { StatusTracker } from './status-tracker.js';
import type { RunState, StatusStep } from './status-tracker.js';
import { openEventSource, openWebSocket } from './transports.js';
import type { EventSourceConstructor, SocketConstructor, Transport, TransportKind } from './transports.js';

export type { EventSourceConstructor, EventSourceLike, SocketConstructor, SocketLike, TransportKind } from './transports.js';
export type { ConnectionError, ConnectionErrorCode } from './connection-error.js';

/**
 * - `connecting`: the first connection is being opened (the initial state);
 * - `open`: connected; statuses flow;
 * - `reconnecting`: the connection dropped (or never opened); a retry is scheduled or under way;
 * - `failed`: the hub refused the connection for a reason retrying cannot fix (`error` says
 *   which: a bad session id, not authorised, origin not allowed, no hub at the URL); nothing
 *   more happens;
 * - `closed`: `close()` was called; nothing more happens.
 */
export type ConnectionState = 'connecting' | 'open' | 'reconnecting' | 'failed' | 'closed';

export interface ConnectionDetail {
  /** Retries since the last connection that stayed open `stableAfterMs` (0 on the first connect). */
  attempt: number;
  /** The transport of the connection that opened, dropped, or is tried next. */
  transport: TransportKind;
  /** With `reconnecting`: the delay before the next try. */
  retryInMs?: number;
  /** With `reconnecting` after a WebSocket: its close code (1006: never opened or lost). */
  code?: number;
  /**
   * With `failed`, and with `reconnecting` after a refusal that a retry may get past (429, 503):
   * why the hub refused, as `{ status, code }`.
   */
  error?: ConnectionError;
}

/** `websocket`, `sse`, or `auto`: WebSocket first, SSE when upgrades keep failing (see docs/client.md). */
export type TransportOption = TransportKind | 'auto';

export interface StatusUpdatesOptions extends BackoffOptions {
  /**
   * Called with each status newer than the one on display, in order: live ones and, after a
   * reconnect, replayed ones (`status.replay === true`). Duplicates and older seqs are skipped.
   * The last status of a run has `state` (`done`, `failed`, `aborted`).
   */
  onStatus?: (status: StatusFrame) => void;
  /** Called on every change of `state` after the initial `connecting`. */
  onConnectionChange?: (state: ConnectionState, detail: ConnectionDetail) => void;
  /**
   * Called when the hub says statuses could not be replayed: `expired` (they fell out of its
   * history window) or `reset` (the server restarted or forgot the session; seq starts again).
   */
  onGap?: (gap: GapFrame) => void;
  /**
   * Called with every other message on the connection, as its text: the app's own frames
   * (`hub.sendFrame`, e.g. the seed's `agent_message`), so one connection per tab carries both.
   */
  onMessage?: (data: string) => void;
  /** Ask the hub for the statuses missed while disconnected (`since`/`epoch`). @default true */
  resume?: boolean;
  /** A connection that stayed open this long resets the backoff to its first step. @default 5000 */
  stableAfterMs?: number;
  /** How to reach the hub. @default 'auto' */
  transport?: TransportOption;
  /** With `auto`: WebSocket tries that never opened before SSE is tried. @default 2 */
  fallbackAfter?: number;
  /** The WebSocket implementation (e.g. the `ws` package, for its client options). @default globalThis.WebSocket */
  WebSocket?: SocketConstructor;
  /** The EventSource implementation, e.g. `FetchEventSource` in Node (which has none). @default globalThis.EventSource */
  EventSource?: EventSourceConstructor;
  /** Send cookies with a cross-origin SSE request (the hub allows it for listed origins). @default true */
  withCredentials?: boolean;
}

/** Every key of `StatusUpdatesOptions`, for the strict check. */
export const STATUS_UPDATES_OPTIONS: readonly string[] = [
  'onStatus', 'onConnectionChange', 'onGap', 'onMessage', 'resume', 'stableAfterMs', 'reconnectDelayMs', 'maxReconnectDelayMs',
  'transport', 'fallbackAfter', 'WebSocket', 'EventSource', 'withCredentials',
];

export interface StatusConnection {
  /** The status on display (the newest seen), if any. */
  readonly latest: StatusFrame | undefined;
  readonly state: ConnectionState;
  /** True while there is a status but the connection is down: it may be out of date. */
  readonly stale: boolean;
  /** The current run's steps, oldest first (a new array whenever they change). */
  readonly steps: readonly StatusStep[];
  /** `idle` before any status, `running`, or how the run ended: `done`, `failed`, `aborted`. */
  readonly runState: RunState;
  /** When the current run started / ended (ms since 1970), as far as this client saw it. */
  readonly runStartedAt: number | undefined;
  readonly runEndedAt: number | undefined;
  /** The transport in use (or tried next). */
  readonly transport: TransportKind;
  /** The hub's epoch from the last `hello` (sent back on reconnect). */
  readonly epoch: string | undefined;
  /** The highest `seq` seen in `epoch` (sent back on reconnect as `since`). */
  readonly lastSeq: number;
  /** Why the hub refused the last try (`{ status, code }`), until a connection opens. */
  readonly error: ConnectionError | undefined;
  /** Closes the connection and cancels any retry. Idempotent; nothing is called back afterwards. */
  close(): void;
}

const DEFAULT_STABLE_AFTER_MS = 5000;
const DEFAULT_FALLBACK_AFTER = 2;
const TRANSPORTS: readonly string[] = ['auto', 'websocket', 'sse'];

// Delays must be positive: 0 would turn a down server into a tight reconnect loop.
function checkMs(name: string, value: unknown, min: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min) {
    throw new TypeError(`Expected \`${name}\` to be a ${min > 0 ? 'positive' : 'non-negative'} number, got \`${String(value)}\``);
  }
  return value;
}

/**
 * Connects to `url` (absolute, or a path like `/ws/<sessionId>` resolved against the page) and
 * keeps the connection open until `close()`. Throws a `TypeError` for a bad URL or option
 * (`InvalidOptionError`, code `ERR_INVALID_OPTION`, for an unknown option key), and for a URL
 * whose session id is empty, `undefined` or `null` (`InvalidSessionIdError`, code
 * `ERR_INVALID_SESSION_ID`). A refused connection ends in `failed`, with one `console.warn`
 * naming the fix.
 */
export function connectStatusUpdates(url: string, options: StatusUpdatesOptions = {}): StatusConnection {
  checkOptions('connectStatusUpdates(url, options)', options, STATUS_UPDATES_OPTIONS);
  const backoff: Required<BackoffOptions> = {
    reconnectDelayMs: checkMs('reconnectDelayMs', options.reconnectDelayMs ?? BACKOFF_DEFAULTS.reconnectDelayMs, 1),
    maxReconnectDelayMs: checkMs('maxReconnectDelayMs', options.maxReconnectDelayMs ?? BACKOFF_DEFAULTS.maxReconnectDelayMs, 1),
  };
  const stableAfterMs = checkMs('stableAfterMs', options.stableAfterMs ?? DEFAULT_STABLE_AFTER_MS, 0);
  const fallbackAfter = checkMs('fallbackAfter', options.fallbackAfter ?? DEFAULT_FALLBACK_AFTER, 1);
  const resume = options.resume ?? true;
  const withCredentials = options.withCredentials ?? true;
  const wanted = options.transport ?? 'auto';
  if (!TRANSPORTS.includes(wanted)) {
    throw new TypeError(`Expected \`transport\` to be one of auto, websocket, sse, got \`${String(wanted)}\``);
  }
  const impl = <T>(given: T | undefined, name: 'WebSocket' | 'EventSource'): T | undefined => {
    const found = given ?? (globalThis as Record<string, unknown>)[name];
    return typeof found === 'function' ? (found as T) : undefined;
  };
  const Socket = impl(options.WebSocket, 'WebSocket');
  const Source = impl(options.EventSource, 'EventSource');
  if (wanted !== 'sse' && !Socket && !(wanted === 'auto' && Source)) {
    throw new TypeError('No WebSocket implementation: pass `WebSocket` in the options (e.g. the `ws` package in Node)');
  }
  if (wanted !== 'websocket' && !Source && !(wanted === 'auto' && Socket)) {
    throw new TypeError('No EventSource implementation: pass `EventSource` in the options (e.g. `FetchEventSource` in Node)');
  }
  const baseUrl = resolveSocketUrl(url, (globalThis as { location?: { href?: string } }).location?.href);
  checkSessionIdInUrl('connectStatusUpdates(url)', url);

  const tracker = new StatusTracker();
  let state: ConnectionState = 'connecting';
  let kind: TransportKind = wanted === 'sse' || !Socket ? 'sse' : 'websocket';
  let current: Transport | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let attempt = 0;
  let openedAt: number | undefined;
  // `auto` falls back only while no connection ever opened: a WebSocket that worked once and
  // then fails is an outage, not a proxy that strips upgrades.
  let everOpened = false;
  let socketFailures = 0;
  let error: ConnectionError | undefined;
  let probing: AbortController | undefined;
  // One warning per kind of refusal: a page that retries after 429 does not fill the console.
  const warned = new Set<string>();

  // A callback that throws is the page's bug: report it and go on, never lose the connection over it.
  const call = <A extends unknown[]>(name: string, fn: ((...args: A) => void) | undefined, ...args: A): void => {
    try {
      fn?.(...args);
    } catch (error) {
      console.error(`[adk-status-messenger] \`${name}\` threw:`, error);
    }
  };

  const setState = (next: ConnectionState, detail: Omit<ConnectionDetail, 'transport'>): void => {
    state = next;
    call('onConnectionChange', options.onConnectionChange, next, { ...detail, transport: kind });
  };

  const receive = (data: unknown): void => {
    if (typeof data !== 'string') return;
    const frame = parseServerFrame(data);
    if (frame?.type === 'hello') tracker.hello(frame);
    else if (frame?.type === 'gap') call('onGap', options.onGap, frame);
    else if (frame?.type === 'status') {
      if (tracker.accept(frame)) call('onStatus', options.onStatus, frame);
    } else call('onMessage', options.onMessage, data);
  };

  /** With `auto`, picks the transport of the next try after one that never opened. */
  const nextKind = (): void => {
    if (wanted !== 'auto' || everOpened || !Socket || !Source) return;
    if (kind === 'websocket') {
      socketFailures += 1;
      if (socketFailures >= fallbackAfter) kind = 'sse';
    } else {
      kind = 'websocket'; // SSE failed too: alternate until one of them opens
    }
  };

  const warnOnce = (refusal: ConnectionError): void => {
    if (warned.has(refusal.code)) return;
    warned.add(refusal.code);
    console.warn(`[adk-status-messenger] ${connectionErrorHint(refusal, baseUrl)}`);
  };

  const retry = (code: number | undefined): void => {
    // Only a connection that stayed good earns a fresh start; one the server accepts and
    // drops at once (a crash loop, a refusal after upgrade) keeps backing off.
    if (openedAt !== undefined && Date.now() - openedAt >= stableAfterMs) attempt = 0;
    if (openedAt === undefined) nextKind();
    openedAt = undefined;
    attempt += 1;
    const retryInMs = backoffDelay(attempt, backoff);
    timer = setTimeout(open, retryInMs);
    const detail: Omit<ConnectionDetail, 'transport'> = { attempt, retryInMs };
    if (code !== undefined) detail.code = code;
    if (error) detail.error = error;
    setState('reconnecting', detail);
  };

  /**
   * A try that never opened: ask the hub why before retrying. A refusal a retry cannot fix ends
   * the connection in `failed`; "no hub here" does so only while no connection ever opened (a
   * URL that worked is not a wrong URL). Anything else is retried as before.
   */
  const diagnose = (target: string, code: number | undefined): void => {
    const abort = new AbortController();
    probing = abort;
    void probeHub(target, kind === 'websocket' || withCredentials, abort.signal).then((answer) => {
      if (probing !== abort) return; // closed meanwhile
      probing = undefined;
      const refusal = answer && classifyRefusal(answer);
      error = refusal?.error;
      if (!refusal) return retry(code);
      warnOnce(refusal.error);
      if (!refusal.final || (refusal.error.code === 'ERR_HUB_NOT_FOUND' && everOpened)) return retry(code);
      const detail: Omit<ConnectionDetail, 'transport'> = { attempt, error: refusal.error };
      if (code !== undefined) detail.code = code;
      setState('failed', detail);
    });
  };

  function open(): void {
    timer = undefined;
    const from = resume ? tracker.resumeFrom() : undefined;
    const target = from ? withResumeParams(baseUrl, from.since, from.epoch) : baseUrl;
    let transport: Transport | undefined;
    const events = {
      open() {
        if (current !== transport) return;
        openedAt = Date.now();
        everOpened = true;
        error = undefined;
        setState('open', { attempt });
      },
      message(data: unknown) {
        if (current === transport) receive(data);
      },
      close(code?: number) {
        if (current !== transport) return;
        current = undefined;
        if (openedAt === undefined) diagnose(target, code);
        else retry(code);
      },
    };
    try {
      transport = kind === 'websocket'
        ? openWebSocket(Socket!, target, events)
        : openEventSource(Source!, target, withCredentials, events);
    } catch (error) {
      // On the first call this is a wiring bug (e.g. ws: from an https page): throw it to the
      // caller. Later, keep trying like any other failed connection.
      if (state === 'connecting') throw error;
      retry(kind === 'websocket' ? 1006 : undefined);
      return;
    }
    current = transport;
  }

  open();

  return {
    get latest() {
      return tracker.latest;
    },
    get state() {
      return state;
    },
    get stale() {
      return tracker.latest !== undefined && state !== 'open' && state !== 'closed';
    },
    get steps() {
      return tracker.steps;
    },
    get runState() {
      return tracker.runState;
    },
    get runStartedAt() {
      return tracker.runStartedAt;
    },
    get runEndedAt() {
      return tracker.runEndedAt;
    },
    get transport() {
      return kind;
    },
    get epoch() {
      return tracker.epoch;
    },
    get lastSeq() {
      return tracker.lastSeq;
    },
    get error() {
      return error;
    },
    close() {
      if (state === 'closed') return;
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      probing?.abort();
      probing = undefined;
      const transport = current;
      current = undefined;
      transport?.close();
      setState('closed', { attempt });
    },
  };
}
