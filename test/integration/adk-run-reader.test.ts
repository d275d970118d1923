/**
 * The one reader of an ADK run the UI streams share, on a real Runner with the scripted model:
 * text once (streamed or not), thoughts, tool calls with ADK's ids, every status once and live,
 * failures kept on the server, and a reader that leaves aborts the run.
 */
import { AgentTool, FunctionTool, InMemoryRunner, LlmAgent, StreamingMode } from '@google/adk';
import { z } from 'zod';
import { readAdkRun } from '../../src/ui/adk-run-reader.js';
import type { RunPart } from '../../src/ui/adk-run-reader.js';
import { StatusPlugin } from '../../src/plugins/status-plugin.js';
import { addStatusMessage } from '../../src/tools/add-status-message.js';
import { statusMessageTool } from '../../src/tools/status-message-tool.js';
import { startHubServer, TestClient } from '../support/hub-server.js';
import { callTools, reply, ScriptedLlm, streamReply } from '../support/scripted-llm.js';
import type { Script } from '../support/scripted-llm.js';

const userMessage = (text: string) => ({ role: 'user', parts: [{ text }] });

async function read(runner: InMemoryRunner, sessionId: string, extra: Record<string, unknown> = {}): Promise<RunPart[]> {
  await runner.sessionService.createSession({ appName: runner.appName, userId: 'u', sessionId });
  const parts: RunPart[] = [];
  for await (const part of readAdkRun(runner, { userId: 'u', sessionId, newMessage: userMessage('go'), ...extra }, 'test')) parts.push(part);
  return parts;
}

/** The parts as short lines, for order assertions. */
const lines = (parts: RunPart[]): string[] =>
  parts.map((part) => {
    switch (part.type) {
      case 'text-delta':
      case 'reasoning-delta':
        return `${part.type} ${part.delta}`;
      case 'tool-call':
      case 'tool-result':
      case 'tool-error':
        return `${part.type} ${part.toolName}`;
      case 'status':
        return `status ${part.status.data}${part.status.state ? ` (${part.status.state})` : ''}`;
      default:
        return part.type;
    }
  });

const lookup = new FunctionTool({
  name: 'lookup',
  description: 'looks up',
  parameters: z.object({ q: z.string().optional() }),
  execute: () => {
    addStatusMessage('Looking it up');
    return { found: 3 };
  },
});

function runnerWith(script: Script, tools: ConstructorParameters<typeof LlmAgent>[0]['tools'] = [statusMessageTool, lookup], extra: Partial<ConstructorParameters<typeof LlmAgent>[0]> = {}) {
  return new InMemoryRunner({ agent: new LlmAgent({ name: 'solo', model: new ScriptedLlm(script), instruction: 'x', tools, ...extra }), appName: 'reader' });
}

describe('readAdkRun', () => {
  it('reads statuses, a tool call with its result, and the answer once, then the run’s end', async () => {
    const runner = runnerWith(({ step }) =>
      step === 0 ? callTools({ name: 'status_message', args: { message: 'Planning' } }) : step === 1 ? callTools({ name: 'lookup', args: { q: 'x' } }) : reply('Three.'),
    );
    const parts = await read(runner, 'plain');
    expect(lines(parts)).toEqual([
      'status Planning',
      'tool-call lookup',
      'status Looking it up',
      'tool-result lookup',
      'text-start',
      'text-delta Three.',
      'text-end',
      'status Done (done)',
      'finish',
    ]);
    const call = parts.find((part) => part.type === 'tool-call') as Extract<RunPart, { type: 'tool-call' }>;
    const result = parts.find((part) => part.type === 'tool-result') as Extract<RunPart, { type: 'tool-result' }>;
    expect(call.toolCallId).toMatch(/^adk-/);
    expect(result).toMatchObject({ toolCallId: call.toolCallId, output: { found: 3 } });
    expect(call.input).toEqual({ q: 'x' });
  });

  it('streams the answer as deltas with StreamingMode.SSE and never repeats it, thoughts as reasoning', async () => {
    const runner = runnerWith(({ step }) => (step === 0 ? callTools({ name: 'lookup' }) : streamReply(['The ', 'answer ', 'is 3.'], { thought: 'Counting…' })));
    const parts = await read(runner, 'streamed', { runConfig: { streamingMode: StreamingMode.SSE } });
    expect(lines(parts)).toEqual([
      'tool-call lookup',
      'status Looking it up',
      'tool-result lookup',
      'reasoning-start',
      'reasoning-delta Counting…',
      'reasoning-end',
      'text-start',
      'text-delta The ',
      'text-delta answer ',
      'text-delta is 3.',
      'text-end',
      'status Done (done)',
      'finish',
    ]);
  });

  it('reads every producer’s status once: the tool, addStatusMessage in a model callback, StatusPlugin; none from ADK’s event stream twice', async () => {
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
    const runner = new InMemoryRunner({ agent, appName: 'reader', plugins: [new StatusPlugin({ throttleMs: 0 })] });
    const statuses = (await read(runner, 'producers')).filter((part) => part.type === 'status').map((part) => (part as { status: { data: string } }).status.data);
    expect(statuses).toEqual(['Asking the model', 'Planning', 'Running lookup…', 'Looking it up', 'Finished lookup', 'Asking the model', 'Done']);
  });

  it('reads the statuses made in an AgentTool’s sub-run', async () => {
    const researcher = new LlmAgent({
      name: 'researcher',
      description: 'researches',
      model: new ScriptedLlm(({ step }) => (step === 0 ? callTools({ name: 'status_message', args: { message: 'Reading sources' } }) : reply('facts'))),
      instruction: 'x',
      tools: [statusMessageTool],
    });
    const runner = runnerWith(({ step }) => (step === 0 ? callTools({ name: 'researcher', args: { request: 'go' } }) : reply('done')), [new AgentTool({ agent: researcher })]);
    expect(lines(await read(runner, 'nested'))).toEqual([
      'tool-call researcher',
      'status Reading sources',
      'tool-result researcher',
      'text-start',
      'text-delta done',
      'text-end',
      'status Done (done)',
      'finish',
    ]);
  });

  it('ends with an error part when the model throws, its text on the part only; the run’s failed status before it', async () => {
    const runner = runnerWith(() => {
      throw new Error('model exploded: internal detail');
    });
    const parts = await read(runner, 'failing');
    expect(lines(parts)).toEqual(['status Something went wrong. Please try again. (failed)', 'error']);
    expect((parts.at(-1) as { error: Error }).error.message).toContain('internal detail');
  });

  it('reads a tool that threw as a tool error, and goes on', async () => {
    const broken = new FunctionTool({
      name: 'broken',
      description: 'fails',
      parameters: z.object({}),
      execute: () => {
        throw new Error('backend down');
      },
    });
    const runner = runnerWith(({ step }) => (step === 0 ? callTools({ name: 'broken' }) : reply('sorry')), [broken]);
    expect(lines(await read(runner, 'tool-error'))).toEqual(['tool-call broken', 'tool-error broken', 'text-start', 'text-delta sorry', 'text-end', 'finish']);
  });

  it('aborts the run when its reader leaves: the running tool sees the abort, nothing is read after, the hub gets `aborted`', async () => {
    const srv = await startHubServer();
    let toolSignal: AbortSignal | undefined;
    let finished = false;
    const slow = new FunctionTool({
      name: 'slow',
      description: 'waits',
      parameters: z.object({}),
      execute: async (_input, ctx) => {
        toolSignal = ctx?.abortSignal;
        addStatusMessage('Working slowly');
        await new Promise((resolve) => ctx?.abortSignal?.addEventListener('abort', resolve, { once: true }));
        addStatusMessage('after the abort');
        finished = true;
        return { ok: true };
      },
    });
    const runner = runnerWith(({ step }) => (step === 0 ? callTools({ name: 'slow' }) : reply('never')), [slow]);
    await runner.sessionService.createSession({ appName: 'reader', userId: 'u', sessionId: 'leave' });
    const tab = await TestClient.open(srv.url('leave'));
    const reader = readAdkRun(runner, { hub: srv.hub, userId: 'u', sessionId: 'leave', newMessage: userMessage('go') }, 'test');
    const seen: string[] = [];
    for await (const part of reader) {
      seen.push(lines([part])[0]!);
      if (part.type === 'status') break;
    }
    expect(toolSignal?.aborted).toBe(true);
    expect(finished).toBe(true);
    expect(seen).toEqual(['tool-call slow', 'status Working slowly']);
    expect(await reader.next()).toEqual({ value: undefined, done: true });
    await tab.waitFor((c) => c.runEnds.length === 1);
    expect(tab.runEnds[0]).toMatchObject({ state: 'aborted' });
    // Once aborted, the run shows nothing new anywhere: its own end status aside.
    expect(tab.statusTexts).toEqual(['Working slowly']);
    await tab.close();
    await srv.close();
  });
});
