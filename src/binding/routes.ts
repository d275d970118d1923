/**
 * The second way to find a run, for code the async context does not reach — the tools of a run
 * `StatusPlugin` bound on a server that iterates the runner itself (`adk web`, `adk api_server`),
 * code that escaped the context through a callback-based library — and the ADK tool calls open
 * right now, which tell a status made in an AgentTool's sub-run which stream it belongs to.
 *
 * A tool context names its run by invocation id (exact: `StatusPlugin` registers those) and by
 * (app, user, session) (`runWithStatus` registers those). Inside an AgentTool's sub-run the
 * invocation is another one and `appName` is the sub-agent's name, while user and session stay the
 * parent's (ADK-NOTES pitfall 2): such a call belongs to the open AgentTool call of the same user
 * and session that runs that agent. The app name is part of every key, so two apps of one
 * `adk api_server` whose clients pick the same user and session ids never reach each other's run.
 * Shared by every copy of the package (a bundled agent's tool finds the host's run).
 */
import type { Context } from '@google/adk';
import { processRegistry } from '../process-registry.js';
import type { StatusSession } from './context.js';

/** The ids a run is registered under. An absent `appName` matches any app. */
export interface RouteIds {
  appName?: string | undefined;
  userId: string;
  sessionId: string;
  /** The ADK invocation, when known: the exact match. */
  invocationId?: string | undefined;
}

/** The ADK ids a tool or callback context carries. */
export interface AdkIds {
  appName?: string | undefined;
  userId?: string | undefined;
  sessionId?: string | undefined;
  invocationId?: string | undefined;
}

interface OpenCall {
  readonly ctx: Context;
  /** The tool's name: an AgentTool's is its agent's, which is its sub-run's app name. */
  readonly toolName: string | undefined;
}

const MAX_OPEN_PER_SESSION = 64;
/** How many AgentTools deep a sub-run's call is followed up to its run. */
const MAX_NESTING = 8;

interface SessionRoute {
  readonly appName: string | undefined;
  readonly session: StatusSession;
}

const registry = processRegistry('status-routes.v1', () => ({
  byInvocation: new Map<string, StatusSession[]>(),
  /** By user and session; each route names its app (or none: any app). */
  bySession: new Map<string, SessionRoute[]>(),
  openCalls: new Map<string, OpenCall[]>(),
}));

const userSessionKey = (userId: string, sessionId: string): string => `${userId}\u0000${sessionId}`;

function add<K, V>(map: Map<K, V[]>, key: K, value: V): () => void {
  let list = map.get(key);
  if (!list) map.set(key, (list = []));
  list.push(value);
  let removed = false;
  return () => {
    if (removed) return;
    removed = true;
    const current = map.get(key);
    if (!current) return;
    const index = current.lastIndexOf(value);
    if (index !== -1) current.splice(index, 1);
    if (current.length === 0) map.delete(key);
  };
}

/** Registers `session` under `ids` until the returned function is called. */
export function registerRoute(ids: RouteIds, session: StatusSession): () => void {
  const removers = [add(registry.bySession, userSessionKey(ids.userId, ids.sessionId), { appName: ids.appName, session })];
  if (ids.invocationId) removers.push(add(registry.byInvocation, ids.invocationId, session));
  return () => {
    for (const remove of removers) remove();
  };
}

/** The ADK ids of a tool or callback context. */
export function adkIdsOf(ctx: Context | undefined): AdkIds {
  return {
    appName: ctx?.invocationContext?.appName,
    userId: ctx?.userId,
    sessionId: ctx?.sessionId,
    invocationId: ctx?.invocationId,
  };
}

/**
 * The newest run registered under these ids: by invocation, else by user and session of the same
 * app (a route or a query without an app name matches any app).
 */
export function routeFor(ids: AdkIds): StatusSession | undefined {
  if (ids.invocationId) {
    const exact = registry.byInvocation.get(ids.invocationId)?.at(-1);
    if (exact) return exact;
  }
  if (typeof ids.userId !== 'string' || typeof ids.sessionId !== 'string') return undefined;
  const list = registry.bySession.get(userSessionKey(ids.userId, ids.sessionId));
  if (!list) return undefined;
  for (let i = list.length - 1; i >= 0; i -= 1) {
    const route = list[i]!;
    if (route.appName === undefined || ids.appName === undefined || route.appName === ids.appName) return route.session;
  }
  return undefined;
}

/**
 * The run of tool call `ctx`: its own route, else (in an AgentTool's sub-run) the route of the
 * open AgentTool call that encloses it.
 */
export function routeForToolCall(ctx: Context | undefined): StatusSession | undefined {
  let call = ctx;
  for (let depth = 0; call && depth < MAX_NESTING; depth += 1) {
    const found = routeFor(adkIdsOf(call));
    if (found) return found;
    call = enclosingToolCall(call);
  }
  return undefined;
}

/** Records `ctx` as an open call of `toolName` until the returned function runs. */
export function openToolCall(ctx: Context, toolName?: string): () => void {
  const { userId, sessionId } = ctx;
  if (typeof userId !== 'string' || typeof sessionId !== 'string') return () => {};
  const key = userSessionKey(userId, sessionId);
  const remove = add(registry.openCalls, key, { ctx, toolName });
  // A run that died mid-call never closes its calls; keep the list bounded all the same.
  const list = registry.openCalls.get(key)!;
  if (list.length > MAX_OPEN_PER_SESSION) list.shift();
  return remove;
}

/**
 * The open call that runs the AgentTool whose sub-run `ctx` belongs to: same user and session,
 * another invocation, and (when its tool is known) the tool named after `ctx`'s app. Newest first.
 */
export function enclosingToolCall(ctx: Context): Context | undefined {
  const { userId, sessionId, invocationId } = ctx;
  if (typeof userId !== 'string' || typeof sessionId !== 'string') return undefined;
  const list = registry.openCalls.get(userSessionKey(userId, sessionId));
  if (!list) return undefined;
  const appName = ctx.invocationContext?.appName;
  for (let i = list.length - 1; i >= 0; i -= 1) {
    const call = list[i]!;
    if (call.ctx.invocationId === invocationId) continue;
    if (call.toolName === undefined || appName === undefined || call.toolName === appName) return call.ctx;
  }
  return undefined;
}

/** The newest open call of a run's ADK user and session (of its app, when known). */
export function latestToolCall(ids: AdkIds | undefined): Context | undefined {
  if (typeof ids?.userId !== 'string' || typeof ids.sessionId !== 'string') return undefined;
  const list = registry.openCalls.get(userSessionKey(ids.userId, ids.sessionId));
  if (!list) return undefined;
  for (let i = list.length - 1; i >= 0; i -= 1) {
    const { ctx } = list[i]!;
    if (ids.appName === undefined || ctx.invocationContext?.appName === ids.appName) return ctx;
  }
  return undefined;
}
