/**
 * The low-level binding, the seed's ContextVar: everything `fn` does (and everything it
 * awaits) sends statuses to `sessionId`.
 */
import { z } from 'zod';
import { defineOptions, parseOptions } from '../options.js';
import { bindStatusSession } from './status-context.js';
import { createStatusSession } from './status-session.js';
import type { StatusSink } from './status-session.js';

export interface WithStatusSessionOptions {
  /** Where statuses go. Without one they only reach `streamStatusUpdates()` consumers. */
  hub?: StatusSink;
  /** The browser's session id, as in `/ws/<sessionId>`. */
  sessionId: string;
}

const OPTIONS = defineOptions('withStatusSession(options, fn)', {
  hub: z.custom<StatusSink>((v) => typeof (v as StatusSink | undefined)?.send === 'function', { message: 'a StatusHub' }).optional(),
  sessionId: z.unknown(),
});

/**
 * Runs `fn` bound to a status session and returns its result.
 *
 * Note for async generators: only the part of a generator that runs inside `fn` is bound.
 * To run an ADK runner, use `runWithStatus`, which binds every step.
 */
export function withStatusSession<T>(options: WithStatusSessionOptions, fn: () => T): T {
  const { hub, sessionId } = parseOptions(OPTIONS, options);
  const session = createStatusSession({ sessionId: sessionId as string, hub });
  return bindStatusSession(session, fn);
}
