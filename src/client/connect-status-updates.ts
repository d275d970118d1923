/**
 * `connectStatusUpdates`: the framework-neutral client. One WebSocket to the hub, kept open
 * with exponential backoff + full jitter, resumed by `since`/`epoch` after a drop, with the
 * statuses filtered to "newer than what is on display". It renders nothing; React/Vue/Svelte
 * code (or `startStatusUpdates`) renders from its callbacks.
 *
 * No DOM types here, only a structural socket type: the browser's `WebSocket` and the `ws`
 * package both fit, so the same code runs in a page, in Node, and in the Node type-check.
 */
import type { GapFrame, StatusFrame } from '../protocol.js';
import { BACKOFF_DEFAULTS, backoffDelay } from './backoff.js';
import type { BackoffOptions } from './backoff.js';
import { parseFrame } from './parse-frame.js';
import { resolveSocketUrl } from './resolve-socket-url.js';
import { withResumeParams } from './resume-url.js';
import { StatusTracker } from './status-tracker.js';

/**
 * - `connecting`: the first connection is being opened (the initial state);
 * - `open`: connected; statuses flow;
 * - `reconnecting`: the connection dropped (or never opened); a retry is scheduled or under way;
 * - `closed`: `close()` was called; nothing more happens.
 */
export type ConnectionState = 'connecting' | 'open' | 'reconnecting' | 'closed';

export interface ConnectionDetail {
  /** Retries since the last connection that stayed open `stableAfterMs` (0 on the first connect). */
  attempt: number;
  /** With `reconnecting`: the delay before the next try. */
  retryInMs?: number;
  /** With `reconnecting`: the close code of the connection that dropped (1006: never opened or lost). */
  code?: number;
}

// Handlers typed as methods are compared bivariantly, which lets both the DOM's
// `(this: WebSocket, ev: MessageEvent) => any` and ws's handler types fit.
type Handler<E> = { bivarianceHack(event: E): void }['bivarianceHack'];

/** The part of the WebSocket API the client uses. */
export interface SocketLike {
  onopen: Handler<unknown> | null;
  onmessage: Handler<{ data: unknown }> | null;
  onclose: Handler<{ code: number }> | null;
  onerror: Handler<unknown> | null;
  close(code?: number, reason?: string): void;
}

export type SocketConstructor = new (url: string) => SocketLike;

export interface StatusUpdatesOptions extends BackoffOptions {
  /**
   * Called with each status newer than the one on display, in order: live ones and, after a
   * reconnect, replayed ones (`status.replay === true`). Duplicates and older seqs are skipped.
   */
  onStatus?: (status: StatusFrame) => void;
  /** Called on every change of `state` after the initial `connecting`. */
  onConnectionChange?: (state: ConnectionState, detail: ConnectionDetail) => void;
  /**
   * Called when the hub says statuses could not be replayed: `expired` (they fell out of its
   * history window) or `reset` (the server restarted or forgot the session; seq starts again).
   */
  onGap?: (gap: GapFrame) => void;
  /** Ask the hub for the statuses missed while disconnected (`since`/`epoch`). @default true */
  resume?: boolean;
  /** A connection that stayed open this long resets the backoff to its first step. @default 5000 */
  stableAfterMs?: number;
  /** The WebSocket implementation, e.g. the `ws` package in Node 20. @default globalThis.WebSocket */
  WebSocket?: SocketConstructor;
}

export interface StatusConnection {
  /** The status on display (the newest seen), if any. */
  readonly latest: StatusFrame | undefined;
  readonly state: ConnectionState;
  /** True while there is a status but the connection is down: it may be out of date. */
  readonly stale: boolean;
  /** The hub's epoch from the last `hello` (sent back on reconnect). */
  readonly epoch: string | undefined;
  /** The highest `seq` seen in `epoch` (sent back on reconnect as `since`). */
  readonly lastSeq: number;
  /** Closes the socket and cancels any retry. Idempotent; nothing is called back afterwards. */
  close(): void;
}

const DEFAULT_STABLE_AFTER_MS = 5000;
const CLIENT_CLOSE = 1000;

// Delays must be positive: 0 would turn a down server into a tight reconnect loop.
function checkMs(name: string, value: unknown, min: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min) {
    throw new TypeError(`Expected \`${name}\` to be a ${min > 0 ? 'positive' : 'non-negative'} number, got \`${String(value)}\``);
  }
  return value;
}

/**
 * Opens a WebSocket to `url` (absolute, or a path like `/ws/<sessionId>` resolved against the
 * page) and keeps it open until `close()`. Throws a `TypeError` for a bad URL or option.
 */
export function connectStatusUpdates(url: string, options: StatusUpdatesOptions = {}): StatusConnection {
  const backoff: Required<BackoffOptions> = {
    reconnectDelayMs: checkMs('reconnectDelayMs', options.reconnectDelayMs ?? BACKOFF_DEFAULTS.reconnectDelayMs, 1),
    maxReconnectDelayMs: checkMs('maxReconnectDelayMs', options.maxReconnectDelayMs ?? BACKOFF_DEFAULTS.maxReconnectDelayMs, 1),
  };
  const stableAfterMs = checkMs('stableAfterMs', options.stableAfterMs ?? DEFAULT_STABLE_AFTER_MS, 0);
  const resume = options.resume ?? true;
  const Socket = options.WebSocket ?? (globalThis as { WebSocket?: SocketConstructor }).WebSocket;
  if (typeof Socket !== 'function') {
    throw new TypeError('No WebSocket implementation: pass `WebSocket` in the options (e.g. the `ws` package in Node)');
  }
  const SocketImpl: SocketConstructor = Socket;
  const baseUrl = resolveSocketUrl(url, (globalThis as { location?: { href?: string } }).location?.href);

  const tracker = new StatusTracker();
  let state: ConnectionState = 'connecting';
  let socket: SocketLike | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let attempt = 0;
  let openedAt: number | undefined;

  const setState = (next: ConnectionState, detail: ConnectionDetail): void => {
    state = next;
    options.onConnectionChange?.(next, detail);
  };

  const receive = (data: unknown): void => {
    if (typeof data !== 'string') return;
    const frame = parseFrame(data);
    if (frame === undefined) return;
    if (frame.type === 'hello') tracker.hello(frame);
    else if (frame.type === 'gap') options.onGap?.(frame);
    else if (tracker.accept(frame)) options.onStatus?.(frame);
  };

  const retry = (code: number): void => {
    // Only a connection that stayed good earns a fresh start; one the server accepts and
    // drops at once (a crash loop, a refusal after upgrade) keeps backing off.
    if (openedAt !== undefined && Date.now() - openedAt >= stableAfterMs) attempt = 0;
    openedAt = undefined;
    attempt += 1;
    const retryInMs = backoffDelay(attempt, backoff);
    timer = setTimeout(open, retryInMs);
    setState('reconnecting', { attempt, retryInMs, code });
  };

  function open(): void {
    timer = undefined;
    const from = resume ? tracker.resumeFrom() : undefined;
    const target = from ? withResumeParams(baseUrl, from.since, from.epoch) : baseUrl;
    let ws: SocketLike;
    try {
      ws = new SocketImpl(target);
    } catch (error) {
      // On the first call this is a wiring bug (e.g. ws: from an https page): throw it to the
      // caller. Later, keep trying like any other failed connection.
      if (state === 'connecting') throw error;
      retry(1006);
      return;
    }
    socket = ws;
    ws.onopen = () => {
      if (socket !== ws) return;
      openedAt = Date.now();
      setState('open', { attempt });
    };
    ws.onmessage = (event) => {
      if (socket === ws) receive(event.data);
    };
    ws.onclose = (event) => {
      if (socket !== ws) return;
      socket = undefined;
      retry(event.code);
    };
    // An error is always followed by a close, which is where we act.
    ws.onerror = () => {};
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
    get epoch() {
      return tracker.epoch;
    },
    get lastSeq() {
      return tracker.lastSeq;
    },
    close() {
      if (state === 'closed') return;
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      const ws = socket;
      socket = undefined;
      ws?.close(CLIENT_CLOSE, 'client closed');
      setState('closed', { attempt });
    },
  };
}
