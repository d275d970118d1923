/**
 * The second route to a status session: ADK session id → the status session of a running
 * `runWithStatus`. The tool uses it only when the AsyncLocalStorage binding is absent
 * (e.g. code that escaped the async context through a callback-based library).
 * Keyed by the ADK session id alone: inside an AgentTool sub-run `appName` is the sub-agent's
 * name while the session id stays the parent's (ADK-NOTES pitfall 2).
 */
import type { StatusSession } from './status-session.js';

const routes = new Map<string, StatusSession[]>();

/** Registers `session` for `adkSessionId` until the returned function is called. */
export function registerAdkSessionRoute(adkSessionId: string, session: StatusSession): () => void {
  let list = routes.get(adkSessionId);
  if (!list) routes.set(adkSessionId, (list = []));
  list.push(session);
  let removed = false;
  return () => {
    if (removed) return;
    removed = true;
    const current = routes.get(adkSessionId);
    if (!current) return;
    const index = current.lastIndexOf(session);
    if (index !== -1) current.splice(index, 1);
    if (current.length === 0) routes.delete(adkSessionId);
  };
}

/** The status session of the most recent running `runWithStatus` for this ADK session id. */
export function statusSessionForAdkSession(adkSessionId: string | undefined): StatusSession | undefined {
  if (adkSessionId === undefined) return undefined;
  return routes.get(adkSessionId)?.at(-1);
}
