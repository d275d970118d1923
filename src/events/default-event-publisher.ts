/**
 * The publisher behind `publishAgentEvent` and `publishAgentEventTool` when none is passed:
 * created on first use from the seed's environment variables, or set explicitly. When the
 * variables leave publishing off, ONE log line says which variable and why.
 */
import { getDefaultLogger } from '../logger.js';
import { PubSubEventPublisher } from './pubsub-event-publisher.js';
import { readPubSubEnv } from './read-pubsub-env.js';

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
