/**
 * The browser entry `adk-status-messenger/client`: ESM, no dependencies, no Node imports.
 * `startStatusUpdates` renders into an element; `connectStatusUpdates` only calls back, for
 * frameworks that render themselves.
 */
export { startStatusUpdates } from './start-status-updates.js';
export type { StopStatusUpdates } from './start-status-updates.js';
export { connectStatusUpdates } from './connect-status-updates.js';
export type {
  ConnectionDetail,
  ConnectionState,
  SocketConstructor,
  SocketLike,
  StatusConnection,
  StatusUpdatesOptions,
} from './connect-status-updates.js';
export { backoffDelay } from './backoff.js';
export type { BackoffOptions } from './backoff.js';
export { resolveSocketUrl } from './resolve-socket-url.js';
export type { GapFrame, HelloFrame, StatusFrame, StatusLevel } from '../protocol.js';

// ADK's own event stream (`adk api_server` / `adk web`: POST /run_sse)
export { ADK_STATUS_METADATA_KEY, parseAdkStatusEvent } from './parse-adk-status-event.js';
export type { AdkStatus } from './parse-adk-status-event.js';
export { readAdkEventStream } from './read-adk-event-stream.js';
export type { AdkEventStreamResponse, ReadAdkEventStreamOptions } from './read-adk-event-stream.js';
