/**
 * The tool calls a plugin-observed run has open right now, by ADK user and session. A tool
 * running inside an AgentTool's sub-run has a context of its own (another Runner, another
 * invocation, an event queue nobody forwards), so its statuses are sent to the event stream of
 * the enclosing call found here instead. Keyed by user and session like the routes (the sub-run
 * keeps both; its app name is the sub-agent's). Shared by every copy of the package.
 */
import type { Context } from '@google/adk';
import { processRegistry } from '../process-registry.js';

const MAX_OPEN_PER_SESSION = 64;
const open = processRegistry('active-tool-calls.v1', () => new Map<string, Context[]>());

const keyOf = (userId: string, sessionId: string): string => `${userId}\u0000${sessionId}`;

/** Records `ctx` as open until the returned function runs. */
export function openToolCall(ctx: Context): () => void {
  const { userId, sessionId } = ctx;
  if (typeof userId !== 'string' || typeof sessionId !== 'string') return () => {};
  const key = keyOf(userId, sessionId);
  let list = open.get(key);
  if (!list) open.set(key, (list = []));
  list.push(ctx);
  // A run that died mid-call never closes its calls; keep the list bounded all the same.
  if (list.length > MAX_OPEN_PER_SESSION) list.shift();
  let closed = false;
  return () => {
    if (closed) return;
    closed = true;
    const current = open.get(key);
    if (!current) return;
    const index = current.lastIndexOf(ctx);
    if (index !== -1) current.splice(index, 1);
    if (current.length === 0) open.delete(key);
  };
}

/** The newest open call for these ids that belongs to another invocation than `invocationId`. */
export function enclosingToolCall(
  ids: { userId?: string | undefined; sessionId?: string | undefined },
  invocationId: string | undefined,
): Context | undefined {
  if (typeof ids.userId !== 'string' || typeof ids.sessionId !== 'string') return undefined;
  const list = open.get(keyOf(ids.userId, ids.sessionId));
  if (!list) return undefined;
  for (let i = list.length - 1; i >= 0; i -= 1) {
    if (list[i]!.invocationId !== invocationId) return list[i];
  }
  return undefined;
}

/** The newest open call for these ids, whatever its invocation. */
export function latestToolCall(ids: { userId?: string | undefined; sessionId?: string | undefined } | undefined): Context | undefined {
  if (typeof ids?.userId !== 'string' || typeof ids.sessionId !== 'string') return undefined;
  return open.get(keyOf(ids.userId, ids.sessionId))?.at(-1);
}
