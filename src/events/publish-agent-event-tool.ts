/**
 * `publishAgentEventTool`: the seed's `publish_to_gcp_pubsub_tool` as an ADK `FunctionTool`. The
 * model passes `event_type` and `event_data_json` (a JSON text); bad JSON, a disabled
 * publisher or an unreachable Pub/Sub come back to the model as a result it can read, never as
 * an exception. The event carries the run's session and ADK ids, `invocation_id` and `agent`.
 */
import { FunctionTool } from '@google/adk';
import type { Context } from '@google/adk';
import { z } from 'zod';
import { defineOptions, parseOptions } from '../options.js';
import { EVENT_TYPE_PATTERN } from './agent-event.js';
import { getDefaultEventPublisher } from './default-event-publisher.js';
import { publisherOption } from './pubsub-event-publisher.js';
import type { PubSubEventPublisher } from './pubsub-event-publisher.js';

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
  name: z.string().regex(TOOL_NAME_PATTERN, 'a function name matching /^[A-Za-z_][A-Za-z0-9_.-]{0,63}$/').default(DEFAULT_PUBLISH_TOOL_NAME),
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

function parseJson(text: string): { ok: true; value: unknown } | { ok: false; error: string } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (error) {
    return {
      ok: false,
      error:
        `event_data_json is not valid JSON (${(error as Error).message}). ` +
        'Send the event details as a JSON object text, e.g. {"item_id":"XYZ123","quantity":2}.',
    };
  }
}

export function createPublishAgentEventTool(options: PublishAgentEventToolOptions = {}): FunctionTool<typeof parameters> {
  const { name, description, publisher } = parseOptions(toolOptionsSpec, options);

  const execute = async (input: z.infer<typeof parameters>, ctx?: Context): Promise<PublishToolResult> => {
    const parsed = parseJson(input.event_data_json);
    if (!parsed.ok) return { status: 'error', error: parsed.error };
    const target = publisher ?? getDefaultEventPublisher();
    if (!target) {
      return { status: 'disabled', note: 'Event publishing is not configured on this server. Continue without it.' };
    }
    const outcome = await target.publish(parsed.value, input.event_type, { context: ctx });
    switch (outcome.status) {
      case 'published':
        return { status: 'published', event_id: outcome.eventId, message_id: outcome.messageId };
      case 'buffered':
        return {
          status: 'queued',
          event_id: outcome.eventId,
          note: 'The event is queued and will be published when the event service answers. Continue with the task.',
        };
      default: {
        // Only input problems are spelled out: the model may repeat the text to the user, and
        // topic names and infrastructure details are not theirs to see.
        const { code, message } = outcome.error;
        const detail = code === 'ERR_INVALID_EVENT' ? `: ${message}` : '. Continue with the task.';
        return { status: 'error', error: `The event was not published (${code})${detail}` };
      }
    }
  };

  return new FunctionTool({ name, description, parameters, execute });
}

/** The ready-made `publish_agent_event` tool, publishing through the default publisher. */
export const publishAgentEventTool = createPublishAgentEventTool();
