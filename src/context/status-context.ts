/**
 * Which status session is this code running for? The one module that touches
 * AsyncLocalStorage (`run()` only, never `enterWith`), after OpenTelemetry's
 * AsyncLocalStorageContextManager.
 *
 * ADK's `runner.runAsync` is an async generator, and a generator body runs in the async
 * context of whoever calls `next()`. So binding the *creation* of the generator is not
 * enough: `runWithStatus` binds every `next()` with `bindStatusSession` (ADK-NOTES §3).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { StatusSession } from './status-session.js';

// One store per process, shared by the ESM and CJS copies of this package if both load.
const STORE_KEY = Symbol.for('adk-status-messenger.context.v1');
type GlobalWithStore = typeof globalThis & { [STORE_KEY]?: AsyncLocalStorage<StatusSession> };
const holder = globalThis as GlobalWithStore;
const storage: AsyncLocalStorage<StatusSession> = (holder[STORE_KEY] ??= new AsyncLocalStorage<StatusSession>());

/** Runs `fn` with `session` as the current status session; returns what `fn` returns. */
export function bindStatusSession<T>(session: StatusSession, fn: () => T): T {
  return storage.run(session, fn);
}

/** The status session bound to the current async context, or `undefined`. */
export function currentStatusSession(): StatusSession | undefined {
  return storage.getStore();
}
