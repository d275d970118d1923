/**
 * The seed's `publish_agent_event(data, type)` as `publishAgentEvent`: never throws into the agent run. The tool
 * for the model (the seed's `publish_to_gcp_pubsub_tool`) is in tools/publish-agent-event-tool.ts.
 */
import { getDefaultLogger } from '../logger.js';
import { defineOptions, parseOptions } from '../options.js';
import { PUBLISH_EVENT_OPTION_SHAPE } from './agent-event.js';
import type { PublishEventOptions } from './agent-event.js';
import { getDefaultEventPublisher } from './default-event-publisher.js';
import { publisherOption } from './publisher-options.js';
import type { PubSubEventPublisher } from './pubsub-event-publisher.js';

const spec = defineOptions('publishAgentEvent(data, type, options)', { ...PUBLISH_EVENT_OPTION_SHAPE, publisher: publisherOption });

export interface PublishAgentEventOptions extends PublishEventOptions {
  /** @default the default publisher, configured from the environment (`getDefaultEventPublisher()`) */
  publisher?: PubSubEventPublisher;
}

/**
 * Resolves to the Pub/Sub message id, or `undefined`: publishing off (one log line says why), not confirmed by the
 * deadline (still held), dropped (reported), or an unknown option (logged). Inside `runWithStatus` the event
 * carries the browser's session id and the run's ADK ids; pass `{ context }` for `invocation_id` and `agent`.
 */
export async function publishAgentEvent(eventData: unknown, eventType = 'agent_event', options: PublishAgentEventOptions = {}): Promise<string | undefined> {
  try {
    parseOptions(spec, options);
    const { publisher: explicit, ...publishOptions } = options ?? {};
    const outcome = await (explicit ?? getDefaultEventPublisher())?.publish(eventData, eventType, publishOptions);
    return outcome?.status === 'published' ? outcome.messageId : undefined;
  } catch (error) {
    // A wiring bug (an unknown option) or a bug of ours: said loudly, and the agent run goes on.
    getDefaultLogger().error(`publishAgentEvent did not publish: ${(error as Error).message}`);
    return undefined;
  }
}
