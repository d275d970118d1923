/**
 * The seed's `publish_agent_event(data, type)` as `publishAgentEvent` (never throws into the agent run), and the
 * default publisher behind it, the tool (tools/publish-agent-event-tool.ts) and the mirror when none is passed: set
 * explicitly, or made at first use from the seed's environment variables (docs/pubsub.md); when they leave
 * publishing off, ONE line says why.
 */
import { z } from 'zod';
import { getDefaultLogger } from '../logger.js';
import { defineOptions, parseOptions } from '../options.js';
import { PUBLISH_EVENT_OPTION_SHAPE } from './agent-event.js';
import type { PublishEventOptions } from './agent-event.js';
import { PubSubEventPublisher } from './pubsub-event-publisher.js';

/** The `publisher` option of `publishAgentEvent`, the tool and the mirror. */
export const publisherOption = z
  .custom<PubSubEventPublisher>((v) => typeof (v as { publish?: unknown } | null)?.publish === 'function', { message: 'a PubSubEventPublisher' })
  .optional();

export const PUBSUB_ENV = { enabled: 'STATUS_MESSENGER_PUBSUB_ENABLED', project: 'GOOGLE_CLOUD_PROJECT', topic: 'STATUS_MESSENGER_PUBSUB_TOPIC_ID' } as const;

/** Off: `variables` are the ones at fault, `reason` names them, `misconfigured` when enabled but the rest is missing or malformed. */
export type PubSubEnvConfig =
  | { enabled: true; projectId: string; topicName: string }
  | { enabled: false; variables: string[]; reason: string; misconfigured: boolean };

/** A topic id (3–255 characters, a letter first, then letters, digits and `-_.~+%`: Pub/Sub's rule), or a full name. */
const TOPIC_PATTERN = /^(projects\/[^/\s]+\/topics\/)?[A-Za-z][A-Za-z0-9\-_.~+%]{2,254}$/;

const shown = (value: string | undefined): string => (value === undefined ? 'not set' : `"${value.slice(0, 80)}"`);
const off = (variables: string[], reason: string, misconfigured = true): PubSubEnvConfig => ({ enabled: false, variables, reason, misconfigured });

export function readPubSubEnv(env: NodeJS.ProcessEnv = process.env): PubSubEnvConfig {
  const { enabled: ENABLED, project: PROJECT, topic: TOPIC } = PUBSUB_ENV;
  const enabled = env[ENABLED];
  if (!['true', '1'].includes(enabled?.trim().toLowerCase() ?? '')) {
    return off([ENABLED], `${ENABLED} is ${shown(enabled)}; set it to "true" to publish agent events`, false);
  }
  const projectId = env[PROJECT]?.trim() ?? '';
  const topicName = env[TOPIC]?.trim() ?? '';
  const missing = [projectId === '' && PROJECT, topicName === '' && TOPIC].filter((name) => name !== false);
  if (missing.length > 0) return off(missing, `${ENABLED} is true but ${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} not set`);
  if (!TOPIC_PATTERN.test(topicName)) {
    const expected = 'not a topic id (3–255 characters: a letter, then letters, digits or -_.~+%) nor a full "projects/<project>/topics/<topic>" name';
    return off([TOPIC], `${TOPIC} is ${shown(topicName)}, ${expected}`);
  }
  return { enabled: true, projectId, topicName };
}

// `undefined`: not decided yet (the env is read at the next use); `null`: publishing is off.
let current: PubSubEventPublisher | null | undefined;

/** The default publisher, or `undefined` when publishing is off; `@google-cloud/pubsub` is loaded only at the first publish. */
export function getDefaultEventPublisher(): PubSubEventPublisher | undefined {
  if (current === undefined) {
    const config = readPubSubEnv();
    const logger = getDefaultLogger();
    if (!config.enabled) {
      logger[config.misconfigured ? 'warn' : 'info'](`Agent events are not published to Pub/Sub: ${config.reason}. publishAgentEvent() resolves to undefined.`);
      current = null;
    } else {
      current = new PubSubEventPublisher({ topicName: config.topicName, projectId: config.projectId });
      const emulator = process.env.PUBSUB_EMULATOR_HOST;
      logger.info(`Publishing agent events to Pub/Sub topic ${config.topicName} of project ${config.projectId}${emulator ? ` on the emulator at ${emulator}` : ''}`);
    }
  }
  return current ?? undefined;
}

/** Makes `publisher` the default (`undefined`: read the environment again at the next use). Returns the previous one, not closed. */
export function setDefaultEventPublisher(publisher: PubSubEventPublisher | undefined): PubSubEventPublisher | undefined {
  const previous = current ?? undefined;
  current = publisher;
  return previous;
}

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
