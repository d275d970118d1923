/**
 * The publisher behind `publishAgentEvent`, `publishAgentEventTool` and `mirrorStatusesToPubSub`
 * when none is passed: created on first use from the seed's environment variables, or set
 * explicitly. When the variables leave publishing off, ONE log line says which variable and why.
 *
 * - `STATUS_MESSENGER_PUBSUB_ENABLED`: `true` (or `1`) turns publishing on.
 * - `GOOGLE_CLOUD_PROJECT`: the project of the topic.
 * - `STATUS_MESSENGER_PUBSUB_TOPIC_ID`: the topic id (or its full `projects/…/topics/…` name).
 * - `PUBSUB_EMULATOR_HOST` is read by `@google-cloud/pubsub` itself.
 */
import { getDefaultLogger } from '../logger.js';
import { PubSubEventPublisher } from './pubsub-event-publisher.js';

export const PUBSUB_ENV = {
  enabled: 'STATUS_MESSENGER_PUBSUB_ENABLED',
  project: 'GOOGLE_CLOUD_PROJECT',
  topic: 'STATUS_MESSENGER_PUBSUB_TOPIC_ID',
} as const;

export type PubSubEnvConfig =
  | { enabled: true; projectId: string; topicName: string }
  | {
      enabled: false;
      /** The variables at fault, e.g. `['GOOGLE_CLOUD_PROJECT']`. */
      variables: string[];
      /** One sentence that names them, for the log. */
      reason: string;
      /** `true` when publishing was switched on but the rest is missing or malformed. */
      misconfigured: boolean;
    };

/** Topic ids: 3–255 characters, a letter first, then letters, digits and `-_.~+%` (Pub/Sub's rule). */
const TOPIC_ID_PATTERN = /^[A-Za-z][A-Za-z0-9\-_.~+%]{2,254}$/;
const TOPIC_NAME_PATTERN = /^projects\/[^/\s]+\/topics\/[A-Za-z][A-Za-z0-9\-_.~+%]{2,254}$/;

const ENABLED_VALUES = new Set(['true', '1']);

const shown = (value: string | undefined): string => (value === undefined ? 'not set' : `"${value.slice(0, 80)}"`);

export function readPubSubEnv(env: NodeJS.ProcessEnv = process.env): PubSubEnvConfig {
  const enabled = env[PUBSUB_ENV.enabled];
  if (enabled === undefined || !ENABLED_VALUES.has(enabled.trim().toLowerCase())) {
    return {
      enabled: false,
      variables: [PUBSUB_ENV.enabled],
      reason: `${PUBSUB_ENV.enabled} is ${shown(enabled)}; set it to "true" to publish agent events`,
      misconfigured: false,
    };
  }
  const projectId = env[PUBSUB_ENV.project]?.trim() ?? '';
  const topicName = env[PUBSUB_ENV.topic]?.trim() ?? '';
  const missing: string[] = [];
  if (projectId === '') missing.push(PUBSUB_ENV.project);
  if (topicName === '') missing.push(PUBSUB_ENV.topic);
  if (missing.length > 0) {
    return {
      enabled: false,
      variables: missing,
      reason: `${PUBSUB_ENV.enabled} is true but ${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} not set`,
      misconfigured: true,
    };
  }
  if (!TOPIC_ID_PATTERN.test(topicName) && !TOPIC_NAME_PATTERN.test(topicName)) {
    return {
      enabled: false,
      variables: [PUBSUB_ENV.topic],
      reason:
        `${PUBSUB_ENV.topic} is ${shown(topicName)}, not a topic id (3–255 characters: a letter, then ` +
        'letters, digits or -_.~+%) nor a full "projects/<project>/topics/<topic>" name',
      misconfigured: true,
    };
  }
  return { enabled: true, projectId, topicName };
}

// `undefined`: not decided yet (the env is read at the next use); `null`: publishing is off.
let current: PubSubEventPublisher | null | undefined;

/**
 * The default publisher, or `undefined` when publishing is off. The first call reads
 * `STATUS_MESSENGER_PUBSUB_ENABLED`, `GOOGLE_CLOUD_PROJECT` and `STATUS_MESSENGER_PUBSUB_TOPIC_ID`;
 * `@google-cloud/pubsub` itself is loaded only at the first publish.
 */
export function getDefaultEventPublisher(): PubSubEventPublisher | undefined {
  if (current === undefined) {
    const config = readPubSubEnv();
    const logger = getDefaultLogger();
    if (!config.enabled) {
      const line = `Agent events are not published to Pub/Sub: ${config.reason}. publishAgentEvent() resolves to undefined.`;
      if (config.misconfigured) logger.warn(line);
      else logger.info(line);
      current = null;
    } else {
      current = new PubSubEventPublisher({ topicName: config.topicName, projectId: config.projectId });
      const emulator = process.env.PUBSUB_EMULATOR_HOST;
      logger.info(
        `Publishing agent events to Pub/Sub topic ${config.topicName} of project ${config.projectId}` +
          (emulator ? ` on the emulator at ${emulator}` : ''),
      );
    }
  }
  return current ?? undefined;
}

/**
 * Makes `publisher` the default for `publishAgentEvent`, `publishAgentEventTool` and
 * `mirrorStatusesToPubSub`. `undefined` forgets the current one: the environment is read again
 * at the next use. Returns the previous default, which is not closed: close it when done.
 */
export function setDefaultEventPublisher(publisher: PubSubEventPublisher | undefined): PubSubEventPublisher | undefined {
  const previous = current ?? undefined;
  current = publisher;
  return previous;
}
