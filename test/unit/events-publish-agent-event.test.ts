/**
 * publishAgentEvent and publishAgentEventTool with the seed's env configuration: off, half
 * configured, and on with `@google-cloud/pubsub` missing. The package itself is the only fake
 * (it is "not installed" in this file), so a test also sees whether it was loaded at all.
 */
import { StatusMessengerError } from '../../src/errors.js';
import { setDefaultEventPublisher } from '../../src/events/publish-agent-event.js';
import { publishAgentEvent } from '../../src/events/publish-agent-event.js';
import { createPublishAgentEventTool, publishAgentEventTool } from '../../src/tools/publish-agent-event-tool.js';
import { PubSubEventPublisher } from '../../src/events/pubsub-event-publisher.js';
import { readPubSubEnv } from '../../src/events/publish-agent-event.js';
import { setDefaultLogger, silentLogger } from '../../src/logger.js';
import type { Logger } from '../../src/logger.js';

let mockPubSubLoads = 0;
jest.mock('@google-cloud/pubsub', () => {
  mockPubSubLoads += 1;
  throw Object.assign(new Error("Cannot find module '@google-cloud/pubsub' from 'src/events/load-pubsub.ts'"), {
    code: 'MODULE_NOT_FOUND',
  });
});

const ENV_KEYS = ['STATUS_MESSENGER_PUBSUB_ENABLED', 'GOOGLE_CLOUD_PROJECT', 'STATUS_MESSENGER_PUBSUB_TOPIC_ID'] as const;

interface Line {
  level: 'debug' | 'info' | 'warn' | 'error';
  text: string;
}

function recordingLogger(): Logger & { lines: Line[] } {
  const lines: Line[] = [];
  const at = (level: Line['level']) => (message: string, ...details: unknown[]) =>
    lines.push({ level, text: [message, ...details.map(String)].join(' ') });
  return { lines, debug: () => {}, info: at('info'), warn: at('warn'), error: at('error') };
}

type ToolRunner = { runAsync(request: { args: Record<string, unknown>; toolContext: unknown }): Promise<unknown> };

describe('publishAgentEvent with the environment configuration', () => {
  const saved: Record<string, string | undefined> = {};
  let logger: ReturnType<typeof recordingLogger>;

  beforeEach(() => {
    for (const key of ENV_KEYS) {
      saved[key] = process.env[key];
      delete process.env[key];
    }
    setDefaultEventPublisher(undefined);
    logger = recordingLogger();
    setDefaultLogger(logger);
    mockPubSubLoads = 0;
  });
  afterEach(async () => {
    await setDefaultEventPublisher(undefined)?.close(100);
    for (const key of ENV_KEYS) {
      if (saved[key] === undefined) delete process.env[key];
      else process.env[key] = saved[key];
    }
    setDefaultLogger(silentLogger);
  });

  async function callThrice(): Promise<unknown[]> {
    return [await publishAgentEvent({ a: 1 }), await publishAgentEvent({ a: 2 }, 'custom'), await publishAgentEvent('x')];
  }

  it('is off by default: resolves undefined, logs ONE line naming STATUS_MESSENGER_PUBSUB_ENABLED, never loads the package', async () => {
    expect(await callThrice()).toEqual([undefined, undefined, undefined]);
    expect(logger.lines).toHaveLength(1);
    expect(logger.lines[0]!.level).toBe('info');
    expect(logger.lines[0]!.text).toContain('STATUS_MESSENGER_PUBSUB_ENABLED is not set');
    expect(mockPubSubLoads).toBe(0);
  });

  it('names the value when STATUS_MESSENGER_PUBSUB_ENABLED is false', async () => {
    process.env.STATUS_MESSENGER_PUBSUB_ENABLED = 'false';
    process.env.GOOGLE_CLOUD_PROJECT = 'proj';
    process.env.STATUS_MESSENGER_PUBSUB_TOPIC_ID = 'events';
    expect(await callThrice()).toEqual([undefined, undefined, undefined]);
    expect(logger.lines.map((l) => l.text)).toEqual([expect.stringContaining('STATUS_MESSENGER_PUBSUB_ENABLED is "false"')]);
  });

  it.each([
    [{ STATUS_MESSENGER_PUBSUB_TOPIC_ID: 'events' }, ['GOOGLE_CLOUD_PROJECT'], ['STATUS_MESSENGER_PUBSUB_TOPIC_ID']],
    [{ GOOGLE_CLOUD_PROJECT: 'proj' }, ['STATUS_MESSENGER_PUBSUB_TOPIC_ID'], ['GOOGLE_CLOUD_PROJECT']],
    [{}, ['GOOGLE_CLOUD_PROJECT', 'STATUS_MESSENGER_PUBSUB_TOPIC_ID'], []],
    [{ GOOGLE_CLOUD_PROJECT: 'proj', STATUS_MESSENGER_PUBSUB_TOPIC_ID: 'x' }, ['STATUS_MESSENGER_PUBSUB_TOPIC_ID'], ['GOOGLE_CLOUD_PROJECT']],
  ])('half configured %j: no throw, ONE warning naming %j', async (env, named, notNamed) => {
    process.env.STATUS_MESSENGER_PUBSUB_ENABLED = 'true';
    Object.assign(process.env, env);
    expect(await callThrice()).toEqual([undefined, undefined, undefined]);
    expect(logger.lines).toHaveLength(1);
    expect(logger.lines[0]!.level).toBe('warn');
    for (const variable of named) expect(logger.lines[0]!.text).toContain(variable);
    for (const variable of notNamed) expect(logger.lines[0]!.text).not.toContain(variable);
    expect(mockPubSubLoads).toBe(0);
  });

  it('fully configured without @google-cloud/pubsub installed: no throw, ERR_PUBSUB_NOT_INSTALLED reported once, loaded once', async () => {
    Object.assign(process.env, { STATUS_MESSENGER_PUBSUB_ENABLED: 'TRUE', GOOGLE_CLOUD_PROJECT: 'proj', STATUS_MESSENGER_PUBSUB_TOPIC_ID: 'events' });
    expect(await callThrice()).toEqual([undefined, undefined, undefined]);
    expect(mockPubSubLoads).toBe(1);
    const errors = logger.lines.filter((l) => l.level === 'error');
    expect(errors).toHaveLength(1); // later reports of the same code are throttled
    expect(errors[0]!.text).toContain('ERR_PUBSUB_NOT_INSTALLED');
    expect(errors[0]!.text).toContain('npm install @google-cloud/pubsub');
  });

  it('an explicit publisher wins over the environment and reports through its onError', async () => {
    const reported: string[] = [];
    const publisher = new PubSubEventPublisher({ topicName: 'events', projectId: 'proj', onError: (e) => reported.push(e.code) });
    expect(await publishAgentEvent({ a: 1 }, 'agent_event', { publisher })).toBeUndefined();
    expect(reported).toEqual(['ERR_PUBSUB_NOT_INSTALLED']);
    expect(publisher.stats()).toMatchObject({ state: 'unavailable', failed: 1 });
    expect(logger.lines.some((l) => l.text.includes('STATUS_MESSENGER_PUBSUB_ENABLED'))).toBe(false);
    await publisher.close(100);
  });
});

describe('readPubSubEnv', () => {
  it('accepts a topic id or a full topic name', () => {
    const base = { STATUS_MESSENGER_PUBSUB_ENABLED: '1', GOOGLE_CLOUD_PROJECT: 'proj' };
    expect(readPubSubEnv({ ...base, STATUS_MESSENGER_PUBSUB_TOPIC_ID: 'agent-events' })).toEqual({
      enabled: true,
      projectId: 'proj',
      topicName: 'agent-events',
    });
    expect(readPubSubEnv({ ...base, STATUS_MESSENGER_PUBSUB_TOPIC_ID: 'projects/other/topics/agent-events' })).toMatchObject({
      enabled: true,
      topicName: 'projects/other/topics/agent-events',
    });
    expect(readPubSubEnv({ ...base, STATUS_MESSENGER_PUBSUB_TOPIC_ID: '1bad' })).toMatchObject({ enabled: false, misconfigured: true });
  });
});

describe('publishAgentEventTool', () => {
  afterEach(() => setDefaultEventPublisher(undefined));

  it('answers invalid JSON with an error result the model can act on, not an exception', async () => {
    const result = await (publishAgentEventTool as unknown as ToolRunner).runAsync({
      args: { event_type: 'order_placed', event_data_json: '{item: XYZ' },
      toolContext: undefined,
    });
    expect(result).toEqual({ status: 'error', error: expect.stringContaining('event_data_json is not valid JSON') });
  });

  it('tells the model when publishing is off', async () => {
    setDefaultLogger(silentLogger);
    const saved = process.env.STATUS_MESSENGER_PUBSUB_ENABLED;
    delete process.env.STATUS_MESSENGER_PUBSUB_ENABLED;
    try {
      const result = await (publishAgentEventTool as unknown as ToolRunner).runAsync({
        args: { event_type: 'x', event_data_json: '{}' },
        toolContext: undefined,
      });
      expect(result).toMatchObject({ status: 'disabled' });
    } finally {
      if (saved !== undefined) process.env.STATUS_MESSENGER_PUBSUB_ENABLED = saved;
    }
  });

  it('keeps infrastructure details from the model', async () => {
    const publisher = new PubSubEventPublisher({ topicName: 'secret-topic', projectId: 'secret-project', onError: () => {} });
    const tool = createPublishAgentEventTool({ publisher, name: 'publish_to_gcp_pubsub_tool' });
    expect(tool.name).toBe('publish_to_gcp_pubsub_tool');
    const result = (await (tool as unknown as ToolRunner).runAsync({ args: { event_type: 'x', event_data_json: '{"a":1}' }, toolContext: undefined })) as {
      error: string;
    };
    expect(result.error).toContain('ERR_PUBSUB_NOT_INSTALLED');
    expect(result.error).not.toContain('secret');
    expect(result.error).not.toContain('npm');
    await publisher.close(100);
  });

  it('rejects a bad name', () => {
    expect(() => createPublishAgentEventTool({ name: 'has spaces' })).toThrow(StatusMessengerError);
  });
});
