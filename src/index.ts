/**
 * adk-status-messenger — live status from Google ADK agents to the user's browser.
 * The Node entry: an explicit list of the documented API (each name is in the README's API table
 * or a docs page). The wire contract's constants and parsers are in `adk-status-messenger/protocol`;
 * its types are here too.
 */

// The wire contract's types
export type {
  StatusEventMetadata,
  AgentInterruptedFrame,
  AgentMessageFrame,
  AgentTurnCompleteFrame,
  ErrorFrame,
  GapFrame,
  HelloFrame,
  ServerFrame,
  StatusFrame,
  StatusInput,
  StatusLevel,
  StatusUpdate,
} from './protocol.js';

// Errors and logging
export { StatusMessengerError } from './errors.js';
export type { StatusMessengerErrorCode } from './errors.js';
export { consoleLogger, getDefaultLogger, setDefaultLogger, silentLogger } from './logger.js';
export type { Logger } from './logger.js';

// Session binding (the seed's ContextVar) and seed parity
export { currentStatusSession } from './binding/context.js';
export type { AdkRunIds, StatusDelivery, StatusSendOptions, StatusSession } from './binding/context.js';
export type { RunEndMessages } from './binding/status-run.js';
export { withStatusSession } from './runner/run-with-status.js';
export type { WithStatusSessionOptions } from './runner/run-with-status.js';
export type { StatusSink } from './destinations/hub-session.js';
export { addStatusMessage } from './tools/add-status-message.js';
export { streamStatusUpdates } from './destinations/status-stream.js';
export type { StatusStreamItem, StatusUpdateStream, StreamStatusUpdatesOptions } from './destinations/status-stream.js';

// The tool
export {
  DEFAULT_STATUS_TOOL_DESCRIPTION,
  DEFAULT_STATUS_TOOL_NAME,
  createStatusMessageTool,
  isStatusMessageTool,
  statusMessageTool,
} from './tools/status-message-tool.js';
export type { StatusMessageToolOptions, StatusToolResult } from './tools/status-message-tool.js';

// The runner wrappers
export { runLiveWithStatus, runWithStatus } from './runner/run-with-status.js';
export type {
  RunLiveWithStatusParams,
  RunWithStatusParams,
  StatusLiveRunnable,
  StatusRunnable,
  StatusRunOptions,
} from './runner/run-with-status.js';

// The hub: façade, transports (WebSocket, SSE) and the adapter seam for scale-out
export { StatusHub } from './hub/status-hub.js';
export type {
  SendFrameOptions,
  SseRequestHandler,
  StatusEventMeta,
  StatusHubEvents,
  StatusHubStats,
} from './hub/status-hub.js';
export { HUB_DEFAULTS } from './hub/hub-options.js';
export type {
  AttachOptions,
  AuthorizeHook,
  AuthorizeResult,
  HandleUpgradeOptions,
  SseHandlerOptions,
  StatusHubOptions,
} from './hub/hub-options.js';
export type { OriginPolicy } from './hub/transports/request-checks.js';
export { InMemoryAdapter } from './hub/adapters/in-memory-adapter.js';
export type { AdapterHost, HubAdapter, NumberedStatus } from './hub/adapters/hub-adapter.js';

// Zero-LLM lifecycle status
export { StatusPlugin } from './plugins/status-plugin.js';
export type { StatusPluginOptions } from './plugins/status-plugin.js';
export type { LifecycleEvent, LifecycleEventSink, LifecycleEventType } from './plugins/lifecycle-events.js';
export type { StatusTemplate, TemplateValues, ToolTemplates } from './plugins/status-templates.js';

// Agent events to Google Cloud Pub/Sub
export { publishAgentEvent } from './events/publish-agent-event.js';
export type { PublishAgentEventOptions } from './events/publish-agent-event.js';
export { PubSubEventPublisher } from './events/pubsub-event-publisher.js';
export type { PublishEventOptions } from './events/agent-event.js';
export { PUBLISHER_DEFAULTS } from './events/publisher-options.js';
export type {
  PubSubBatchingOptions,
  PubSubEventPublisherOptions,
  PublishErrorDetails,
  PublishErrorHandler,
} from './events/publisher-options.js';
export type { CloseResult, FlushResult, PublishOutcome, PublisherState, PubSubPublisherStats } from './events/publisher-options.js';
export { getDefaultEventPublisher, setDefaultEventPublisher } from './events/publish-agent-event.js';
export {
  DEFAULT_PUBLISH_TOOL_DESCRIPTION,
  DEFAULT_PUBLISH_TOOL_NAME,
  createPublishAgentEventTool,
  publishAgentEventTool,
} from './tools/publish-agent-event-tool.js';
export type { PublishAgentEventToolOptions, PublishToolResult } from './tools/publish-agent-event-tool.js';
export { mirrorStatusesToPubSub } from './events/mirror-statuses-to-pubsub.js';
export type { MirrorStatusesOptions, StatusEventSource, StatusMessageEventData } from './events/mirror-statuses-to-pubsub.js';
export { EVENT_TYPE_PATTERN } from './events/agent-event.js';
export type { AgentEvent, AgentEventIds } from './events/agent-event.js';
export type { AdkEventContext, EventIdSources } from './events/agent-event.js';
export type { EventTopic, EventTopicCallOptions, EventTopicMessage } from './events/event-topic.js';
export { PUBSUB_ENV, readPubSubEnv } from './events/publish-agent-event.js';
export type { PubSubEnvConfig } from './events/publish-agent-event.js';

// Scale-out: many instances as one hub
export { PubSubAdapter } from './hub/adapters/pubsub-adapter.js';
export type { PubSubAdapterOptions, RelayStats } from './hub/adapters/pubsub-adapter.js';

// A2A: statuses across agent boundaries (served side and RemoteA2AAgent consumers)
export { withA2AStatus } from './adk/a2a-status.js';
export { toA2AStatusEvent } from './destinations/a2a-bus.js';
export type { WithA2AStatusOptions } from './adk/a2a-status.js';
export { toA2aWithStatus } from './adk/to-a2a-with-status.js';
export type { A2aRoot } from './adk/to-a2a-with-status.js';
export type { ForwardRemoteStatusMode } from './adk/remote-a2a-status.js';

// MCP: the progress notifications of MCP tools as statuses
export { withMcpProgress } from './adk/mcp-progress.js';
export type { WithMcpProgressOptions } from './adk/mcp-progress.js';

// ADK-native delivery: statuses in ADK's own event stream (adk web, adk api_server, runAsync)
export { STATUS_EVENT_METADATA_KEY } from './protocol.js';
export type { StatusRunIdentity } from './plugins/status-plugin.js';
export { sharedStatusHub, sharedStatusHubAddress } from './hub/shared-status-hub.js';
export type { SharedStatusHubOptions } from './hub/shared-status-hub.js';
