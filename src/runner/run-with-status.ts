/**
 * `runWithStatus` / `runLiveWithStatus`: the runner's own events, unchanged, with every step of
 * the run bound to the status session, runs of one ADK session serialised, and the ADK
 * session registered as a fallback route for the tool.
 */
import type { Event, Runner } from '@google/adk';
import { registerAdkSessionRoute } from '../context/adk-session-routes.js';
import { processRegistry } from '../process-registry.js';
import { createStatusSession } from '../context/status-session.js';
import { isServableSessionId } from '../status.js';
import type { StatusSession, StatusSink } from '../context/status-session.js';
import { invalidOption, StatusMessengerError } from '../errors.js';
import { getDefaultLogger } from '../logger.js';
import { closest } from '../options.js';
import { SESSION_ID_PATTERN } from '../protocol.js';
import { bindStatusSession } from '../context/status-context.js';
import { KeyedLock } from './keyed-lock.js';
import { sendRunEnd, watchStatuses } from './run-end-status.js';
import type { WatchedSink } from './run-end-status.js';

type RunAsyncParams = Parameters<Runner['runAsync']>[0];
type RunLiveParams = Parameters<Runner['runLive']>[0];

/** The part of a `Runner` these wrappers use; `Runner` and `InMemoryRunner` fit. */
export interface StatusRunnable {
  readonly appName?: string;
  runAsync(params: RunAsyncParams): AsyncGenerator<Event, void, undefined>;
}
export interface StatusLiveRunnable {
  readonly appName?: string;
  runLive(params: RunLiveParams): AsyncGenerator<Event, void, undefined>;
}

export interface StatusRunOptions {
  /** Where the run's statuses go (a `StatusHub`). */
  hub: StatusSink;
  /** The browser's session id (`/ws/<id>`). @default the ADK `sessionId` */
  statusSessionId?: string;
}

export type RunWithStatusParams = StatusRunOptions & RunAsyncParams;
export type RunLiveWithStatusParams = StatusRunOptions & RunLiveParams;

// One lock table per process, shared by the ESM, CJS and bundled copies of the package.
const sessionLocks = new KeyedLock(processRegistry('session-locks.v1', () => new Map<string, Promise<void>>()));
const unservable = processRegistry('unservable-session-warning.v1', () => ({ warned: false }));

function lockKey(runner: { appName?: string }, userId: string, sessionId: string): string {
  return `${runner.appName ?? ''}\u0000${userId}\u0000${sessionId}`;
}

const OWN_KEYS = ['hub', 'statusSessionId'] as const;

interface PreparedRun<P> {
  /** Absent when the hub cannot serve the status session id: the run goes on without one. */
  session: StatusSession | undefined;
  runParams: P;
  key: string;
}

/** Validates eagerly, so wiring bugs throw at the call, not at the first `next()`. */
function prepare<P extends { userId: string; sessionId: string }>(
  api: string,
  runner: { appName?: string },
  params: StatusRunOptions & P,
): PreparedRun<P> {
  if (typeof params !== 'object' || params === null) invalidOption('params', 'an object', params);
  // The params mix our keys with the runner's; a key that is nearly one of ours is a typo.
  for (const key of Object.keys(params)) {
    if ((OWN_KEYS as readonly string[]).includes(key)) continue;
    const near = closest(key, OWN_KEYS);
    if (near) {
      throw new StatusMessengerError('ERR_INVALID_OPTION', `${api}: unknown option \`${key}\` (did you mean \`${near}\`?)`);
    }
  }
  const { hub, statusSessionId, ...rest } = params;
  const runParams = rest as unknown as P;
  if (typeof runParams.userId !== 'string' || runParams.userId === '') {
    invalidOption('userId', 'a non-empty string', runParams.userId);
  }
  if (typeof runParams.sessionId !== 'string' || runParams.sessionId === '') {
    invalidOption('sessionId', 'a non-empty string', runParams.sessionId);
  }
  if (hub === undefined || typeof (hub as { send?: unknown } | null)?.send !== 'function') invalidOption('hub', 'a StatusHub', hub);
  if (statusSessionId !== undefined && (typeof statusSessionId !== 'string' || statusSessionId === '')) {
    invalidOption('statusSessionId', 'a non-empty string', statusSessionId);
  }
  const id = statusSessionId ?? runParams.sessionId;
  let session: StatusSession | undefined;
  if (isServableSessionId(id)) {
    session = createStatusSession({
      sessionId: id,
      hub: watchStatuses(hub),
      adk: { appName: runner.appName, userId: runParams.userId, sessionId: runParams.sessionId },
    });
  } else if (!unservable.warned) {
    // The agent run matters more than its statuses: run it, say once why nobody sees them.
    unservable.warned = true;
    getDefaultLogger().warn(
      `${api}: the status session id ${JSON.stringify(String(id).slice(0, 80))} cannot be served by the hub ` +
        `(it must match ${String(SESSION_ID_PATTERN)}), so this run's statuses reach no browser. ` +
        'Pass a `statusSessionId` the browser can connect with. The run goes on.',
    );
  }
  return { session, runParams, key: lockKey(runner, runParams.userId, runParams.sessionId) };
}

function aborted(runParams: unknown): boolean {
  return (runParams as { abortSignal?: AbortSignal }).abortSignal?.aborted === true;
}

/**
 * One generator layer: the lock, the route, and every step of the runner's generator run
 * inside the binding (a generator body runs in the context of whoever calls `next()`).
 */
async function* runBound<P extends { userId: string; sessionId: string }>(
  prepared: PreparedRun<P>,
  start: (runParams: P) => AsyncGenerator<Event, void, undefined>,
): AsyncGenerator<Event, void, undefined> {
  const { session, runParams, key } = prepared;
  const signal = (runParams as { abortSignal?: AbortSignal }).abortSignal;
  // Aborted before or while waiting for an earlier run of the session: leave without starting.
  const release = await sessionLocks.acquire(key, signal);
  if (!release) return;
  if (signal?.aborted) {
    release();
    return;
  }
  const unregister = session ? registerAdkSessionRoute(runParams.userId, runParams.sessionId, session) : () => {};
  const bound = <T>(fn: () => T): T => (session ? bindStatusSession(session, fn) : fn());
  // The end of the run is a status too (done / failed / aborted): see run-end-status.ts.
  // Sent bound, like the run's own statuses, so listeners (the Pub/Sub mirror) get the ADK ids.
  const end = (state: 'done' | 'failed' | 'aborted') => {
    if (!session) return;
    const s = session;
    bindStatusSession(s, () =>
      sendRunEnd(s, aborted(runParams) && state !== 'aborted' ? 'aborted' : state, (s.hub as Partial<WatchedSink>).shown),
    );
  };
  // ADK reports a model failure as an event with `errorCode`: a run that ends on one (or whose
  // consumer stops right after one) failed.
  let lastWasError = false;
  let settled = false;
  let iterator: AsyncGenerator<Event, void, undefined> | undefined;
  try {
    iterator = bound(() => start(runParams));
    const inner = iterator;
    let step: () => Promise<IteratorResult<Event, void>> = () => inner.next();
    for (;;) {
      let result: IteratorResult<Event, void>;
      try {
        result = await bound(step);
      } catch (error) {
        settled = true; // a generator that threw is finished
        end('failed');
        throw error;
      }
      if (result.done) {
        settled = true;
        end(lastWasError ? 'failed' : 'done');
        return;
      }
      lastWasError = Boolean((result.value as { errorCode?: unknown }).errorCode);
      try {
        yield result.value;
        step = () => inner.next();
      } catch (error) {
        // The consumer called throw(): hand the error to the runner's generator, bound.
        step = () => inner.throw(error);
      }
    }
  } finally {
    try {
      // Early exit (break, return()): let the runner's generator run its own finally, bound.
      if (!settled && iterator) {
        const inner = iterator;
        await bound(() => inner.return(undefined));
        end(lastWasError ? 'failed' : 'aborted');
      }
    } finally {
      unregister();
      release();
    }
  }
}

/**
 * Same events as `runner.runAsync(params)`; every step runs bound to the status session, so
 * `status_message` calls anywhere in the run (sub-agents, AgentTool, parallel calls) reach
 * the sockets of `statusSessionId`. Runs of one ADK session wait for each other: iterate the
 * result to the end, `break`, or call `return()`, or the session stays locked. A run whose
 * `abortSignal` fires while it waits for the lock ends without starting.
 */
export function runWithStatus(
  runner: StatusRunnable,
  params: RunWithStatusParams,
): AsyncGenerator<Event, void, undefined> {
  if (typeof runner?.runAsync !== 'function') invalidOption('runner', 'an ADK Runner', runner);
  return runBound(prepare<RunAsyncParams>('runWithStatus(runner, params)', runner, params), (p) => runner.runAsync(p));
}

/** `runWithStatus` for `runner.runLive` (bidirectional streaming). */
export function runLiveWithStatus(
  runner: StatusLiveRunnable,
  params: RunLiveWithStatusParams,
): AsyncGenerator<Event, void, undefined> {
  if (typeof runner?.runLive !== 'function') invalidOption('runner', 'an ADK Runner', runner);
  return runBound(prepare<RunLiveParams>('runLiveWithStatus(runner, params)', runner, params), (p) => runner.runLive(p));
}
