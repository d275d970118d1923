/**
 * Which run is this code part of, and inside which ADK tool call? The one module that touches
 * AsyncLocalStorage (`run()` only, never `enterWith`), after OpenTelemetry's
 * AsyncLocalStorageContextManager.
 *
 * ADK's `runner.runAsync` is an async generator, and a generator body runs in the async context
 * of whoever calls `next()`. So binding the *creation* of the generator is not enough: whoever
 * opens a run binds every `next()` (src/runner/run-with-status.ts; ADK-NOTES §3).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Context } from '@google/adk';
import { processRegistry } from '../process-registry.js';
import type { StatusInput } from '../protocol.js';

/** ADK ids of the run a status session belongs to, when known. */
export interface AdkRunIds {
  appName?: string;
  userId?: string;
  sessionId?: string;
}

/** How one status is sent. */
export interface StatusSendOptions {
  /** The tool call the status is made in; its run's event stream gets it. @default the bound one */
  toolContext?: Context | undefined;
  /** `false` keeps the status out of the ADK event stream. @default true */
  eventStream?: boolean;
  /**
   * Statuses sent with this less than `throttleMs` after the last one that went out replace each
   * other, and the newest goes out when the interval ends (ADK's event stream still gets each at
   * once). Any status sent without it first sends what is held, so nothing made earlier lands
   * after it. An error-level status is never held. @default 0
   */
  throttleMs?: number;
}

export interface StatusDelivery {
  /** Connections, UI streams, A2A callers and `streamStatusUpdates()` consumers it reached now. */
  viewers: number;
  /** `viewers > 0`. */
  delivered: boolean;
  /**
   * Whether the run has a destination viewers look at (a hub session, a UI stream, an A2A task):
   * `false` for a run that only reaches ADK's event stream and `streamStatusUpdates()` consumers.
   */
  viewable: boolean;
  /** Whether ADK's event stream of the tool call it was made in took it. */
  eventStream: boolean;
  /** Present when the text was longer than the limit and was cut (with `…`). */
  truncated?: true;
  /** Present when a throttle holds it back (it goes out when the interval ends, unless a newer one replaces it). */
  held?: true;
}

/** What the binding carries: a run's statuses and where they go. */
export interface StatusSession {
  /** The status session id: the hub's `/ws/<sessionId>`, the listeners' `sessionId`. */
  readonly sessionId: string;
  /** The ADK ids of the run, when known. */
  readonly adk: Readonly<AdkRunIds> | undefined;
  /** Checks the status once and hands it to every destination of the run. Throws for a bad status. */
  send(status: StatusInput, options?: StatusSendOptions): StatusDelivery;
  /** Sends what a throttle holds back now (a producer whose burst ended, before an unthrottled status of another). */
  flush(): void;
}

// One store each per process, shared by the ESM, CJS and bundled copies of this package.
const runs = processRegistry('status-run-context.v1', () => new AsyncLocalStorage<StatusSession>());
const toolCalls = processRegistry('tool-call-context.v1', () => new AsyncLocalStorage<Context>());

/** Runs `fn` as part of `session`'s run; returns what `fn` returns. */
export function bindStatusSession<T>(session: StatusSession, fn: () => T): T {
  return runs.run(session, fn);
}

/** The status session bound to the current async context, or `undefined`. */
export function currentStatusSession(): StatusSession | undefined {
  return runs.getStore();
}

/**
 * Runs `fn` as part of the ADK tool call `ctx` (the plugin's tool wrapper does this), so code
 * without a context of its own — `addStatusMessage`, the tools of an AgentTool's sub-run —
 * knows which run's event stream a status belongs to.
 */
export function bindToolCall<T>(ctx: Context, fn: () => T): T {
  return toolCalls.run(ctx, fn);
}

/** The outermost ADK tool call the current code runs in, when a wrapper bound one. */
export function currentToolCall(): Context | undefined {
  return toolCalls.getStore();
}
