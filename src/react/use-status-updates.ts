/**
 * `useStatusUpdates(url, options)` → `{ latest, steps, state, stale, connection, error, transport, summary }`:
 * the session's live status, the current run's steps and how the run stands, as React state.
 *
 * - SSR-safe: nothing touches `window` at import or during render; the connection is opened in
 *   an effect, so a server render returns the empty snapshot.
 * - StrictMode-safe: the connection is opened one macrotask after the effect runs, so the
 *   mount → unmount → mount that StrictMode plays in development cancels the first one before
 *   any socket exists: exactly one socket, never two.
 * - Callbacks may change on every render without reconnecting; the connection is made again only
 *   when `url` or a connection option (transport, delays…) changes. `url` null/undefined: idle.
 */
import { useEffect, useRef, useState } from 'react';
import { checkOptions } from '../client/check-options.js';
import { checkSessionIdInUrl } from '../client/connection-error.js';
import { runSummary } from '../client/run-summary.js';
import { connectStatusUpdates, STATUS_UPDATES_OPTIONS } from '../client/connect-status-updates.js';
import type {
  ConnectionError,
  ConnectionState,
  StatusConnection,
  StatusUpdatesOptions,
  TransportKind,
} from '../client/connect-status-updates.js';
import type { RunState, StatusStep } from '../client/status-tracker.js';
import type { StatusFrame } from '../protocol.js';

/** The options of `connectStatusUpdates`; callbacks are read from the latest render. */
export type UseStatusUpdatesOptions = StatusUpdatesOptions;

export interface StatusUpdatesSnapshot {
  /** The newest status (the end-of-run status once the run ended), if any. */
  latest: StatusFrame | undefined;
  /** The current run's steps, oldest first. */
  steps: readonly StatusStep[];
  /** `idle`, `running`, or how the run ended: `done`, `failed`, `aborted`. */
  state: RunState;
  /** A status is shown but the connection is down: it may be out of date. */
  stale: boolean;
  /** The connection's state: `connecting`, `open`, `reconnecting`, `failed`, `closed`. */
  connection: ConnectionState;
  /**
   * Why the hub refused the connection (`{ status, code }`): with `connection: 'failed'` (400,
   * 401, 403, 404: it stopped), or while it retries after 429/503. `undefined` once connected.
   */
  error: ConnectionError | undefined;
  /** The transport in use (`websocket`, or `sse` after an `auto` fallback). */
  transport: TransportKind | undefined;
  /** When the current run started / ended (ms since 1970). */
  runStartedAt: number | undefined;
  runEndedAt: number | undefined;
  /** Once the run ended: "Worked for 12 s · 8 steps" (or "Failed after…", "Stopped after…"). */
  summary: string | undefined;
}

const IDLE: StatusUpdatesSnapshot = Object.freeze({
  latest: undefined,
  steps: Object.freeze([]) as readonly StatusStep[],
  state: 'idle',
  stale: false,
  connection: 'connecting',
  error: undefined,
  transport: undefined,
  runStartedAt: undefined,
  runEndedAt: undefined,
  summary: undefined,
});

function snapshot(connection: StatusConnection): StatusUpdatesSnapshot {
  return {
    latest: connection.latest,
    steps: connection.steps,
    state: connection.runState,
    stale: connection.stale,
    connection: connection.state,
    error: connection.error,
    transport: connection.transport,
    runStartedAt: connection.runStartedAt,
    runEndedAt: connection.runEndedAt,
    summary: runSummary(connection),
  };
}

export function useStatusUpdates(url: string | null | undefined, options: UseStatusUpdatesOptions = {}): StatusUpdatesSnapshot {
  checkOptions('useStatusUpdates(url, options)', options, STATUS_UPDATES_OPTIONS);
  if (url !== null && url !== undefined) {
    checkSessionIdInUrl('useStatusUpdates(url)', url, 'pass `null` until the id is known (the hook stays idle)');
  }
  const [state, setState] = useState<StatusUpdatesSnapshot>(IDLE);
  const latestOptions = useRef(options);
  latestOptions.current = options;
  const { transport, resume, reconnectDelayMs, maxReconnectDelayMs, stableAfterMs, fallbackAfter, withCredentials } = options;
  const { WebSocket, EventSource } = options;

  useEffect(() => {
    if (url === null || url === undefined) {
      setState(IDLE);
      return undefined;
    }
    let connection: StatusConnection | undefined;
    const update = () => {
      if (connection) setState(snapshot(connection));
    };
    // Deferred: StrictMode's immediate unmount clears this timer before anything connects.
    const timer = setTimeout(() => {
      connection = connectStatusUpdates(url, {
        transport, resume, reconnectDelayMs, maxReconnectDelayMs, stableAfterMs, fallbackAfter, withCredentials,
        WebSocket, EventSource,
        onStatus(status) {
          update();
          latestOptions.current.onStatus?.(status);
        },
        onConnectionChange(next, detail) {
          update();
          latestOptions.current.onConnectionChange?.(next, detail);
        },
        onGap(gap) {
          latestOptions.current.onGap?.(gap);
        },
        onMessage(data) {
          latestOptions.current.onMessage?.(data);
        },
      });
      update();
    }, 0);
    return () => {
      clearTimeout(timer);
      connection?.close();
      connection = undefined;
      setState(IDLE);
    };
  }, [url, transport, resume, reconnectDelayMs, maxReconnectDelayMs, stableAfterMs, fallbackAfter, withCredentials, WebSocket, EventSource]);

  return state;
}
