/**
 * `toAgUiEvents`: one ADK run as AG-UI events, on a real Runner with the scripted model, no
 * HTTP: the order, statuses as STATUS activity (every producer, no hub needed), tool calls and
 * steps, thoughts, failures kept on the server, a run stopped from either side, strict options.
 * Every event is checked against `@ag-ui/core`'s schemas.
 */
import type { BaseEvent } from '@ag-ui/core';
import { FunctionTool, InMemoryRunner, LlmAgent, RemoteA2AAgent } from '@google/adk';
import { z } from 'zod';
import { toAgUiEvents } from '../../src/ag-ui/index.js';
import type { ToAgUiEventsOptions } from '../../src/ag-ui/index.js';
import { StatusMessengerError } from '../../src/errors.js';
import type { Logger } from '../../src/logger.js';
import { StatusPlugin } from '../../src/plugins/status-plugin.js';
import { addStatusMessage } from '../../src/tools/add-status-message.js';
import { statusMessageTool } from '../../src/tools/status-message-tool.js';
import { expectValidEvents, lines, runInput, userMessage } from '../support/ag-ui.js';
import { REMOTE_ANSWER, REMOTE_STATUS_TEXTS, REMOTE_TOOL_STATUS, spawnA2ARemote } from '../support/a2a-remote-process.js';
import { startHubServer, TestClient } from '../support/hub-server.js';
import { callTools, reply, ScriptedLlm, streamReply } from '../support/scripted-llm.js';
import type { Script } from '../support/scripted-llm.js';

const lookup = new FunctionTool({
  name: 'lookup',
  description: 'looks up',
  parameters: z.object({ q: z.string().optional() }),
  execute: () => {
    addStatusMessage('Looking it up');
    return { found: 3 };
  },
});

function runnerWith(script: Script, tools: ConstructorParameters<typeof LlmAgent>[0]['tools'] = [statusMessageTool, lookup], plugins: StatusPlugin[] = []) {
  const agent = new LlmAgent({ name: 'solo', model: new ScriptedLlm(script), instruction: 'x', tools });
  return new InMemoryRunner({ agent, appName: 'agui-events', plugins });
}

async function collect(stream: AsyncIterable<BaseEvent>): Promise<BaseEvent[]> {
  const events: BaseEvent[] = [];
  for await (const event of stream) events.push(event);
  expectValidEvents(events);
  return events;
}

const run = (runner: InMemoryRunner, threadId: string, text = 'go', options: Partial<ToAgUiEventsOptions> = {}) =>
  collect(toAgUiEvents(runner, runInput(threadId, [userMessage(text)], `r-${threadId}`), { userId: 'u', ...options }));

describe('toAgUiEvents', () => {
  it('starts with RUN_STARTED and ends with RUN_FINISHED, both carrying the thread and run ids', async () => {
    const events = await run(runnerWith(() => reply('Hi.')), 'ids');
    expect(events[0]).toEqual({ type: 'RUN_STARTED', threadId: 'ids', runId: 'r-ids' });
    expect(events.at(-1)).toEqual({ type: 'RUN_FINISHED', threadId: 'ids', runId: 'r-ids' });
  });

  it('sends statuses as STATUS activity, tool calls with ADK’s ids inside steps, and the answer once', async () => {
    const runner = runnerWith(({ step }) =>
      step === 0 ? callTools({ name: 'status_message', args: { message: 'Planning' } }) : step === 1 ? callTools({ name: 'lookup', args: { q: 'x' } }) : reply('Three.'),
    );
    const events = await run(runner, 'mapping');
    expect(lines(events)).toEqual([
      'RUN_STARTED',
      'ACTIVITY Planning',
      'STEP_STARTED lookup',
      'TOOL_CALL_START lookup',
      'TOOL_CALL_ARGS {"q":"x"}',
      'TOOL_CALL_END lookup',
      'ACTIVITY Looking it up',
      'TOOL_CALL_RESULT {"found":3}',
      'STEP_FINISHED lookup',
      'TEXT_MESSAGE_START',
      'TEXT_MESSAGE_CONTENT Three.',
      'TEXT_MESSAGE_END',
      'ACTIVITY Done (done)',
      'RUN_FINISHED',
    ]);
    const start = events.find((e) => e.type === 'TOOL_CALL_START') as unknown as { toolCallId: string };
    const result = events.find((e) => e.type === 'TOOL_CALL_RESULT') as unknown as { toolCallId: string; messageId: string };
    expect(start.toolCallId).toMatch(/^adk-/);
    expect(result.toolCallId).toBe(start.toolCallId);
    // One activity message per run, never a text message's id; the status wire fields as its content.
    const activities = events.filter((e) => e.type === 'ACTIVITY_SNAPSHOT') as unknown as { messageId: string; activityType: string; content: Record<string, unknown> }[];
    expect(new Set(activities.map((a) => a.messageId))).toEqual(new Set(['status-r-mapping']));
    expect(activities.every((a) => a.activityType === 'STATUS')).toBe(true);
    expect(activities[0]!.content).toEqual({ type: 'status', data: 'Planning', ts: expect.any(String), agent: 'solo' });
    expect(activities.at(-1)!.content).toMatchObject({ data: 'Done', state: 'done', level: 'success' });
    const textIds = events.filter((e) => e.type === 'TEXT_MESSAGE_START').map((e) => (e as unknown as { messageId: string }).messageId);
    expect(textIds).not.toContain('status-r-mapping');
    expect(result.messageId).not.toBe(start.toolCallId);
  });

  it('keeps the status tool out of the tool calls and status text out of the text messages', async () => {
    const runner = runnerWith(({ step }) => (step === 0 ? callTools({ name: 'status_message', args: { message: 'Secret plan' } }) : reply('Answer.')));
    const events = await run(runner, 'no-status-tool');
    expect(events.some((e) => e.type.startsWith('TOOL_CALL'))).toBe(false);
    const text = events.filter((e) => e.type === 'TEXT_MESSAGE_CONTENT').map((e) => (e as unknown as { delta: string }).delta).join('');
    expect(text).toBe('Answer.');
  });

  it('streams the answer as deltas and thoughts as REASONING events', async () => {
    const runner = runnerWith(() => streamReply(['The ', 'answer.'], { thought: 'Thinking…' }));
    const events = await run(runner, 'streamed');
    expect(lines(events)).toEqual([
      'RUN_STARTED',
      'REASONING_START',
      'REASONING_MESSAGE_START',
      'REASONING_MESSAGE_CONTENT Thinking…',
      'REASONING_MESSAGE_END',
      'REASONING_END',
      'TEXT_MESSAGE_START',
      'TEXT_MESSAGE_CONTENT The ',
      'TEXT_MESSAGE_CONTENT answer.',
      'TEXT_MESSAGE_END',
      'RUN_FINISHED',
    ]);
  });

  it('needs no hub: statuses of the tool, addStatusMessage in a callback and StatusPlugin all arrive as activity', async () => {
    const agent = new LlmAgent({
      name: 'solo',
      model: new ScriptedLlm(({ step }) => (step === 0 ? callTools({ name: 'status_message', args: { message: 'Planning' } }, { name: 'lookup' }) : reply('ok'))),
      instruction: 'x',
      tools: [statusMessageTool, lookup],
      beforeModelCallback: () => {
        addStatusMessage('Asking the model');
        return undefined;
      },
    });
    const runner = new InMemoryRunner({ agent, appName: 'agui-events', plugins: [new StatusPlugin({ throttleMs: 0 })] });
    const events = await run(runner, 'producers');
    expect(lines(events).filter((line) => line.startsWith('ACTIVITY'))).toEqual([
      'ACTIVITY Asking the model',
      'ACTIVITY Planning',
      'ACTIVITY Running lookup…',
      'ACTIVITY Looking it up',
      'ACTIVITY Finished lookup',
      'ACTIVITY Asking the model',
      'ACTIVITY Done (done)',
    ]);
  });

  it('opens one step per tool name however many calls of it overlap', async () => {
    const runner = runnerWith(({ step }) => (step === 0 ? callTools({ name: 'lookup', args: { q: 'a' } }, { name: 'lookup', args: { q: 'b' } }) : reply('ok')), [lookup]);
    const steps = lines(await run(runner, 'parallel')).filter((line) => line.startsWith('STEP'));
    expect(steps).toEqual(['STEP_STARTED lookup', 'STEP_FINISHED lookup']);
  });

  it('opens a step for the agent a transfer_to_agent hands over to, finished by the run’s end', async () => {
    const billing = new LlmAgent({ name: 'billing', description: 'bills', model: new ScriptedLlm(() => reply('billed')), instruction: 'bill' });
    const front = new LlmAgent({
      name: 'front',
      model: new ScriptedLlm(() => callTools({ name: 'transfer_to_agent', args: { agentName: 'billing' } })),
      instruction: 'route',
      subAgents: [billing],
    });
    const events = await run(new InMemoryRunner({ agent: front, appName: 'agui-events' }), 'transfer');
    expect(lines(events).filter((line) => /^(STEP|TEXT_MESSAGE_CONTENT|RUN_FINISHED)/.test(line))).toEqual([
      'STEP_STARTED transfer_to_agent',
      'STEP_FINISHED transfer_to_agent',
      'STEP_STARTED billing',
      'TEXT_MESSAGE_CONTENT billed',
      'STEP_FINISHED billing',
      'RUN_FINISHED',
    ]);
  });

  it('sends a remote A2A agent’s statuses as activity, attributed to it, and keeps them out of the answer', async () => {
    const remote = await spawnA2ARemote();
    try {
      const archivist = new RemoteA2AAgent({ name: 'archivist', description: 'The archive, over A2A', agentCard: remote.url });
      const coordinator = new LlmAgent({
        name: 'coordinator',
        model: new ScriptedLlm(() => callTools({ name: 'transfer_to_agent', args: { agentName: 'archivist' } })),
        instruction: 'Hand archive questions to the archivist.',
        subAgents: [archivist],
      });
      const runner = new InMemoryRunner({ agent: coordinator, appName: 'agui-events', plugins: [new StatusPlugin({ throttleMs: 0 })] });
      const events = await run(runner, 'remote', 'What does the archive say?');
      const activities = events.filter((e) => e.type === 'ACTIVITY_SNAPSHOT').map((e) => (e as unknown as { content: { data: string; agent?: string } }).content);
      const remoteStatuses = [...REMOTE_STATUS_TEXTS, REMOTE_TOOL_STATUS];
      expect(activities.filter((a) => remoteStatuses.includes(a.data as never))).toEqual(remoteStatuses.map((data) => expect.objectContaining({ data, agent: 'archivist' })));
      const text = events.filter((e) => e.type === 'TEXT_MESSAGE_CONTENT').map((e) => (e as unknown as { delta: string }).delta).join('');
      expect(text).toContain(REMOTE_ANSWER);
      for (const status of remoteStatuses) expect(text).not.toContain(status);
      expect(lines(events)).toContain('STEP_STARTED archivist');
      expect(lines(events).at(-1)).toBe('RUN_FINISHED');
    } finally {
      await remote.stop();
    }
  }, 60_000);

  it('ends with RUN_ERROR and a generic message when the model throws; the error text is logged on the server only', async () => {
    const logged: unknown[][] = [];
    const logger: Logger = { debug() {}, info() {}, warn() {}, error: (...args: unknown[]) => void logged.push(args) };
    const runner = runnerWith(() => {
      throw new Error('model exploded: internal detail');
    });
    const events = await run(runner, 'failing', 'go', { logger });
    expect(lines(events)).toEqual(['RUN_STARTED', 'ACTIVITY Something went wrong. Please try again. (failed)', 'RUN_ERROR An error occurred.']);
    expect(JSON.stringify(events)).not.toContain('internal detail');
    expect(String((logged[0]![1] as Error).message)).toContain('internal detail');
  });

  it('lets onError choose the text a failure shows, for the run and for a tool that threw', async () => {
    const broken = new FunctionTool({
      name: 'broken',
      description: 'fails',
      parameters: z.object({}),
      execute: () => {
        throw new Error('backend down: 10.0.0.7');
      },
    });
    const onError = (error: unknown) => (String((error as Error).message).includes('backend') ? 'The backend is unavailable.' : 'The model failed.');
    const runner = runnerWith(({ step }) => {
      if (step === 0) return callTools({ name: 'broken' });
      throw new Error('model exploded');
    }, [broken]);
    const events = await run(runner, 'on-error', 'go', { onError });
    expect(lines(events)).toEqual([
      'RUN_STARTED',
      'STEP_STARTED broken',
      'TOOL_CALL_START broken',
      'TOOL_CALL_ARGS {}',
      'TOOL_CALL_END broken',
      'TOOL_CALL_RESULT {"error":"The backend is unavailable."}',
      'STEP_FINISHED broken',
      'ACTIVITY Something went wrong. Please try again. (failed)',
      'RUN_ERROR The model failed.',
    ]);
    expect(JSON.stringify(events)).not.toContain('10.0.0.7');
  });

  it('shows the generic text when onError throws', async () => {
    const runner = runnerWith(() => {
      throw new Error('internal detail');
    });
    const events = await run(runner, 'on-error-throws', 'go', {
      onError: () => {
        throw new Error('oops');
      },
    });
    expect(lines(events).at(-1)).toBe('RUN_ERROR An error occurred.');
  });

  it('ends a run stopped by its abortSignal with the aborted status and RUN_FINISHED cancelled; the tool sees the abort', async () => {
    const controller = new AbortController();
    let toolSignal: AbortSignal | undefined;
    const slow = new FunctionTool({
      name: 'slow',
      description: 'waits',
      parameters: z.object({}),
      execute: async (_input, ctx) => {
        toolSignal = ctx?.abortSignal;
        addStatusMessage('Working slowly');
        await new Promise((resolve) => ctx?.abortSignal?.addEventListener('abort', resolve, { once: true }));
        return { ok: true };
      },
    });
    const runner = runnerWith(({ step }) => (step === 0 ? callTools({ name: 'slow' }) : reply('never')), [slow]);
    const events: BaseEvent[] = [];
    for await (const event of toAgUiEvents(runner, runInput('stopped', [userMessage('go')]), { userId: 'u', abortSignal: controller.signal })) {
      events.push(event);
      if (event.type === 'ACTIVITY_SNAPSHOT') controller.abort();
    }
    expectValidEvents(events);
    expect(toolSignal?.aborted).toBe(true);
    expect(lines(events).slice(-4)).toEqual(['ACTIVITY Working slowly', 'ACTIVITY Stopped (aborted)', 'STEP_FINISHED slow', 'RUN_FINISHED cancelled']);
  });

  it('stops the run at once on return(): the running tool sees the abort, nothing follows, a hub gets `aborted`', async () => {
    const srv = await startHubServer();
    let release!: () => void;
    const seen = new Promise<void>((resolve) => (release = resolve));
    let toolSignal: AbortSignal | undefined;
    const slow = new FunctionTool({
      name: 'slow',
      description: 'waits',
      parameters: z.object({}),
      execute: async (_input, ctx) => {
        toolSignal = ctx?.abortSignal;
        addStatusMessage('Working slowly');
        release();
        await new Promise((resolve) => ctx?.abortSignal?.addEventListener('abort', resolve, { once: true }));
        addStatusMessage('after the abort');
        return { ok: true };
      },
    });
    const runner = runnerWith(({ step }) => (step === 0 ? callTools({ name: 'slow' }) : reply('never')), [slow]);
    const tab = await TestClient.open(srv.url('left'));
    const stream = toAgUiEvents(runner, runInput('left', [userMessage('go')]), { userId: 'u', hub: srv.hub });
    const events: BaseEvent[] = [];
    // Reads in the background, as a transport does; the stop comes from elsewhere (a closed socket).
    const reading = (async () => {
      for (let r = await stream.next(); !r.done; r = await stream.next()) events.push(r.value);
    })();
    await seen;
    // What the transport sent before its client left.
    while (!events.some((e) => e.type === 'ACTIVITY_SNAPSHOT')) await new Promise((resolve) => setTimeout(resolve, 10));
    await stream.return();
    await reading;
    expect(toolSignal?.aborted).toBe(true);
    expect(lines(events).filter((line) => line.startsWith('ACTIVITY'))).toEqual(['ACTIVITY Working slowly']);
    expect(events.some((e) => e.type === 'RUN_FINISHED' || e.type === 'RUN_ERROR')).toBe(false);
    await tab.waitFor((c) => c.runEnds.length === 1);
    expect(tab.runEnds[0]).toMatchObject({ state: 'aborted' });
    expect(tab.statusTexts).toEqual(['Working slowly']);
    await tab.close();
    await srv.close();
  });

  it('creates the thread’s ADK session on first use and keeps the conversation in it', async () => {
    const seen: string[][] = [];
    const runner = runnerWith(({ request }) => {
      seen.push(request.contents.map((c) => `${c.role}:${(c.parts ?? []).map((p) => p.text ?? '').join('')}`));
      return reply(`answer ${seen.length}`);
    });
    await run(runner, 'memory', 'first');
    // The client sends the whole history again; only its last user message is new to the run.
    await collect(
      toAgUiEvents(
        runner,
        runInput('memory', [userMessage('first'), { id: 'a1', role: 'assistant', content: 'answer 1' }, userMessage('second')]),
        { userId: 'u' },
      ),
    );
    expect(seen[1]).toEqual(['user:first', 'model:answer 1', 'user:second']);
    const session = await runner.sessionService.getSession({ appName: 'agui-events', userId: 'u', sessionId: 'memory' });
    expect(session?.events.filter((e) => e.author === 'user')).toHaveLength(2);
  });

  it('never gives the model a message of role activity', async () => {
    const seen: string[] = [];
    const runner = runnerWith(({ request }) => {
      seen.push(JSON.stringify(request.contents));
      return reply('ok');
    });
    const input = runInput('activity-in', [
      userMessage('question'),
      { id: 'act', role: 'activity', activityType: 'STATUS', content: { type: 'status', data: 'LEAKED STATUS' } },
    ]);
    await collect(toAgUiEvents(runner, input, { userId: 'u' }));
    expect(seen.join('')).toContain('question');
    expect(seen.join('')).not.toContain('LEAKED STATUS');
  });

  it('throws at the call for wiring bugs and for an input that is not a RunAgentInput', () => {
    const runner = runnerWith(() => reply('ok'));
    const input = runInput('t', [userMessage('go')]);
    const call = (fn: () => unknown) => {
      try {
        fn();
      } catch (error) {
        expect(StatusMessengerError.isInstance(error, 'ERR_INVALID_OPTION')).toBe(true);
        return (error as Error).message;
      }
      throw new Error('did not throw');
    };
    expect(call(() => toAgUiEvents(runner, input, { userId: 'u', hubb: {} } as never))).toMatch(/unknown option `hubb` \(did you mean `hub`\?/);
    expect(call(() => toAgUiEvents(runner, input, {} as never))).toMatch(/userId/);
    expect(call(() => toAgUiEvents({} as never, input, { userId: 'u' }))).toMatch(/expected `runner` to be an ADK Runner/);
    expect(call(() => toAgUiEvents(runner, { threadId: 't', runId: 'r' } as never, { userId: 'u' }))).toMatch(/not an AG-UI RunAgentInput at `messages`/);
    expect(call(() => toAgUiEvents(runner, runInput('t', [{ id: 'a', role: 'assistant', content: 'hi' }]), { userId: 'u' }))).toBe(
      'toAgUiEvents(runner, input, options): invalid `input`: `messages` holds no user message to answer.',
    );
    // A misspelt required key is named, not reported as the required one missing.
    expect(call(() => toAgUiEvents(runner, input, { userID: 'u' } as never))).toMatch(/unknown option `userID` \(did you mean `userId`\?/);
  });

  it('refuses an input whose last message is not the user’s: a repeated history would run its last question again', () => {
    const runner = runnerWith(() => reply('ok'));
    const answered = runInput('t', [userMessage('hello'), { id: 'a1', role: 'assistant', content: 'hi there' }]);
    expect(() => toAgUiEvents(runner, answered, { userId: 'u' })).toThrow(
      'the last message (`a1`, role assistant) is not a user message: nothing new to answer',
    );
    // Statuses the client kept after its question are not a new turn.
    const withActivity = runInput('t', [
      userMessage('hello'),
      { id: 'act', role: 'activity', activityType: 'STATUS', content: { type: 'status', data: 'Done' } },
    ]);
    expect(() => toAgUiEvents(runner, withActivity, { userId: 'u' })).not.toThrow();
  });

  it('takes media only as inline data: a URL other than a data URL, bad base64, a partial media type or blank text is refused', async () => {
    const runner = runnerWith(() => reply('ok'));
    const media = (...content: unknown[]) => runInput('media', [{ id: 'm', role: 'user', content } as never]);
    const refused = (input: ReturnType<typeof runInput>) => {
      try {
        toAgUiEvents(runner, input, { userId: 'u' });
      } catch (error) {
        expect(StatusMessengerError.isInstance(error, 'ERR_INVALID_OPTION')).toBe(true);
        return (error as Error).message;
      }
      throw new Error('did not throw');
    };
    expect(refused(media({ type: 'image', source: { type: 'url', value: 'gs://internal-bucket/payroll.pdf' } }))).toMatch(/must be a data URL/);
    expect(refused(media({ type: 'image', source: { type: 'url', value: 'https://example.com/cat.png', mimeType: 'image/png' } }))).toMatch(/must be a data URL/);
    expect(refused(media({ type: 'image', source: { type: 'data', value: '!!!not-base64!!!', mimeType: 'image/png' } }))).toMatch(/not valid base64/);
    expect(refused(media({ type: 'image', source: { type: 'data', value: 'AAAA', mimeType: 'image' } }))).toMatch(/full media type/);
    expect(refused(media({ type: 'text', text: '  \n ' }))).toMatch(/has no text or media/);
    expect(refused(runInput('media', [userMessage('   ')]))).toMatch(/has no text or media/);

    const seen: unknown[] = [];
    const looking = runnerWith(({ request }) => {
      seen.push(request.contents.at(-1)?.parts);
      return reply('ok');
    });
    await collect(
      toAgUiEvents(
        looking,
        media(
          { type: 'text', text: 'what is this?' },
          { type: 'image', source: { type: 'data', value: 'iVBORw0K', mimeType: 'image/png' } },
          { type: 'document', source: { type: 'url', value: 'data:text/plain,hello%20there' } },
        ),
        { userId: 'u' },
      ),
    );
    expect(seen[0]).toEqual([
      { text: 'what is this?' },
      { inlineData: { mimeType: 'image/png', data: 'iVBORw0K' } },
      { inlineData: { mimeType: 'text/plain', data: Buffer.from('hello there').toString('base64') } },
    ]);
  });
});
