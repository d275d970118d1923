/**
 * Which status session is this code running for, and inside which ADK tool call? The one
 * module that touches AsyncLocalStorage (`run()` only, never `enterWith`), after
 * OpenTelemetry's AsyncLocalStorageContextManager.
 *
 * ADK's `runner.runAsync` is an async generator, and a generator body runs in the async
 * context of whoever calls `next()`. So binding the *creation* of the generator is not
 * enough: `runWithStatus` binds every `next()` with `bindStatusSession` (ADK-NOTES §3).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Context } from '@google/adk';
import type { StatusSession } from './status-session.js';

// One store per process, shared by the ESM, CJS and bundled copies of this package. The first
// key predates the `adk-status-messenger/` naming and stays as it was, for older copies.
const STORE_KEY = Symbol.for('adk-status-messenger.context.v1');
const TOOL_KEY = Symbol.for('adk-status-messenger/tool-context.v1');
type GlobalWithStores = typeof globalThis & {
  [STORE_KEY]?: AsyncLocalStorage<StatusSession>;
  [TOOL_KEY]?: AsyncLocalStorage<Context>;
};
const holder = globalThis as GlobalWithStores;
const storage: AsyncLocalStorage<StatusSession> = (holder[STORE_KEY] ??= new AsyncLocalStorage<StatusSession>());
const toolCalls: AsyncLocalStorage<Context> = (holder[TOOL_KEY] ??= new AsyncLocalStorage<Context>());

/** Runs `fn` with `session` as the current status session; returns what `fn` returns. */
export function bindStatusSession<T>(session: StatusSession, fn: () => T): T {
  return storage.run(session, fn);
}

/** The status session bound to the current async context, or `undefined`. */
export function currentStatusSession(): StatusSession | undefined {
  return storage.getStore();
}

/**
 * Runs `fn` as part of the ADK tool call `ctx` (the plugin's tool wrapper does this), so code
 * without a context of its own — `addStatusMessage`, the tools of an AgentTool's sub-run —
 * knows which run's event stream a status belongs to.
 */
export function bindToolContext<T>(ctx: Context, fn: () => T): T {
  return toolCalls.run(ctx, fn);
}

/** The outermost ADK tool call the current code runs in, when a wrapper bound one. */
export function currentToolContext(): Context | undefined {
  return toolCalls.getStore();
}
