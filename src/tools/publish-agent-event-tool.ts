/**
 * The `publish_agent_event` tool (the seed's `publish_to_gcp_pubsub_tool`): the model records a structured event for
 * other systems through the events/ publisher. It never throws into the run; every failure is a result it can read.
 */
import { FunctionTool } from '@google/adk';
import type { Context } from '@google/adk';
import { z } from 'zod';
import { EVENT_TYPE_PATTERN } from '../events/agent-event.js';
import { getDefaultEventPublisher } from '../events/publish-agent-event.js';
import { publisherOption } from '../events/publish-agent-event.js';
import type { PubSubEventPublisher } from '../events/pubsub-event-publisher.js';
import { defineOptions, parseOptions } from '../options.js';

export const DEFAULT_PUBLISH_TOOL_NAME = 'publish_agent_event';

export const DEFAULT_PUBLISH_TOOL_DESCRIPTION =
  'Record a structured event about this conversation for other systems (analytics, audit, workflows). ' +
  'Pass a short event_type such as "order_placed" and the event details as a JSON object text in ' +
  'event_data_json, e.g. {"item_id":"XYZ123","quantity":2}. It does not answer the user.';

export interface PublishAgentEventToolOptions {
  /** @default 'publish_agent_event' (use 'publish_to_gcp_pubsub_tool' for prompts written for the seed) */
  name?: string;
  /** What the model reads about the tool. @default DEFAULT_PUBLISH_TOOL_DESCRIPTION */
  description?: string;
  /** @default the default publisher, configured from the environment (`getDefaultEventPublisher()`) */
  publisher?: PubSubEventPublisher;
}

/** What the model gets back. */
export type PublishToolResult =
  | { status: 'published'; event_id: string; message_id: string }
  | { status: 'queued'; event_id: string; note: string }
  | { status: 'disabled'; note: string }
  | { status: 'error'; error: string };

const TOOL_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_.-]{0,63}$/;
const toolOptionsSpec = defineOptions('createPublishAgentEventTool(options)', {
  name: z.string().regex(TOOL_NAME_PATTERN, `a function name matching ${String(TOOL_NAME_PATTERN)}`).default(DEFAULT_PUBLISH_TOOL_NAME),
  description: z.string().trim().min(1).default(DEFAULT_PUBLISH_TOOL_DESCRIPTION),
  publisher: publisherOption,
});

const parameters = z.object({
  event_type: z
    .string()
    .regex(EVENT_TYPE_PATTERN, 'event_type must be 1–256 letters, digits or _.:/- (e.g. "order_placed")')
    .describe('A short label for the kind of event, e.g. "order_placed"'),
  event_data_json: z.string().max(1_000_000).describe('The event details as a JSON text, e.g. {"item_id":"XYZ123"}'),
});

/** The tool publishes with the run's session and ADK ids, `invocation_id` and `agent`; every failure is a result the model can read. */
export function createPublishAgentEventTool(options: PublishAgentEventToolOptions = {}): FunctionTool<typeof parameters> {
  const { name, description, publisher } = parseOptions(toolOptionsSpec, options);

  const execute = async (input: z.infer<typeof parameters>, ctx?: Context): Promise<PublishToolResult> => {
    let data: unknown;
    try {
      data = JSON.parse(input.event_data_json);
    } catch (error) {
      const hint = 'Send the event details as a JSON object text, e.g. {"item_id":"XYZ123","quantity":2}.';
      return { status: 'error', error: `event_data_json is not valid JSON (${(error as Error).message}). ${hint}` };
    }
    const target = publisher ?? getDefaultEventPublisher();
    if (!target) return { status: 'disabled', note: 'Event publishing is not configured on this server. Continue without it.' };
    const outcome = await target.publish(data, input.event_type, { context: ctx });
    if (outcome.status === 'published') return { status: 'published', event_id: outcome.eventId, message_id: outcome.messageId };
    if (outcome.status === 'buffered') {
      return { status: 'queued', event_id: outcome.eventId, note: 'The event is queued and will be published when the event service answers. Continue with the task.' };
    }
    // Only input problems are spelled out: topic names and infrastructure details are not the user's to see.
    const { code, message } = outcome.error;
    return { status: 'error', error: `The event was not published (${code})${code === 'ERR_INVALID_EVENT' ? `: ${message}` : '. Continue with the task.'}` };
  };

  return new FunctionTool({ name, description, parameters, execute });
}

/** The ready-made `publish_agent_event` tool, publishing through the default publisher. */
export const publishAgentEventTool = createPublishAgentEventTool();
