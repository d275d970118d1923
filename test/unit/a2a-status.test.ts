import type { AgentCard, TaskArtifactUpdateEvent } from '@a2a-js/sdk';
import { DefaultExecutionEventBus, RequestContext } from '@a2a-js/sdk/server';
import type { AgentExecutionEvent, AgentExecutor } from '@a2a-js/sdk/server';
import { createEvent, LlmAgent, RemoteA2AAgent } from '@google/adk';
import type { InvocationContext } from '@google/adk';
import { withA2AStatus } from '../../src/adk/a2a-status.js';
import { forwardRemoteStatus, remoteStatusOf } from '../../src/adk/remote-a2a-status.js';
import { addStatusMessage } from '../../src/tools/add-status-message.js';
import { currentStatusSession } from '../../src/binding/context.js';
import type { StatusSession } from '../../src/binding/context.js';
import { withStatusSession } from '../../src/runner/run-with-status.js';
import type { StatusUpdate } from '../../src/protocol.js';
import { setDefaultLogger, silentLogger } from '../../src/logger.js';
import type { Logger } from '../../src/logger.js';

const ctx = new RequestContext({ kind: 'message', messageId: 'm1', role: 'user', parts: [{ kind: 'text', text: 'hi' }] }, 'task-1', 'ctx-1');

function record(bus: DefaultExecutionEventBus): AgentExecutionEvent[] {
  const events: AgentExecutionEvent[] = [];
  bus.on('event', (event) => events.push(event));
  return events;
}

const artifact = (parts: TaskArtifactUpdateEvent['artifact']['parts']): TaskArtifactUpdateEvent => ({
  kind: 'artifact-update',
  taskId: 'task-1',
  contextId: 'ctx-1',
  artifact: { artifactId: 'a1', parts },
});
const call = (name: string, type = 'function_call') => ({ kind: 'data' as const, data: { name, args: { message: 'secret status' } }, metadata: { adk_type: type } });

describe('withA2AStatus', () => {
  it('publishes statuses made during execute on the task bus, in order with the executor’s own events', async () => {
    const executor: AgentExecutor = {
      async execute(_ctx, bus) {
        bus.publish({ kind: 'status-update', taskId: 'task-1', contextId: 'ctx-1', final: false, status: { state: 'working' } });
        addStatusMessage('one');
        await new Promise((resolve) => setTimeout(resolve, 5)); // a real timer between the statuses: the binding must survive it
        addStatusMessage({ message: 'two', level: 'warning', progress: 50 });
        bus.publish({ kind: 'status-update', taskId: 'task-1', contextId: 'ctx-1', final: true, status: { state: 'completed' } });
      },
      cancelTask: async () => {},
    };
    const bus = new DefaultExecutionEventBus();
    const events = record(bus);
    await withA2AStatus(executor).execute(ctx, bus);
    expect(events.map((e) => (e.kind === 'status-update' ? e.status.message?.parts[0] : undefined))).toEqual([
      undefined,
      { kind: 'text', text: 'one' },
      { kind: 'text', text: 'two' },
      undefined,
    ]);
    expect(events[2]).toMatchObject({
      kind: 'status-update',
      taskId: 'task-1',
      contextId: 'ctx-1',
      final: false,
      status: {
        state: 'working',
        message: { role: 'agent', metadata: { status_messenger: { type: 'status', data: 'two', level: 'warning', progress: 50, ts: expect.any(String) } } },
      },
    });
  });

  it('drops statuses after the final event and after execute returned (a late throttled status cannot reopen the stream)', async () => {
    let session: StatusSession | undefined;
    const executor: AgentExecutor = {
      async execute(_ctx, bus) {
        bus.publish({ kind: 'status-update', taskId: 'task-1', contextId: 'ctx-1', final: true, status: { state: 'completed' } });
        expect(addStatusMessage('after final')).toBe(false);
        session = currentStatusSession();
      },
      cancelTask: async () => {},
    };
    const bus = new DefaultExecutionEventBus();
    const events = record(bus);
    await withA2AStatus(executor).execute(ctx, bus);
    // A timer that kept the session (StatusPlugin's throttle does) fires after the task ended.
    expect(session!.send('much later').delivered).toBe(false);
    expect(events).toHaveLength(1);
  });

  it('keeps the status tool’s calls and responses out of the artifacts, and nothing else', async () => {
    const executor: AgentExecutor = {
      async execute(_ctx, bus) {
        bus.publish(artifact([call('status_message')]));
        bus.publish(artifact([call('status_message', 'function_response')]));
        bus.publish(artifact([call('my_status'), call('lookup'), { kind: 'text', text: 'answer' }]));
      },
      cancelTask: async () => {},
    };
    const bus = new DefaultExecutionEventBus();
    const events = record(bus);
    await withA2AStatus(executor, { statusToolNames: ['status_message', 'my_status'] }).execute(ctx, bus);
    expect(events).toHaveLength(1);
    expect((events[0] as TaskArtifactUpdateEvent).artifact.parts).toEqual([call('lookup'), { kind: 'text', text: 'answer' }]);
  });

  it('refuses what is not an executor, and unknown options with a hint', () => {
    expect(() => withA2AStatus({} as AgentExecutor)).toThrow(TypeError);
    const executor: AgentExecutor = { execute: async () => {}, cancelTask: async () => {} };
    expect(() => withA2AStatus(executor, { statusToolName: [] } as never)).toThrow(
      /withA2AStatus\(executor, options\): unknown option `statusToolName` \(did you mean `statusToolNames`\?/,
    );
  });
});

describe('remote A2A statuses (consuming side)', () => {
  const card = { name: 'far', url: 'http://127.0.0.1:1', capabilities: {} } as unknown as AgentCard;
  const root = new LlmAgent({ name: 'root', model: 'gemini-2.5-flash', subAgents: [new RemoteA2AAgent({ name: 'far_agent', agentCard: card })] });
  const invocation = { agent: root, userId: 'u1', session: { id: 's1' } } as unknown as InvocationContext;
  const working = (message: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
    createEvent({
      author: 'far_agent',
      partial: true,
      content: { role: 'model', parts: [{ text: 'the text' }] },
      customMetadata: {
        'a2a:response': { kind: 'status-update', taskId: 't', contextId: 'c', final: false, status: { state: 'working', message } },
        'a2a:task_id': 't',
        ...extra,
      },
    });
  const tagged = working({
    kind: 'message',
    parts: [{ kind: 'text', text: 'Searching' }],
    metadata: { status_messenger: { type: 'status', data: 'Searching', ts: '2026-12-07T00:00:00.000Z', level: 'info', agent: 'inner', tool: 'search' } },
  });
  // What a remote that predates the one status shape puts there: still read, never written.
  const legacy = working({ kind: 'message', parts: [{ kind: 'text', text: 'Searching' }], metadata: { status_messenger: { message: 'Searching', level: 'info', agent: 'inner', tool: 'search' } } });
  const plain = working({ kind: 'message', parts: [{ kind: 'text', text: 'Thinking ' }, { kind: 'text', text: 'hard' }] });

  it('recognises tagged updates, attributed to the remote agent; untagged text only with "all"', () => {
    expect(remoteStatusOf(tagged, invocation, 'tagged')).toEqual({
      kind: 'working',
      status: { message: 'Searching', level: 'info', tool: 'search', agent: 'far_agent' },
    });
    expect(remoteStatusOf(plain, invocation, 'tagged')).toBeUndefined();
    expect(remoteStatusOf(plain, invocation, 'all')).toEqual({ kind: 'working', status: { message: 'Thinking hard', agent: 'far_agent' } });
    expect(remoteStatusOf(tagged, invocation, 'off')).toBeUndefined();
    expect(remoteStatusOf(legacy, invocation, 'tagged')).toEqual(remoteStatusOf(tagged, invocation, 'tagged'));
  });

  it('drops a remote’s own end-of-run state: the parent’s run has its own', () => {
    const ended = working({ kind: 'message', metadata: { status_messenger: { type: 'status', data: 'Done', ts: '', state: 'done', level: 'success' } } });
    expect(remoteStatusOf(ended, invocation, 'tagged')?.status).toEqual({ message: 'Done', level: 'success', agent: 'far_agent' });
  });

  it('keeps only well-formed fields of an untrusted remote, and caps the text', () => {
    const hostile = working({ kind: 'message', parts: [], metadata: { status_messenger: { message: 'x'.repeat(5000), level: 'panic', progress: 900, tool: 7 } } });
    const found = remoteStatusOf(hostile, invocation, 'tagged');
    expect(found?.status).toEqual({ message: `${'x'.repeat(499)}…`, agent: 'far_agent' });
    expect(remoteStatusOf(working({ kind: 'message', metadata: { status_messenger: { message: '  ' } } }), invocation, 'all')).toBeUndefined();
  });

  it('ignores final updates, non-partial events and errors of agents that are not remote', () => {
    const final = createEvent({ author: 'far_agent', partial: true, customMetadata: { 'a2a:response': { kind: 'status-update', final: true, status: { state: 'working' } } } });
    expect(remoteStatusOf(final, invocation, 'all')).toBeUndefined();
    expect(remoteStatusOf({ ...plain, partial: false }, invocation, 'all')).toBeUndefined();
    expect(remoteStatusOf(createEvent({ author: 'root', errorMessage: 'boom' }), invocation, 'all')).toBeUndefined();
    expect(remoteStatusOf(createEvent({ author: 'far_agent', errorMessage: 'boom: internal detail' }), invocation, 'tagged')).toEqual({
      kind: 'failed',
      status: { message: 'far agent failed', level: 'error', agent: 'far_agent' },
    });
  });

  it('sends to the bound session and returns a text-free replacement carrying the status', () => {
    const got: StatusUpdate[] = [];
    const hub = { send: (_id: string, status: StatusUpdate | string) => (got.push(status as StatusUpdate), 1) };
    const replacement = withStatusSession({ hub, sessionId: 's1' }, () => forwardRemoteStatus(tagged, invocation, 'tagged', () => silentLogger));
    expect(got).toEqual([{ message: 'Searching', level: 'info', tool: 'search', agent: 'far_agent' }]);
    expect(replacement?.content).toBeUndefined();
    expect(replacement?.partial).toBe(true);
    // The wire shape, as every other status in ADK's event stream (the parent's /run_sse, adk web).
    expect(replacement?.customMetadata).toEqual({
      'a2a:task_id': 't',
      status_messenger: { type: 'status', data: 'Searching', level: 'info', tool: 'search', agent: 'far_agent', ts: expect.any(String) },
    });
    // An error is sent but the event is kept, so the run still ends with it.
    const error = createEvent({ author: 'far_agent', errorMessage: 'boom' });
    expect(withStatusSession({ hub, sessionId: 's1' }, () => forwardRemoteStatus(error, invocation, 'tagged', () => silentLogger))).toBeUndefined();
    expect(got.at(-1)).toMatchObject({ level: 'error' });
  });

  it('never throws when delivery fails; logs it and still keeps the text out of the answer', () => {
    const warnings: string[] = [];
    const logger = { ...silentLogger, warn: (...args: unknown[]) => warnings.push(args.map(String).join(' ')) } as Logger;
    const hub = {
      send: () => {
        throw new Error('socket layer down');
      },
    };
    setDefaultLogger(logger);
    try {
      const replacement = withStatusSession({ hub, sessionId: 's1' }, () => forwardRemoteStatus(tagged, invocation, 'tagged', () => logger));
      expect(replacement?.content).toBeUndefined();
      expect(warnings.join('\n')).toContain('socket layer down');
    } finally {
      setDefaultLogger(silentLogger);
    }
  });
});

describe('withA2AStatus around ADK’s A2AAgentExecutor', () => {
  it('drops ADK event-stream status events (partial, no content parts) from the artifacts; the status still arrives once', async () => {
    const { A2AAgentExecutor, FunctionTool, InMemorySessionService, Runner } = await import('@google/adk');
    const { DefaultRequestHandler, InMemoryTaskStore } = await import('@a2a-js/sdk/server');
    const { ScriptedLlm, callTools, reply } = await import('../support/scripted-llm.js');
    // What an ADK-native status looks like in the event stream: a partial event with only
    // customMetadata.status_messenger, pushed on the invocation's event queue while a tool runs.
    let pushed = false;
    const pushStatusEvent = new FunctionTool({
      name: 'work',
      description: 'works',
      execute: (_input: unknown, toolContext) => {
        addStatusMessage('Working hard');
        const invocation = toolContext?.invocationContext;
        pushed = invocation?.eventQueue !== undefined;
        invocation?.eventQueue?.push(
          createEvent({ invocationId: invocation.invocationId, author: 'worker', partial: true, customMetadata: { status_messenger: { message: 'Working hard' } } }),
        );
        return { ok: true };
      },
    });
    const agent = new LlmAgent({
      name: 'worker',
      model: new ScriptedLlm(({ step }) => (step === 0 ? callTools({ name: 'work' }) : reply('done'))),
      tools: [pushStatusEvent],
    });
    const runner = new Runner({ appName: 'worker', agent, sessionService: new InMemorySessionService() });
    const handler = new DefaultRequestHandler(
      { name: 'worker', url: 'http://127.0.0.1:1', capabilities: { streaming: true } } as unknown as AgentCard,
      new InMemoryTaskStore(),
      withA2AStatus(new A2AAgentExecutor({ runner })),
    );
    const events: unknown[] = [];
    for await (const event of handler.sendMessageStream({ message: { kind: 'message', messageId: 'm', role: 'user', parts: [{ kind: 'text', text: 'go' }] } })) {
      events.push(event);
    }
    expect(pushed).toBe(true);
    const json = events.map((e) => JSON.stringify(e));
    expect(json.filter((e) => e.includes('"kind":"artifact-update"') && e.includes('Working hard'))).toEqual([]);
    expect(json.filter((e) => e.includes('"kind":"status-update"') && e.includes('Working hard'))).toHaveLength(1);
    expect(json.at(-1)).toContain('"state":"completed"');
  });
});
