/**
 * Strict options on every Pub/Sub API: an unknown key, nested ones too, is an
 * `ERR_INVALID_OPTION` naming it (with a "did you mean"), never silently ignored. No Pub/Sub
 * call is made: these fail at construction.
 */
import { StatusMessengerError } from '../../src/errors.js';
import { mirrorStatusesToPubSub } from '../../src/events/mirror-statuses-to-pubsub.js';
import { publishAgentEvent } from '../../src/events/publish-agent-event.js';
import { createPublishAgentEventTool } from '../../src/tools/publish-agent-event-tool.js';
import { PubSubEventPublisher } from '../../src/events/pubsub-event-publisher.js';
import { PubSubAdapter } from '../../src/hub/adapters/pubsub-adapter.js';
import { StatusHub } from '../../src/hub/status-hub.js';
import { setDefaultLogger, silentLogger } from '../../src/logger.js';

function thrown(fn: () => unknown): StatusMessengerError {
  try {
    fn();
  } catch (error) {
    if (StatusMessengerError.isInstance(error, 'ERR_INVALID_OPTION')) return error;
    throw error;
  }
  throw new Error('did not throw');
}

describe('strict options of the Pub/Sub APIs', () => {
  const hub = new StatusHub({ logger: silentLogger });
  afterAll(() => hub.close());

  it('PubSubAdapter rejects unknown keys, with a suggestion, and Pub/Sub ranges it cannot keep', () => {
    expect(thrown(() => new PubSubAdapter({ topicName: 'relay-topic', retention: 600 } as never)).message).toContain(
      'unknown option `retention` (did you mean `retentionSeconds`?',
    );
    expect(thrown(() => new PubSubAdapter({ topicName: 'relay-topic', instanceID: 'a' } as never)).message).toContain('`instanceId`');
    expect(thrown(() => new PubSubAdapter({ topicName: 'relay-topic', hub } as never)).message).toContain('`hub`');
    expect(thrown(() => new PubSubAdapter({ topicName: 'relay-topic', retentionSeconds: 60 })).message).toContain('`retentionSeconds`');
    expect(thrown(() => new PubSubAdapter({ topicName: 'relay-topic', subscriptionTtlSeconds: 3600 })).message).toContain('`subscriptionTtlSeconds`');
  });

  it('the tool and the mirror reject unknown keys', () => {
    expect(thrown(() => createPublishAgentEventTool({ nmae: 'x' } as never)).message).toContain('did you mean `name`');
    expect(thrown(() => mirrorStatusesToPubSub(hub, { includeRelay: true } as never)).message).toContain('did you mean `includeRelayed`');
  });

  it('publish() and publishAgentEvent() refuse an unknown key without throwing into the run', async () => {
    const reported: string[] = [];
    const publisher = new PubSubEventPublisher({ topicName: 'events-topic', projectId: 'p', onError: (e) => reported.push(e.message) });
    const outcome = await publisher.publish({ a: 1 }, 'agent_event', { websocketSesionId: 's' } as never);
    expect(outcome.status === 'dropped' && outcome.error.code).toBe('ERR_INVALID_OPTION');
    expect(reported[0]).toContain('did you mean `websocketSessionId`');
    const lines: string[] = [];
    setDefaultLogger({ ...silentLogger, error: (line: string) => lines.push(line) });
    try {
      expect(await publishAgentEvent({ a: 1 }, 'agent_event', { publisher, publsher: 1 } as never)).toBeUndefined();
    } finally {
      setDefaultLogger(silentLogger);
    }
    expect(lines[0]).toContain('unknown option `publsher`');
    await publisher.close(100);
  });
});
