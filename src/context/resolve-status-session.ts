/**
 * Finds the status session for code running inside an ADK tool or callback: the
 * AsyncLocalStorage binding first, then the ADK-session route a running `runWithStatus`
 * registered.
 */
import { statusSessionForAdkSession } from './adk-session-routes.js';
import { currentStatusSession } from './status-context.js';
import type { StatusSession } from './status-session.js';

export function resolveStatusSession(adkSessionId?: string): StatusSession | undefined {
  return currentStatusSession() ?? statusSessionForAdkSession(adkSessionId);
}
