/**
 * The browser entry `adk-status-messenger/client`: ESM, no Node imports. `startStatusUpdates`
 * renders into an element; `connectStatusUpdates` only calls back, for frameworks that render
 * themselves. `FetchEventSource` is for runtimes without `EventSource` (Node); it is the only
 * export that loads a dependency (`eventsource-parser`).
 */
export { startStatusUpdates } from './start-status-updates.js';
export type { StartStatusUpdatesOptions, StopStatusUpdates } from './start-status-updates.js';
export { connectStatusUpdates } from './connect-status-updates.js';
export type {
  ConnectionDetail,
  ConnectionError,
  ConnectionErrorCode,
  ConnectionState,
  EventSourceConstructor,
  EventSourceLike,
  SocketConstructor,
  SocketLike,
  StatusConnection,
  StatusUpdatesOptions,
  TransportKind,
  TransportOption,
} from './connect-status-updates.js';
export type { RunState, StatusStep } from './status-tracker.js';
export { InvalidOptionError } from './check-options.js';
export { InvalidSessionIdError } from './connection-error.js';
export { FetchEventSource } from './fetch-event-source.js';
export { formatDuration, runSummary } from './run-summary.js';
export type { RunSnapshot } from './run-summary.js';
export { backoffDelay } from './backoff.js';
export type { BackoffOptions } from './backoff.js';
export { resolveSocketUrl } from './resolve-socket-url.js';
export type { GapFrame, HelloFrame, RunEndState, StatusFrame, StatusLevel } from '../protocol.js';

// ADK's own event stream (`adk api_server` / `adk web`: POST /run_sse)
export { ADK_STATUS_METADATA_KEY, parseAdkStatusEvent } from './parse-adk-status-event.js';
export type { AdkStatus } from './parse-adk-status-event.js';
export { readAdkEventStream } from './read-adk-event-stream.js';
export type { AdkEventStreamResponse, ReadAdkEventStreamOptions } from './read-adk-event-stream.js';
