/**
 * `runAsUIMessageStream` against the real AI SDK (ai 5, 6 and 7): a real ADK Runner with the
 * scripted model, streamed through the AI SDK's own server helpers
 * (`createUIMessageStreamResponse`, `pipeUIMessageStreamToResponse` on a real `http.Server`),
 * every chunk parsed and checked by the AI SDK's own chunk schema (as `useChat`'s transport
 * does), and read back into `UIMessage`s with its own `readUIMessageStream`.
 */
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { AgentTool, FunctionTool, InMemoryRunner, InMemorySessionService, LlmAgent, RemoteA2AAgent, Runner, StreamingMode } from '@google/adk';
import type { UIMessage } from 'ai';
import { z } from 'zod';
import { GENERIC_ERROR_TEXT, runAsUIMessageStream } from '../../src/ai-sdk/index.js';
import type { AdkDataTypes, AdkUIMessageChunk, RunAsUIMessageStreamOptions } from '../../src/ai-sdk/index.js';
import { StatusMessengerError } from '../../src/errors.js';
import { setDefaultLogger, silentLogger } from '../../src/logger.js';
import type { Logger } from '../../src/logger.js';
import { StatusPlugin } from '../../src/plugins/status-plugin.js';
import { addStatusMessage } from '../../src/tools/add-status-message.js';
import { statusMessageTool } from '../../src/tools/status-message-tool.js';
import { REMOTE_ANSWER, REMOTE_STATUS_TEXTS, REMOTE_TOOL_STATUS, spawnA2ARemote } from '../support/a2a-remote-process.js';
import { AI_SDK_VERSIONS, loadAiSdk, readAll } from '../support/ai-sdk.js';
import type { AiSdk } from '../support/ai-sdk.js';
import { startHubServer, TestClient } from '../support/hub-server.js';
import { callTools, reply, ScriptedLlm, streamReply } from '../support/scripted-llm.js';
import type { Script } from '../support/scripted-llm.js';

type ChatMessage = UIMessage<unknown, AdkDataTypes>;

const userMessage = (text: string) => ({ role: 'user', parts: [{ text }] });

const lookup = new FunctionTool({
  name: 'lookup',
  description: 'looks up',
  parameters: z.object({ q: z.string().optional() }),
  execute: () => {
    addStatusMessage({ message: 'Looking it up', progress: 50 });
    return { found: 3 };
  },
});

/** Plans with a status, looks up, answers: the run most tests stream. */
const planLookupAnswer: Script = ({ step }) =>
  step === 0
    ? callTools({ name: 'status_message', args: { message: 'Planning' } })
    : step === 1
      ? callTools({ name: 'lookup', args: { q: 'x' } })
      : reply('Three.');

type AgentInit = ConstructorParameters<typeof LlmAgent>[0];

function runnerWith(script: Script, tools: AgentInit['tools'] = [statusMessageTool, lookup], extra: Partial<AgentInit> = {}, plugins: StatusPlugin[] = []) {
  const agent = new LlmAgent({ name: 'solo', model: new ScriptedLlm(script), instruction: 'x', tools, ...extra });
  return new InMemoryRunner({ agent, appName: 'ai_sdk', plugins });
}

let sessions = 0;
async function newSession(runner: InMemoryRunner): Promise<string> {
  sessions += 1;
  const sessionId = `chat-${sessions}`;
  await runner.sessionService.createSession({ appName: runner.appName, userId: 'u', sessionId });
  return sessionId;
}

/** The chunks a client gets: through `createUIMessageStreamResponse`, parsed with the AI SDK's chunk schema. */
async function throughResponse(ai: AiSdk, stream: ReadableStream<AdkUIMessageChunk>): Promise<{ body: string; chunks: AdkUIMessageChunk[] }> {
  const body = await ai.createUIMessageStreamResponse({ stream }).text();
  return { body, chunks: await parseChunks(ai, body) };
}

/** Parses an SSE body as `useChat`'s transport does; every chunk must pass the AI SDK's own schema. */
async function parseChunks(ai: AiSdk, body: string): Promise<AdkUIMessageChunk[]> {
  const results = await readAll(ai.parseJsonEventStream({ stream: new Response(body).body!, schema: ai.uiMessageChunkSchema() }));
  const rejected = results.filter((result) => !result.success);
  expect(rejected).toEqual([]);
  return results.map((result) => (result as { value: AdkUIMessageChunk }).value);
}

/** Every chunk passes the AI SDK's own chunk schema. */
async function expectValid(ai: AiSdk, chunks: AdkUIMessageChunk[]): Promise<void> {
  const schema = ai.uiMessageChunkSchema();
  for (const chunk of chunks) expect(await schema.validate!(chunk)).toMatchObject({ success: true });
}

/** The assistant message the AI SDK builds from the chunks, and the errors it reported. */
async function readMessage(ai: AiSdk, chunks: AdkUIMessageChunk[]): Promise<{ message: ChatMessage | undefined; errors: string[] }> {
  const errors: string[] = [];
  let message: ChatMessage | undefined;
  const stream = new ReadableStream<AdkUIMessageChunk>({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(chunk);
      controller.close();
    },
  }) as unknown as Parameters<AiSdk['readUIMessageStream']>[0]['stream'];
  for await (const snapshot of ai.readUIMessageStream({ stream, onError: (error: unknown) => errors.push((error as Error).message) })) {
    message = snapshot as unknown as ChatMessage;
  }
  return { message, errors };
}

const types = (chunks: AdkUIMessageChunk[]) => chunks.map((chunk) => (chunk.type === 'data-status' ? `status ${chunk.data.data}` : chunk.type));
const statusesOf = (chunks: AdkUIMessageChunk[]) => chunks.flatMap((chunk) => (chunk.type === 'data-status' ? [chunk.data] : []));

/** A real `http.Server` answering every POST with `handle`. */
async function startServer(handle: (req: http.IncomingMessage, res: http.ServerResponse) => void): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer(handle);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/api/chat`,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe.each(AI_SDK_VERSIONS)('runAsUIMessageStream with ai %i', (version) => {
  let ai: AiSdk;
  beforeAll(async () => {
    ai = await loadAiSdk(version);
  });

  it('streams the statuses, the tool call with its result and the answer once, in order, each chunk valid', async () => {
    const runner = runnerWith(planLookupAnswer);
    const sessionId = await newSession(runner);
    const { chunks } = await throughResponse(ai, runAsUIMessageStream(runner, { userId: 'u', sessionId, newMessage: userMessage('go') }));
    expect(types(chunks)).toEqual([
      'start',
      'status Planning',
      'tool-input-available',
      'status Looking it up',
      'tool-output-available',
      'text-start',
      'text-delta',
      'text-end',
      'status Done',
      'finish',
    ]);
    const call = chunks.find((chunk) => chunk.type === 'tool-input-available')!;
    expect(call).toEqual({ type: 'tool-input-available', toolCallId: expect.stringMatching(/^adk-/), toolName: 'lookup', input: { q: 'x' } });
    expect(chunks.find((chunk) => chunk.type === 'tool-output-available')).toEqual({ type: 'tool-output-available', toolCallId: call.toolCallId, output: { found: 3 } });
    expect(chunks.find((chunk) => chunk.type === 'text-delta')).toMatchObject({ delta: 'Three.' });
    // Every status is transient, with the wire fields.
    for (const chunk of chunks.filter((c) => c.type === 'data-status')) expect(chunk).toMatchObject({ transient: true, data: { type: 'status', ts: expect.any(String) } });
    expect(statusesOf(chunks)).toEqual([
      expect.objectContaining({ data: 'Planning', agent: 'solo' }),
      expect.objectContaining({ data: 'Looking it up', progress: 50 }),
      expect.objectContaining({ data: 'Done', state: 'done', level: 'success' }),
    ]);
  });

  it('reads back into one assistant message: the tool part with its output, the answer, and no status anywhere', async () => {
    const runner = runnerWith(planLookupAnswer);
    const sessionId = await newSession(runner);
    const { chunks } = await throughResponse(ai, runAsUIMessageStream(runner, { userId: 'u', sessionId, newMessage: userMessage('go') }));
    const { message, errors } = await readMessage(ai, chunks);
    expect(errors).toEqual([]);
    expect(message?.role).toBe('assistant');
    expect(message?.parts).toEqual([
      expect.objectContaining({ type: 'tool-lookup', state: 'output-available', input: { q: 'x' }, output: { found: 3 } }),
      expect.objectContaining({ type: 'text', text: 'Three.' }),
    ]);
    const saved = JSON.stringify(message);
    for (const text of ['Planning', 'Looking it up', 'Done', 'status_message', 'data-status']) expect(saved).not.toContain(text);
  });

  it('streams the answer as deltas with StreamingMode.SSE, never repeated, and the thoughts as reasoning', async () => {
    const runner = runnerWith(({ step }) => (step === 0 ? callTools({ name: 'lookup' }) : streamReply(['The ', 'answer ', 'is 3.'], { thought: 'Counting…' })));
    const sessionId = await newSession(runner);
    const { chunks } = await throughResponse(
      ai,
      runAsUIMessageStream(runner, { userId: 'u', sessionId, newMessage: userMessage('go'), runConfig: { streamingMode: StreamingMode.SSE } }),
    );
    expect(chunks.filter((chunk) => chunk.type === 'text-delta').map((chunk) => (chunk as { delta: string }).delta)).toEqual(['The ', 'answer ', 'is 3.']);
    expect(chunks.filter((chunk) => chunk.type.startsWith('reasoning-')).map((chunk) => chunk.type)).toEqual(['reasoning-start', 'reasoning-delta', 'reasoning-end']);
    const { message } = await readMessage(ai, chunks);
    expect(message?.parts.map((part) => part.type)).toEqual(['tool-lookup', 'reasoning', 'text']);
    expect(message?.parts.at(-1)).toMatchObject({ type: 'text', text: 'The answer is 3.', state: 'done' });
  });

  it('ends a run whose model throws with one generic error chunk: the server’s text never reaches the client', async () => {
    const runner = runnerWith(() => {
      throw new Error('model exploded: secret internal detail');
    });
    const sessionId = await newSession(runner);
    const logged: unknown[] = [];
    setDefaultLogger({ ...silentLogger, error: (...args: unknown[]) => void logged.push(args) });
    try {
      const { body, chunks } = await throughResponse(ai, runAsUIMessageStream(runner, { userId: 'u', sessionId, newMessage: userMessage('go') }));
      expect(types(chunks)).toEqual(['start', 'status Something went wrong. Please try again.', 'error']);
      expect(chunks.at(-1)).toEqual({ type: 'error', errorText: GENERIC_ERROR_TEXT });
      expect(body).not.toContain('secret internal detail');
      const { errors } = await readMessage(ai, chunks);
      expect(errors).toEqual([GENERIC_ERROR_TEXT]);
      // The server keeps the details: one log line when no onError handles it.
      expect(JSON.stringify(logged.map((args) => String((args as unknown[])[1])))).toContain('secret internal detail');
    } finally {
      setDefaultLogger(silentLogger);
    }
  });
});

describe('runAsUIMessageStream', () => {
  let ai: AiSdk;
  beforeAll(async () => {
    ai = await loadAiSdk(7);
  });

  it('carries every producer’s status once, in order: the tool, addStatusMessage in a model callback, StatusPlugin, an AgentTool’s sub-run', async () => {
    const researcher = new LlmAgent({
      name: 'researcher',
      description: 'researches',
      model: new ScriptedLlm(({ step }) => (step === 0 ? callTools({ name: 'status_message', args: { message: 'Reading sources' } }) : reply('facts'))),
      instruction: 'x',
      tools: [statusMessageTool],
    });
    const runner = runnerWith(
      ({ step }) =>
        step === 0
          ? callTools({ name: 'status_message', args: { message: 'Planning' } }, { name: 'researcher', args: { request: 'go' } })
          : reply('done'),
      [statusMessageTool, new AgentTool({ agent: researcher })],
      {
        beforeModelCallback: () => {
          addStatusMessage('Asking the model');
          return undefined;
        },
      },
      [new StatusPlugin({ throttleMs: 0 })],
    );
    const sessionId = await newSession(runner);
    const { chunks } = await throughResponse(ai, runAsUIMessageStream(runner, { userId: 'u', sessionId, newMessage: userMessage('go') }));
    expect(statusesOf(chunks).map((status) => status.data)).toEqual([
      'Asking the model',
      'Planning',
      'Asking researcher…',
      'Reading sources',
      'researcher answered',
      'Asking the model',
      'Done',
    ]);
    // The status tool's own calls are never tool parts, and no status text is ever answer text.
    expect(chunks.filter((chunk) => chunk.type === 'tool-input-available').map((chunk) => (chunk as { toolName: string }).toolName)).toEqual(['researcher']);
    const text = chunks.flatMap((chunk) => (chunk.type === 'text-delta' ? [chunk.delta] : [])).join('');
    expect(text).toBe('done');
  });

  it('carries a remote A2A agent’s statuses, attributed to it, and its answer once', async () => {
    const remote = await spawnA2ARemote({ toolDelayMs: 60 });
    try {
      const coordinator = new LlmAgent({
        name: 'coordinator',
        model: new ScriptedLlm(({ step }) => (step === 0 ? callTools({ name: 'transfer_to_agent', args: { agentName: 'archivist_remote' } }) : reply('(again)'))),
        instruction: 'Hand archive questions to the archivist.',
        subAgents: [new RemoteA2AAgent({ name: 'archivist_remote', description: 'The archive, over A2A', agentCard: remote.url })],
      });
      const sessionService = new InMemorySessionService();
      const runner = new Runner({ appName: 'parent_app', agent: coordinator, sessionService, plugins: [new StatusPlugin({ throttleMs: 0 })] });
      await sessionService.createSession({ appName: 'parent_app', userId: 'u', sessionId: 'a2a' });
      const { chunks } = await throughResponse(ai, runAsUIMessageStream(runner, { userId: 'u', sessionId: 'a2a', newMessage: userMessage('What does the archive say?') }));
      const remoteStatuses = statusesOf(chunks).filter((status) => status.agent === 'archivist_remote').map((status) => status.data);
      expect(remoteStatuses).toEqual(expect.arrayContaining([...REMOTE_STATUS_TEXTS, REMOTE_TOOL_STATUS]));
      const order = [...REMOTE_STATUS_TEXTS, REMOTE_TOOL_STATUS].map((text) => remoteStatuses.indexOf(text));
      expect(order).toEqual([...order].sort((a, b) => a - b));
      const text = chunks.flatMap((chunk) => (chunk.type === 'text-delta' ? [chunk.delta] : [])).join('');
      expect(text.split(REMOTE_ANSWER)).toHaveLength(2);
      for (const status of [...REMOTE_STATUS_TEXTS, REMOTE_TOOL_STATUS]) expect(text).not.toContain(status);
      expect(types(chunks).at(-1)).toBe('finish');
    } finally {
      await remote.stop();
    }
  });

  it('sends each status while the run is still going, before the answer exists', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const waiting = new FunctionTool({
      name: 'waiting',
      description: 'waits',
      parameters: z.object({}),
      execute: async () => {
        addStatusMessage('Half way');
        await gate;
        return { ok: true };
      },
    });
    const runner = runnerWith(({ step }) => (step === 0 ? callTools({ name: 'waiting' }) : reply('ok')), [waiting]);
    const sessionId = await newSession(runner);
    const reader = runAsUIMessageStream(runner, { userId: 'u', sessionId, newMessage: userMessage('go') }).getReader();
    const seen: string[] = [];
    while (!seen.includes('status Half way')) seen.push(...types([(await reader.read()).value!]));
    expect(seen).toEqual(['start', 'tool-input-available', 'status Half way']);
    release();
    const rest: AdkUIMessageChunk[] = [];
    for (let next = await reader.read(); !next.done; next = await reader.read()) rest.push(next.value);
    expect(types(rest)).toEqual(['tool-output-available', 'text-start', 'text-delta', 'text-end', 'status Done', 'finish']);
  });

  it('with `hub`, sends the same statuses to every connection of the session, end status included', async () => {
    const srv = await startHubServer();
    try {
      const runner = runnerWith(planLookupAnswer);
      const sessionId = await newSession(runner);
      const tabs = await Promise.all([TestClient.open(srv.url(sessionId)), TestClient.open(srv.url(sessionId))]);
      const { chunks } = await throughResponse(ai, runAsUIMessageStream(runner, { hub: srv.hub, userId: 'u', sessionId, newMessage: userMessage('go') }));
      for (const tab of tabs) {
        await tab.waitFor((c) => c.runEnds.length === 1);
        expect(tab.statusTexts).toEqual(['Planning', 'Looking it up']);
        expect(tab.runEnds[0]).toMatchObject({ data: 'Done', state: 'done' });
        await tab.close();
      }
      expect(statusesOf(chunks).map((status) => status.data)).toEqual(['Planning', 'Looking it up', 'Done']);
    } finally {
      await srv.close();
    }
  });

  it('continues the ADK session on the next message: the model sees the earlier turn', async () => {
    const runner = runnerWith(({ request, userText }) => {
      const turns = request.contents.filter((content) => content.role === 'user').length;
      return reply(`turn ${turns}: ${userText}`);
    });
    const sessionId = await newSession(runner);
    const first = await throughResponse(ai, runAsUIMessageStream(runner, { userId: 'u', sessionId, newMessage: userMessage('one') }));
    const second = await throughResponse(ai, runAsUIMessageStream(runner, { userId: 'u', sessionId, newMessage: userMessage('two') }));
    const text = (chunks: AdkUIMessageChunk[]) => chunks.flatMap((chunk) => (chunk.type === 'text-delta' ? [chunk.delta] : [])).join('');
    expect(text(first.chunks)).toBe('turn 1: one');
    expect(text(second.chunks)).toBe('turn 2: two');
  });

  it('shows a tool that threw as a tool-output-error with `onError`’s text, and the run goes on', async () => {
    const broken = new FunctionTool({
      name: 'broken',
      description: 'fails',
      parameters: z.object({}),
      execute: () => {
        throw new Error('backend down at 10.0.0.7');
      },
    });
    const runner = runnerWith(({ step }) => (step === 0 ? callTools({ name: 'broken' }) : reply('sorry')), [broken]);
    const sessionId = await newSession(runner);
    const seen: unknown[] = [];
    const onError = (error: unknown) => {
      seen.push(error);
      return 'The tool failed.';
    };
    const { body, chunks } = await throughResponse(ai, runAsUIMessageStream(runner, { userId: 'u', sessionId, newMessage: userMessage('go') }, { onError }));
    expect(types(chunks)).toEqual(['start', 'tool-input-available', 'tool-output-error', 'text-start', 'text-delta', 'text-end', 'finish']);
    expect(chunks[2]).toMatchObject({ errorText: 'The tool failed.' });
    expect(body).not.toContain('10.0.0.7');
    expect(String(seen[0])).toContain('backend down');
    const { message } = await readMessage(ai, chunks);
    expect(message?.parts[0]).toMatchObject({ type: 'tool-broken', state: 'output-error', errorText: 'The tool failed.' });
  });

  it('maps a failed run with `onError` (ADK’s failure report included), and falls back to the generic text when `onError` throws', async () => {
    const failing = () =>
      runnerWith(() => {
        throw new Error('quota exceeded for project 1234');
      });
    const runner = failing();
    const sessionId = await newSession(runner);
    const errors: unknown[] = [];
    const mapped = await throughResponse(
      ai,
      runAsUIMessageStream(runner, { userId: 'u', sessionId, newMessage: userMessage('go') }, { onError: (error) => (errors.push(error), 'Please try again later.') }),
    );
    expect(mapped.chunks.at(-1)).toEqual({ type: 'error', errorText: 'Please try again later.' });
    expect(errors[0]).toMatchObject({ name: 'AdkRunError', message: expect.stringContaining('quota exceeded') });

    const other = failing();
    const otherSession = await newSession(other);
    const thrown = await throughResponse(
      ai,
      runAsUIMessageStream(other, { userId: 'u', sessionId: otherSession, newMessage: userMessage('go') }, {
        onError: () => {
          throw new Error('bad mapper');
        },
      }),
    );
    expect(thrown.chunks.at(-1)).toEqual({ type: 'error', errorText: GENERIC_ERROR_TEXT });
  });

  it('ends with an error chunk, not a throw, when the runner itself throws (no such session)', async () => {
    const runner = runnerWith(planLookupAnswer);
    const { body, chunks } = await throughResponse(ai, runAsUIMessageStream(runner, { userId: 'u', sessionId: 'never-created', newMessage: userMessage('go') }));
    expect(types(chunks)).toEqual(['start', 'status Something went wrong. Please try again.', 'error']);
    expect(body).not.toContain('never-created');
  });

  it('leaves out reasoning and the end status when asked, and merges into a stream of the app’s own', async () => {
    const runner = runnerWith(({ step }) => (step === 0 ? callTools({ name: 'lookup' }) : streamReply(['ok'], { thought: 'hmm' })));
    const sessionId = await newSession(runner);
    const options: RunAsUIMessageStreamOptions = { sendReasoning: false, sendEndStatus: false, sendStart: false, sendFinish: false };
    const stream = ai.createUIMessageStream({
      execute: async ({ writer }) => {
        writer.write({ type: 'start', messageId: 'm-1' });
        writer.merge(
          runAsUIMessageStream(runner, { userId: 'u', sessionId, newMessage: userMessage('go'), runConfig: { streamingMode: StreamingMode.SSE } }, options) as never,
        );
      },
    });
    const { chunks } = await throughResponse(ai, stream as unknown as ReadableStream<AdkUIMessageChunk>);
    expect(types(chunks)).toEqual(['start', 'tool-input-available', 'status Looking it up', 'tool-output-available', 'text-start', 'text-delta', 'text-end']);
    expect(chunks[0]).toEqual({ type: 'start', messageId: 'm-1' });
  });

  it('sends the message id `generateMessageId` makes in `start`', async () => {
    const runner = runnerWith(() => reply('hi'));
    const sessionId = await newSession(runner);
    const { chunks } = await throughResponse(ai, runAsUIMessageStream(runner, { userId: 'u', sessionId, newMessage: userMessage('go') }, { generateMessageId: () => 'msg-42' }));
    expect(chunks[0]).toEqual({ type: 'start', messageId: 'msg-42' });
    const { message } = await readMessage(ai, chunks);
    expect(message?.id).toBe('msg-42');
  });

  it('advances the run only as the stream is read', async () => {
    let calls = 0;
    const runner = runnerWith(() => {
      calls += 1;
      return reply('hi');
    });
    const sessionId = await newSession(runner);
    const stream = runAsUIMessageStream(runner, { userId: 'u', sessionId, newMessage: userMessage('go') });
    await new Promise((resolve) => setTimeout(resolve, 50)); // window: an eager run would call the model in it
    expect(calls).toBe(0);
    const reader = stream.getReader();
    expect(await reader.read()).toEqual({ value: { type: 'start' }, done: false });
    // Nothing is read ahead: until the next read, the model is not called.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(calls).toBe(0);
    expect((await reader.read()).value).toMatchObject({ type: 'text-start' });
    expect(calls).toBe(1);
    await reader.cancel();
  });

  describe('when the client stops', () => {
    /** A tool that reports, then waits for the run's abort; records what it saw. */
    function slowRun() {
      const seen = { signal: undefined as AbortSignal | undefined, finished: false, started: 0 };
      let started!: () => void;
      const running = new Promise<void>((resolve) => (started = resolve));
      const slow = new FunctionTool({
        name: 'slow',
        description: 'waits',
        parameters: z.object({}),
        execute: async (_input, ctx) => {
          seen.signal = ctx?.abortSignal;
          addStatusMessage('Working slowly');
          started();
          await new Promise((resolve) => ctx?.abortSignal?.addEventListener('abort', resolve, { once: true }));
          addStatusMessage('after the abort');
          seen.finished = true;
          return { ok: true };
        },
      });
      const runner = runnerWith(({ step, userText }) => (userText === 'again' ? reply('again') : step === 0 ? callTools({ name: 'slow' }) : reply('never')), [slow]);
      return { runner, seen, running };
    }

    /** The aborted run let go of its session: the next message runs to its end. */
    async function expectSessionFree(runner: InMemoryRunner, sessionId: string): Promise<void> {
      const { chunks } = await throughResponse(ai, runAsUIMessageStream(runner, { userId: 'u', sessionId, newMessage: userMessage('again') }));
      expect(chunks.flatMap((chunk) => (chunk.type === 'text-delta' ? [chunk.delta] : []))).toEqual(['again']);
    }

    it('aborts the ADK run when the response’s client disconnects (pipeUIMessageStreamToResponse), sends nothing after, and the hub gets `aborted`', async () => {
      const hubServer = await startHubServer();
      const { runner, seen, running } = slowRun();
      const sessionId = await newSession(runner);
      const written: string[] = [];
      let finished!: () => void;
      const responseClosed = new Promise<void>((resolve) => (finished = resolve));
      const server = await startServer((req, res) => {
        // Node: a client that left shows as `close` on the response before it finished.
        const controller = new AbortController();
        res.on('close', () => {
          if (!res.writableFinished) controller.abort();
          finished();
        });
        const write = res.write.bind(res) as (chunk: unknown) => boolean;
        res.write = ((chunk: Uint8Array) => (written.push(Buffer.from(chunk).toString('utf8')), write(chunk))) as typeof res.write;
        const stream = runAsUIMessageStream(runner, { hub: hubServer.hub, userId: 'u', sessionId, newMessage: userMessage('go'), abortSignal: controller.signal });
        void ai.pipeUIMessageStreamToResponse({ response: res, stream });
      });
      try {
        const tab = await TestClient.open(hubServer.url(sessionId));
        const client = new AbortController();
        const response = await fetch(server.url, { method: 'POST', signal: client.signal });
        const reader = response.body!.getReader();
        let text = '';
        while (!text.includes('Working slowly')) text += new TextDecoder().decode((await reader.read()).value);
        await running;
        client.abort(); // useChat's stop()
        await responseClosed;
        await tab.waitFor((c) => c.runEnds.length === 1);
        expect(tab.runEnds[0]).toMatchObject({ state: 'aborted' });
        expect(seen.signal?.aborted).toBe(true);
        expect(seen.finished).toBe(true);
        const sent = written.join('');
        expect(sent).toContain('Working slowly');
        for (const after of ['after the abort', 'never', '"abort"', 'Stopped', 'finish']) expect(sent).not.toContain(after);
        expect(tab.statusTexts).toEqual(['Working slowly']);
        await tab.close();
        await expectSessionFree(runner, sessionId);
      } finally {
        await server.close();
        await hubServer.close();
      }
    });

    it('ends with one `abort` chunk when the run’s abortSignal fires (a fetch server’s request.signal), as streamText does', async () => {
      const { runner, seen, running } = slowRun();
      const sessionId = await newSession(runner);
      const controller = new AbortController();
      const reader = runAsUIMessageStream(runner, { userId: 'u', sessionId, newMessage: userMessage('go'), abortSignal: controller.signal }).getReader();
      const chunks: AdkUIMessageChunk[] = [];
      while (!types(chunks).includes('status Working slowly')) chunks.push((await reader.read()).value!);
      await running;
      controller.abort();
      for (let next = await reader.read(); !next.done; next = await reader.read()) chunks.push(next.value);
      expect(types(chunks)).toEqual(['start', 'tool-input-available', 'status Working slowly', 'abort']);
      await expectValid(ai, chunks);
      await waitFor(() => seen.finished);
      expect(seen.signal?.aborted).toBe(true);
      await expectSessionFree(runner, sessionId);
    });

    it('sends only `abort`, and never starts the run, when the signal fired before the stream was read', async () => {
      let calls = 0;
      const runner = runnerWith(() => {
        calls += 1;
        return reply('never');
      });
      const sessionId = await newSession(runner);
      const { chunks } = await throughResponse(ai, runAsUIMessageStream(runner, { userId: 'u', sessionId, newMessage: userMessage('go'), abortSignal: AbortSignal.abort() }));
      expect(chunks).toEqual([{ type: 'abort' }]);
      expect(calls).toBe(0);
    });

    it('aborts the run when the stream is cancelled, and never throws into the server', async () => {
      const { runner, seen, running } = slowRun();
      const sessionId = await newSession(runner);
      const unhandled: unknown[] = [];
      const onUnhandled = (reason: unknown) => unhandled.push(reason);
      process.on('unhandledRejection', onUnhandled);
      try {
        const reader = runAsUIMessageStream(runner, { userId: 'u', sessionId, newMessage: userMessage('go') }).getReader();
        const pending = (async () => {
          for (;;) if ((await reader.read()).done) return;
        })();
        await running;
        await reader.cancel(new Error('Client disconnected.'));
        await pending;
        expect(seen.signal?.aborted).toBe(true);
        expect(seen.finished).toBe(true);
        await expectSessionFree(runner, sessionId);
      } finally {
        process.off('unhandledRejection', onUnhandled);
      }
      expect(unhandled).toEqual([]);
    });
  });

  describe('wiring bugs throw at the call', () => {
    const runner = runnerWith(planLookupAnswer);
    const params = { userId: 'u', sessionId: 's', newMessage: userMessage('go') };

    it('rejects an unknown option, naming the closest one', () => {
      expect(() => runAsUIMessageStream(runner, params, { sendReasonning: false } as never)).toThrow(/unknown option `sendReasonning` \(did you mean `sendReasoning`\?/);
    });

    it('says where an option of the stream belongs when it is given with the run’s params', () => {
      expect(() => runAsUIMessageStream(runner, { ...params, onError: () => 'x' } as never)).toThrow(/`onError` is an option of the stream: pass it in `options` \(the third argument\)/);
    });

    it('rejects an unknown run parameter and a bad option value', () => {
      const error = (() => {
        try {
          runAsUIMessageStream(runner, { ...params, sesionId: 's' } as never);
        } catch (thrown) {
          return thrown;
        }
        return undefined;
      })();
      expect(StatusMessengerError.isInstance(error, 'ERR_INVALID_OPTION')).toBe(true);
      expect(String(error)).toMatch(/unknown option `sesionId` \(did you mean `sessionId`\?\)/);
      expect(() => runAsUIMessageStream(runner, params, { onError: 'oops' } as never)).toThrow(/Expected `onError` to be a function/);
      expect(() => runAsUIMessageStream({} as never, params)).toThrow(/an ADK Runner/);
    });
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
