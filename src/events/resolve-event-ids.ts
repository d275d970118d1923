/**
 * Where an event's session id and ADK ids come from when the caller does not say: the status
 * session bound to the current async context (`runWithStatus`, `withStatusSession`), then the
 * ADK `Context` of the tool or callback that publishes.
 */
import { resolveStatusSession } from '../context/resolve-status-session.js';
import type { AgentEventIds } from './agent-event.js';

/** The parts of an ADK `Context` (tool context, callback context) an event can use. */
export interface AdkEventContext {
  readonly invocationId?: string;
  readonly agentName?: string;
  readonly userId?: string;
  readonly sessionId?: string;
  readonly invocationContext?: { readonly appName?: string };
}

export interface EventIdSources {
  /** Supplies `invocation_id` and `agent`, and ADK ids the binding lacks. */
  context?: AdkEventContext;
  /** Overrides the bound session; `null` publishes without one. */
  websocketSessionId?: string | null;
  /** Overrides individual ADK ids. */
  ids?: AgentEventIds;
}

export interface ResolvedEventIds {
  websocketSessionId: string | null;
  ids: AgentEventIds;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

export function resolveEventIds(sources: EventIdSources = {}): ResolvedEventIds {
  const { context, websocketSessionId, ids = {} } = sources;
  const session = resolveStatusSession({ userId: text(context?.userId), sessionId: text(context?.sessionId) });
  // The binding's ADK ids describe its own session only: an explicit, different session id
  // (e.g. a status mirrored for another session) must not borrow them.
  const bound = session && (websocketSessionId === undefined || websocketSessionId === session.sessionId) ? session : undefined;
  const adk = bound?.adk;
  // Inside an AgentTool the context's appName is the sub-agent's name (ADK-NOTES pitfall 2), so
  // the binding's app name, set from the outer runner, comes first.
  const appName = text(context?.invocationContext?.appName);
  return {
    websocketSessionId: websocketSessionId === undefined ? (session?.sessionId ?? null) : websocketSessionId,
    ids: {
      appName: text(ids.appName) ?? text(adk?.appName) ?? appName,
      userId: text(ids.userId) ?? text(adk?.userId) ?? text(context?.userId),
      sessionId: text(ids.sessionId) ?? text(adk?.sessionId) ?? text(context?.sessionId),
      invocationId: text(ids.invocationId) ?? text(context?.invocationId),
      agent: text(ids.agent) ?? text(context?.agentName),
    },
  };
}
