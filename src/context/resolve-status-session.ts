/**
 * Finds the status session for code running inside an ADK tool or callback: the
 * AsyncLocalStorage binding first, then the route a running `runWithStatus` registered for
 * the context's ADK user and session.
 */
import { statusSessionForAdkSession } from './adk-session-routes.js';
import type { AdkRouteIds } from './adk-session-routes.js';
import { currentStatusSession } from './status-context.js';
import type { StatusSession } from './status-session.js';

export function resolveStatusSession(ids?: AdkRouteIds): StatusSession | undefined {
  return currentStatusSession() ?? statusSessionForAdkSession(ids);
}
