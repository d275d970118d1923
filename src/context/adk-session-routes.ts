/**
 * The second route to a status session: (ADK user id, ADK session id) → the status session of a
 * running `runWithStatus`. Tools and the plugin use it only when the AsyncLocalStorage binding
 * is absent (e.g. code that escaped the async context through a callback-based library).
 * Keyed by user and session, never by app name: inside an AgentTool sub-run `appName` is the
 * sub-agent's name while the user and session ids stay the parent's (ADK-NOTES pitfall 2).
 */
import { processRegistry } from '../process-registry.js';
import type { StatusSession } from './status-session.js';

/** The ADK ids a tool or callback context carries. */
export interface AdkRouteIds {
  userId?: string | undefined;
  sessionId?: string | undefined;
}

// Shared by every copy of the package: a bundled agent's tool finds the host's run.
const routes = processRegistry('adk-session-routes.v1', () => new Map<string, StatusSession[]>());

const routeKey = (userId: string, sessionId: string): string => `${userId}\u0000${sessionId}`;

/** Registers `session` for the ADK user and session until the returned function is called. */
export function registerAdkSessionRoute(userId: string, sessionId: string, session: StatusSession): () => void {
  const key = routeKey(userId, sessionId);
  let list = routes.get(key);
  if (!list) routes.set(key, (list = []));
  list.push(session);
  let removed = false;
  return () => {
    if (removed) return;
    removed = true;
    const current = routes.get(key);
    if (!current) return;
    const index = current.lastIndexOf(session);
    if (index !== -1) current.splice(index, 1);
    if (current.length === 0) routes.delete(key);
  };
}

/** The status session of the most recent running `runWithStatus` for this ADK user and session. */
export function statusSessionForAdkSession(ids: AdkRouteIds | undefined): StatusSession | undefined {
  if (typeof ids?.userId !== 'string' || typeof ids.sessionId !== 'string') return undefined;
  return routes.get(routeKey(ids.userId, ids.sessionId))?.at(-1);
}
