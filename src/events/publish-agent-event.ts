/**
 * Seed parity: `publishAgentEvent(eventData, eventType = 'agent_event')` publishes one agent
 * event with the session id of the bound status session, as the seed's `publish_agent_event`.
 * It never throws into the agent run: every outcome is a value, every failure is reported.
 */
import { z } from 'zod';
import { getDefaultLogger } from '../logger.js';
import { defineOptions, parseOptions } from '../options.js';
import { getDefaultEventPublisher } from './default-event-publisher.js';
import { PUBLISH_EVENT_OPTION_SHAPE, publisherOption } from './pubsub-event-publisher.js';
import type { PubSubEventPublisher, PublishEventOptions } from './pubsub-event-publisher.js';

const spec = defineOptions('publishAgentEvent(data, type, options)', {
  ...PUBLISH_EVENT_OPTION_SHAPE,
  publisher: publisherOption,
});

export interface PublishAgentEventOptions extends PublishEventOptions {
  /** @default the default publisher, configured from the environment (`getDefaultEventPublisher()`) */
  publisher?: PubSubEventPublisher;
}

/**
 * Resolves to the Pub/Sub message id; or to `undefined` when publishing is off (one log line
 * says why), when Pub/Sub did not confirm within the publisher's deadline (the event stays
 * buffered and is sent later, in order), or when the event was dropped (reported through the
 * publisher's `onError`), or when `options` has an unknown key (logged as `ERR_INVALID_OPTION`).
 * Don't await it to publish in the background.
 *
 * Inside `runWithStatus` (or `withStatusSession`) the event carries the browser's session id
 * and the run's ADK ids; pass `{ context }` from a tool or callback for `invocation_id` and `agent`.
 */
export async function publishAgentEvent(
  eventData: unknown,
  eventType = 'agent_event',
  options: PublishAgentEventOptions = {},
): Promise<string | undefined> {
  try {
    parseOptions(spec, options);
    const { publisher: explicit, ...publishOptions } = options ?? {};
    const publisher = explicit ?? getDefaultEventPublisher();
    if (!publisher) return undefined;
    const outcome = await publisher.publish(eventData, eventType, publishOptions);
    return outcome.status === 'published' ? outcome.messageId : undefined;
  } catch (error) {
    // A wiring bug (an unknown option) or a bug of ours: said loudly, and the agent run goes on.
    getDefaultLogger().error(`publishAgentEvent did not publish: ${(error as Error).message}`);
    return undefined;
  }
}
