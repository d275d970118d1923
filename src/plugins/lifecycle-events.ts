/**
 * The lifecycle events the plugin produces, for Pub/Sub or any other sink. Each event has
 * exactly one producer: the plugin callback or the tool wrapper that claimed the call.
 */
export type LifecycleEventType = 'run_start' | 'run_end' | 'tool_call' | 'tool_result' | 'tool_error' | 'agent_transfer';

export interface LifecycleEvent {
  type: LifecycleEventType;
  /** `tool_call`: `{ tool, agent, args }`; `tool_result`: `{ tool, agent, duration_ms }`;
   * `tool_error`: `{ tool, agent, error, duration_ms }`; `agent_transfer`: `{ from, to }`;
   * `run_start`/`run_end`: `{ agent }`. */
  data: Record<string, unknown>;
  /** The browser's session id (the status session), when the run is bound to one. */
  statusSessionId?: string;
  /** ADK ids, when known. */
  adk: {
    appName?: string;
    userId?: string;
    sessionId?: string;
    invocationId?: string;
    agent?: string;
  };
}

/** Receives lifecycle events; may be async. Failures are logged, never thrown into the run. */
export type LifecycleEventSink = (event: LifecycleEvent) => unknown;
