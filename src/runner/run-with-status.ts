/**
 * `runWithStatus` / `runLiveWithStatus`: the runner's own events, unchanged, with every step of
 * the run bound to the status session, runs of one ADK session serialised, and the ADK
 * session registered as a fallback route for the tool.
 */
import type { Event, Runner } from '@google/adk';
import { registerAdkSessionRoute } from '../context/adk-session-routes.js';
import { createStatusSession } from '../context/status-session.js';
import type { StatusSession, StatusSink } from '../context/status-session.js';
import { invalidOption } from '../errors.js';
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

const sessionLocks = new KeyedLock();

function lockKey(runner: { appName?: string }, userId: string, sessionId: string): string {
  return `${runner.appName ?? ''}\u0000${userId}\u0000${sessionId}`;
}

interface PreparedRun<P> {
  session: StatusSession;
  runParams: P;
  key: string;
}

/** Validates eagerly, so wiring bugs throw at the call, not at the first `next()`. */
function prepare<P extends { userId: string; sessionId: string }>(
  runner: { appName?: string },
  params: StatusRunOptions & P,
): PreparedRun<P> {
  if (typeof params !== 'object' || params === null) invalidOption('params', 'an object', params);
  const { hub, statusSessionId, ...rest } = params;
  const runParams = rest as unknown as P;
  if (typeof runParams.userId !== 'string' || runParams.userId === '') {
    invalidOption('userId', 'a non-empty string', runParams.userId);
  }
  if (typeof runParams.sessionId !== 'string' || runParams.sessionId === '') {
    invalidOption('sessionId', 'a non-empty string', runParams.sessionId);
  }
  if (hub === undefined) invalidOption('hub', 'a StatusHub', hub);
  const session = createStatusSession({
    sessionId: statusSessionId ?? runParams.sessionId,
    hub: watchStatuses(hub),
    adk: { appName: runner.appName, userId: runParams.userId, sessionId: runParams.sessionId },
  });
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
  const release = await sessionLocks.acquire(key);
  // Aborted while waiting for an earlier run of the session: leave without starting.
  if ((runParams as { abortSignal?: AbortSignal }).abortSignal?.aborted) {
    release();
    return;
  }
  const unregister = registerAdkSessionRoute(runParams.userId, runParams.sessionId, session);
  // The end of the run is a status too (done / failed / aborted): see run-end-status.ts.
  // Sent bound, like the run's own statuses, so listeners (the Pub/Sub mirror) get the ADK ids.
  const end = (state: 'done' | 'failed' | 'aborted') =>
    bindStatusSession(session, () =>
      sendRunEnd(session, aborted(runParams) && state !== 'aborted' ? 'aborted' : state, (session.hub as Partial<WatchedSink>).shown),
    );
  // ADK reports a model failure as an event with `errorCode`: a run that ends on one (or whose
  // consumer stops right after one) failed.
  let lastWasError = false;
  let settled = false;
  let iterator: AsyncGenerator<Event, void, undefined> | undefined;
  try {
    iterator = bindStatusSession(session, () => start(runParams));
    const inner = iterator;
    let step: () => Promise<IteratorResult<Event, void>> = () => inner.next();
    for (;;) {
      let result: IteratorResult<Event, void>;
      try {
        result = await bindStatusSession(session, step);
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
        await bindStatusSession(session, () => inner.return(undefined));
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
  return runBound(prepare<RunAsyncParams>(runner, params), (p) => runner.runAsync(p));
}

/** `runWithStatus` for `runner.runLive` (bidirectional streaming). */
export function runLiveWithStatus(
  runner: StatusLiveRunnable,
  params: RunLiveWithStatusParams,
): AsyncGenerator<Event, void, undefined> {
  if (typeof runner?.runLive !== 'function') invalidOption('runner', 'an ADK Runner', runner);
  return runBound(prepare<RunLiveParams>(runner, params), (p) => runner.runLive(p));
}
