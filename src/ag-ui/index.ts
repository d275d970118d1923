/**
 * `adk-status-messenger/ag-ui`: ADK agents served over AG-UI (CopilotKit and every AG-UI client),
 * with the run's live statuses as activity messages (`activityType: 'STATUS'`). Needs the
 * optional peers `@ag-ui/core` and `@ag-ui/encoder`. See docs/ag-ui.md.
 */
export { agUiHandler } from './ag-ui-handler.js';
export type { AgUiHandlerOptions, AgUiRequest, AgUiRequestHandler, AgUiUserId } from './ag-ui-handler.js';
export { toAgUiEvents } from './to-ag-ui-events.js';
export type { AgUiEventStream, AgUiRunnable, AgUiStatusContent, ToAgUiEventsOptions } from './to-ag-ui-events.js';
export type { AgUiRunInput } from './run-agent-input.js';
