/**
 * The React entry `adk-status-messenger/react`: `useStatusUpdates(url, options)`. React ≥ 18 is
 * an optional peer dependency: only this entry imports it.
 */
export { useStatusUpdates } from './use-status-updates.js';
export type { StatusUpdatesSnapshot, UseStatusUpdatesOptions } from './use-status-updates.js';
export { formatDuration, runSummary } from '../client/run-summary.js';
export type {
  ConnectionDetail,
  ConnectionState,
  RunState,
  StatusFrame,
  StatusStep,
  TransportKind,
} from '../client/index.js';
