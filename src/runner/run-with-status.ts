/**
 * The runs the library opens around a runner: `runWithStatus` / `runLiveWithStatus` (the
 * runner's own events, unchanged, every step bound to the run, runs of one ADK session
 * serialised, the run registered as a route for code the async context does not reach, and one
 * end-of-run status), `withStatusSession` (the seed's ContextVar: a function bound to a status
 * session), and `runWithDestinations`, the same for the UI streams, which add a destination of
 * their own.
 */
import type { Event, Runner } from '@google/adk';
import { z } from 'zod';
import { bindStatusSession } from '../binding/context.js';
import { registerRoute } from '../binding/routes.js';
import { runEndMessagesOption, StatusRun } from '../binding/status-run.js';
import type { RunEndMessages } from '../binding/status-run.js';
import { ADK_EVENT_STREAM } from '../destinations/adk-event-stream.js';
import type { StatusDestination } from '../destinations/destination.js';
import { HubSession, isStatusSink } from '../destinations/hub-session.js';
import type { StatusSink } from '../destinations/hub-session.js';
import { StatusListeners } from '../destinations/status-stream.js';
import { invalidOption, StatusMessengerError } from '../errors.js';
import { getDefaultLogger } from '../logger.js';
import { closest, defineOptions, parseOptions } from '../options.js';
import { processRegistry } from '../process-registry.js';
import { SESSION_ID_PATTERN } from '../protocol.js';
import type { RunEndState } from '../protocol.js';
import { assertSessionId, isServableSessionId } from '../status.js';
import { KeyedLock } from './keyed-lock.js';

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
  /**
   * The texts of the run's last status, by how it ended, for apps not in English.
   * @default { done: 'Done', failed: 'Something went wrong. Please try again.', aborted: 'Stopped' }
   */
  runEndMessages?: RunEndMessages;
}

export type RunWithStatusParams = StatusRunOptions & RunAsyncParams;
export type RunLiveWithStatusParams = StatusRunOptions & RunLiveParams;

// One lock table per process, shared by the ESM, CJS and bundled copies of the package.
const sessionLocks = new KeyedLock(processRegistry('session-locks.v1', () => new Map<string, Promise<void>>()));
const unservable = processRegistry('unservable-session-warning.v1', () => ({ warned: false }));

const OWN_KEYS = ['hub', 'statusSessionId', 'runEndMessages'] as const;
// The runner's own keys pass through to it (ADK 2.0's `runAsync` / `runLive` parameters).
const RUN_ASYNC_KEYS = ['userId', 'sessionId', 'newMessage', 'stateDelta', 'runConfig', 'abortSignal', 'customMetadata'] as const;
const RUN_LIVE_KEYS = ['userId', 'sessionId', 'liveRequestQueue', 'runConfig', 'abortSignal', 'liveSessionResumptionHandle'] as const;

const OWN_OPTIONS = defineOptions('runWithStatus(runner, params)', {
  hub: z.custom<StatusSink>(isStatusSink, { message: 'a StatusHub' }).optional(),
  statusSessionId: z.string().min(1).optional(),
  runEndMessages: runEndMessagesOption.optional(),
});

/** The parameters of a run the library opens: the runner's, plus where the run's statuses go. */
export interface PreparedRun<P> {
  run: StatusRun | undefined;
  runParams: P;
  key: string;
  route: { appName?: string | undefined; userId: string; sessionId: string };
}

/**
 * Validates eagerly, so wiring bugs throw at the call, not at the first `next()`. `extra` are
 * destinations of the caller's own (a UI stream); `hub` is then optional.
 */
export function prepareRun<P extends { userId: string; sessionId: string }>(
  api: string,
  runner: { appName?: string },
  params: Partial<StatusRunOptions> & P,
  runnerKeys: readonly string[],
  extra: readonly StatusDestination[] = [],
): PreparedRun<P> {
  if (typeof params !== 'object' || params === null) invalidOption('params', 'an object', params);
  // The params mix our keys with the runner's: any other key is a typo, of ours or of ADK's.
  const known = [...OWN_KEYS, ...runnerKeys];
  for (const key of Object.keys(params)) {
    if (known.includes(key)) continue;
    const near = closest(key, known);
    throw new StatusMessengerError(
      'ERR_INVALID_OPTION',
      `${api}: unknown option \`${key}\`${near ? ` (did you mean \`${near}\`?)` : ''}. Known options: ${known.join(', ')}.`,
    );
  }
  const { hub, statusSessionId, runEndMessages, ...rest } = params;
  const own = parseOptions({ ...OWN_OPTIONS, api }, { hub, statusSessionId, runEndMessages });
  const runParams = rest as unknown as P;
  if (typeof runParams.userId !== 'string' || runParams.userId === '') invalidOption('userId', 'a non-empty string', runParams.userId);
  if (typeof runParams.sessionId !== 'string' || runParams.sessionId === '') {
    invalidOption('sessionId', 'a non-empty string', runParams.sessionId);
  }
  if (extra.length === 0 && own.hub === undefined) invalidOption('hub', 'a StatusHub', hub);
  const id = own.statusSessionId ?? runParams.sessionId;
  const servable = isServableSessionId(id);
  if (own.hub && !servable && !unservable.warned) {
    // The agent run matters more than its statuses: run it, say once why nobody sees them.
    unservable.warned = true;
    getDefaultLogger().warn(
      `${api}: the status session id ${JSON.stringify(String(id).slice(0, 80))} cannot be served by the hub ` +
        `(it must match ${String(SESSION_ID_PATTERN)}), so this run's statuses reach no browser. ` +
        'Pass a `statusSessionId` the browser can connect with. The run goes on.',
    );
  }
  const adk = { appName: runner.appName, userId: runParams.userId, sessionId: runParams.sessionId };
  const destinations: StatusDestination[] = [];
  if (own.hub && servable) destinations.push(new HubSession(own.hub, id));
  destinations.push(ADK_EVENT_STREAM, ...extra, new StatusListeners(id));
  // Without a hub that can serve it, a run still binds: its tool calls reach ADK's event stream,
  // the caller's own destinations and `streamStatusUpdates()`.
  const signal = (runParams as { abortSignal?: AbortSignal }).abortSignal;
  const run = new StatusRun({ sessionId: id, adk, destinations, runEndMessages: own.runEndMessages, signal });
  return { run, runParams, key: `${runner.appName ?? ''}\u0000${runParams.userId}\u0000${runParams.sessionId}`, route: adk };
}

function aborted(runParams: unknown): boolean {
  return (runParams as { abortSignal?: AbortSignal }).abortSignal?.aborted === true;
}

/**
 * One generator layer: the lock, the route, and every step of the runner's generator run
 * inside the binding (a generator body runs in the context of whoever calls `next()`).
 */
export async function* runBound<P extends { userId: string; sessionId: string }>(
  prepared: PreparedRun<P>,
  start: (runParams: P) => AsyncGenerator<Event, void, undefined>,
): AsyncGenerator<Event, void, undefined> {
  const { run, runParams, key } = prepared;
  const signal = (runParams as { abortSignal?: AbortSignal }).abortSignal;
  // Aborted before or while waiting for an earlier run of the session: leave without starting.
  const release = await sessionLocks.acquire(key, signal);
  if (!release) return;
  if (signal?.aborted) {
    release();
    return;
  }
  const unregister = run ? registerRoute(prepared.route, run) : () => {};
  const bound = <T>(fn: () => T): T => (run ? bindStatusSession(run, fn) : fn());
  // Sent bound, like the run's own statuses.
  const end = (state: RunEndState): void => {
    if (run) bound(() => run.end(aborted(runParams) && state !== 'aborted' ? 'aborted' : state));
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
export function runWithStatus(runner: StatusRunnable, params: RunWithStatusParams): AsyncGenerator<Event, void, undefined> {
  if (typeof runner?.runAsync !== 'function') invalidOption('runner', 'an ADK Runner', runner);
  const prepared = prepareRun<RunAsyncParams>('runWithStatus(runner, params)', runner, params, RUN_ASYNC_KEYS);
  return runBound(prepared, (p) => runner.runAsync(p));
}

/** `runWithStatus` for `runner.runLive` (bidirectional streaming). */
export function runLiveWithStatus(runner: StatusLiveRunnable, params: RunLiveWithStatusParams): AsyncGenerator<Event, void, undefined> {
  if (typeof runner?.runLive !== 'function') invalidOption('runner', 'an ADK Runner', runner);
  const prepared = prepareRun<RunLiveParams>('runLiveWithStatus(runner, params)', runner, params, RUN_LIVE_KEYS);
  return runBound(prepared, (p) => runner.runLive(p));
}

/**
 * @internal `runWithStatus` for the UI streams: `hub` optional, and `destinations` (the stream's
 * own) added to the run.
 */
export function runWithDestinations(
  runner: StatusRunnable,
  params: Partial<StatusRunOptions> & RunAsyncParams,
  destinations: readonly StatusDestination[],
  api: string,
): AsyncGenerator<Event, void, undefined> {
  if (typeof runner?.runAsync !== 'function') invalidOption('runner', 'an ADK Runner', runner);
  const prepared = prepareRun<RunAsyncParams>(api, runner, params, RUN_ASYNC_KEYS, destinations);
  return runBound(prepared, (p) => runner.runAsync(p));
}

export interface WithStatusSessionOptions {
  /** Where statuses go. Without one they reach `streamStatusUpdates()` consumers (and ADK's event stream, inside a tool call). */
  hub?: StatusSink;
  /** The browser's session id, as in `/ws/<sessionId>`. */
  sessionId: string;
}

const WITH_SESSION_OPTIONS = defineOptions('withStatusSession(options, fn)', {
  hub: z.custom<StatusSink>(isStatusSink, { message: 'a StatusHub' }).optional(),
  sessionId: z.unknown(),
});

/**
 * The low-level binding, the seed's ContextVar: runs `fn` bound to a status session and returns
 * its result; everything `fn` does (and everything it awaits) sends statuses to `sessionId`. It
 * opens no run of ADK's: no lock, no end status.
 *
 * Note for async generators: only the part of a generator that runs inside `fn` is bound. To run
 * an ADK runner, use `runWithStatus`, which binds every step.
 */
export function withStatusSession<T>(options: WithStatusSessionOptions, fn: () => T): T {
  const { hub, sessionId } = parseOptions(WITH_SESSION_OPTIONS, options);
  assertSessionId(sessionId);
  const destinations: StatusDestination[] = hub ? [new HubSession(hub, sessionId)] : [];
  destinations.push(ADK_EVENT_STREAM, new StatusListeners(sessionId));
  return bindStatusSession(new StatusRun({ sessionId, destinations }), fn);
}
