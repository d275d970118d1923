/**
 * Statuses across an A2A boundary, with two real processes over HTTP: the remote agent
 * (`test/support/a2a-remote.ts`, served by `toA2aWithStatus`) in a child process, and here
 * either a plain `@a2a-js/sdk` client or a parent ADK app (RemoteA2AAgent + StatusHub +
 * runWithStatus) with a real `ws` client on the parent's session.
 */
import type { Message, MessageSendParams, TaskArtifactUpdateEvent, TaskStatusUpdateEvent } from '@a2a-js/sdk';
import { ClientFactory, ClientFactoryOptions, JsonRpcTransportFactory } from '@a2a-js/sdk/client';
import type { A2AStreamEventData } from '@google/adk';
import { InMemorySessionService, LlmAgent, LogLevel, RemoteA2AAgent, Runner, setLogLevel, stringifyContent } from '@google/adk';
import type { Event } from '@google/adk';
import { randomUUID } from 'node:crypto';
import { StatusPlugin } from '../../src/plugins/status-plugin.js';
import { parseAdkStatusEvent } from '../../src/client/parse-adk-status-event.js';
import { parseStatusPayload } from '../../src/protocol.js';
import { runWithStatus } from '../../src/runner/run-with-status.js';
import { toA2aWithStatus } from '../../src/adk/to-a2a-with-status.js';
import { startHubServer, TestClient } from '../support/hub-server.js';
import type { HubServer } from '../support/hub-server.js';
import {
  REMOTE_ANSWER,
  REMOTE_FAILURE,
  REMOTE_STATUS_TEXTS,
  REMOTE_TOOL_STATUS,
  spawnA2ARemote,
} from '../support/a2a-remote-process.js';
import type { RemoteProcess } from '../support/a2a-remote-process.js';
import { callTools, reply, ScriptedLlm } from '../support/scripted-llm.js';

setLogLevel(LogLevel.ERROR);

const ALL_STATUS_TEXTS = [...REMOTE_STATUS_TEXTS, REMOTE_TOOL_STATUS];
const REMOTE_NAME = 'archivist_remote';

function userMessage(text: string): MessageSendParams {
  const message: Message = { kind: 'message', messageId: randomUUID(), role: 'user', parts: [{ kind: 'text', text }] };
  return { message };
}

async function clientFor(url: string, token?: string) {
  if (!token) return new ClientFactory().createFromUrl(url);
  const fetchImpl: typeof fetch = (input, init) => {
    const headers = new Headers(init?.headers);
    headers.set('authorization', `Bearer ${token}`);
    return fetch(input, { ...init, headers });
  };
  const options = ClientFactoryOptions.createFrom(ClientFactoryOptions.default, {
    transports: [new JsonRpcTransportFactory({ fetchImpl })],
  });
  return new ClientFactory(options).createFromUrl(url);
}

async function collect(stream: AsyncIterable<A2AStreamEventData>): Promise<A2AStreamEventData[]> {
  const events: A2AStreamEventData[] = [];
  for await (const event of stream) events.push(event);
  return events;
}

const isStatus = (e: A2AStreamEventData): e is TaskStatusUpdateEvent => e.kind === 'status-update';
const isArtifact = (e: A2AStreamEventData): e is TaskArtifactUpdateEvent => e.kind === 'artifact-update';
const statusText = (e: A2AStreamEventData): string | undefined =>
  isStatus(e) && e.status.message?.parts[0]?.kind === 'text' ? e.status.message.parts[0].text : undefined;
/** The tool name of a function call/response artifact, if it is one. */
const artifactTool = (e: A2AStreamEventData): string | undefined => {
  if (!isArtifact(e)) return undefined;
  const part = e.artifact.parts[0];
  return part?.kind === 'data' ? String((part.data as { name?: unknown }).name) : undefined;
};

describe('toA2aWithStatus (served side, plain @a2a-js/sdk client)', () => {
  let remote: RemoteProcess;
  beforeAll(async () => {
    remote = await spawnA2ARemote();
  });
  afterAll(async () => {
    await remote?.stop();
  });

  it('streams each status as a working update, live and in order, before the artifacts that follow it', async () => {
    const client = await clientFor(remote.url);
    const events = await collect(client.sendMessageStream(userMessage('What does the archive say?')));
    const texts = events.map(statusText);
    const at = (text: string) => texts.indexOf(text);

    // The exact v0.3 shape, with the status in metadata.status_messenger in the one status shape.
    const first = events[at(REMOTE_STATUS_TEXTS[0])] as TaskStatusUpdateEvent;
    expect(first).toEqual({
      kind: 'status-update',
      taskId: expect.any(String),
      contextId: expect.any(String),
      final: false,
      status: {
        state: 'working',
        timestamp: expect.any(String),
        message: {
          kind: 'message',
          role: 'agent',
          messageId: expect.any(String),
          parts: [{ kind: 'text', text: REMOTE_STATUS_TEXTS[0] }],
          metadata: { status_messenger: { type: 'status', data: REMOTE_STATUS_TEXTS[0], agent: 'archivist', ts: expect.any(String) } },
        },
      },
    });

    // Order: the two tool statuses, then the slow tool's call, the status it adds while it runs,
    // its response, the answer, and `completed` last.
    const toolCall = events.findIndex((e) => artifactTool(e) === 'lookup_archive');
    const toolResponse = events.findIndex((e, i) => i > toolCall && artifactTool(e) === 'lookup_archive');
    const answer = events.findIndex((e) => isArtifact(e) && JSON.stringify(e.artifact).includes(REMOTE_ANSWER));
    expect(at(REMOTE_STATUS_TEXTS[0])).toBeGreaterThan(-1);
    expect(at(REMOTE_STATUS_TEXTS[0])).toBeLessThan(at(REMOTE_STATUS_TEXTS[1]));
    expect(at(REMOTE_STATUS_TEXTS[1])).toBeLessThan(toolCall);
    expect(toolCall).toBeLessThan(at(REMOTE_TOOL_STATUS));
    expect(at(REMOTE_TOOL_STATUS)).toBeLessThan(toolResponse);
    expect(toolResponse).toBeLessThan(answer);
    const last = events.at(-1) as TaskStatusUpdateEvent;
    expect(last).toMatchObject({ kind: 'status-update', final: true, status: { state: 'completed' } });

    // StatusPlugin's lifecycle statuses cross too, around the tool.
    expect(at('Running lookup archive…')).toBeGreaterThan(toolCall);
    expect(at('Finished lookup archive')).toBeLessThan(toolResponse);

    // Statuses are not the answer: no artifact holds a status text, or the status tool's call.
    const artifacts = JSON.stringify(events.filter(isArtifact));
    for (const text of ALL_STATUS_TEXTS) expect(artifacts).not.toContain(text);
    expect(artifacts).not.toContain('status_message');
    expect(artifacts).toContain(REMOTE_ANSWER);
  });

  it('keeps statuses out of the task the store returns (only in its history, as A2A does)', async () => {
    const client = await clientFor(remote.url);
    const events = await collect(client.sendMessageStream(userMessage('again')));
    const task = await client.getTask({ id: (events.at(-1) as TaskStatusUpdateEvent).taskId });
    const artifacts = JSON.stringify(task.artifacts ?? []);
    for (const text of ALL_STATUS_TEXTS) expect(artifacts).not.toContain(text);
    expect(task.status.state).toBe('completed');
  });
});

describe('toA2aWithStatus authentication', () => {
  it('fails closed without `authentication` unless `allowUnauthenticated: true`', async () => {
    const agent = new LlmAgent({ name: 'solo', model: new ScriptedLlm(() => callTools()), instruction: 'x' });
    await expect(toA2aWithStatus(agent)).rejects.toThrow(/without authentication/);
    await expect(toA2aWithStatus(agent, { allowUnauthenticated: false })).rejects.toThrow(/without authentication/);
    await expect(toA2aWithStatus(agent, { authenticaton: () => ({}) } as never)).rejects.toThrow(
      /unknown option `authenticaton` \(did you mean `authentication`\?/,
    );
  });

  it('rejects unauthenticated callers when `authentication` is given, and serves authenticated ones', async () => {
    const remote = await spawnA2ARemote({ token: 's3cret-token' });
    try {
      const anonymous = await clientFor(remote.url);
      await expect(collect(anonymous.sendMessageStream(userMessage('hi')))).rejects.toThrow();
      const wrong = await clientFor(remote.url, 'not-the-token');
      await expect(collect(wrong.sendMessageStream(userMessage('hi')))).rejects.toThrow();
      expect(remote.output()).not.toContain('A2A_REMOTE_RUN');
      const good = await clientFor(remote.url, 's3cret-token');
      const events = await collect(good.sendMessageStream(userMessage('hi')));
      expect(events.map(statusText)).toEqual(expect.arrayContaining([...REMOTE_STATUS_TEXTS]));
      // The rejected calls never reached the agent: the only run is the authenticated one.
      expect(remote.output().match(/A2A_REMOTE_RUN/g)).toHaveLength(1);
    } finally {
      await remote.stop();
    }
  });
});

/** A parent app: a coordinator that hands over to the remote, StatusPlugin, and a hub. */
function buildParent(remoteUrl: string) {
  const remoteAgent = new RemoteA2AAgent({
    name: REMOTE_NAME,
    description: 'The archive, over A2A',
    agentCard: remoteUrl, // the card resolver adds /.well-known/agent-card.json
  });
  const coordinator = new LlmAgent({
    name: 'coordinator',
    model: new ScriptedLlm(({ step }) =>
      step === 0 ? callTools({ name: 'transfer_to_agent', args: { agentName: REMOTE_NAME } }) : reply('(the coordinator again)'),
    ),
    instruction: 'Hand archive questions to the archivist.',
    subAgents: [remoteAgent],
  });
  const sessionService = new InMemorySessionService();
  const runner = new Runner({
    appName: 'parent_app',
    agent: coordinator,
    sessionService,
    plugins: [new StatusPlugin({ throttleMs: 0 })],
  });
  return { runner, sessionService };
}

/** Runs the parent; while it runs, waits for each forwarded status to reach the ws client. */
async function runParent(srv: HubServer, remoteUrl: string, onEvent?: (event: Event) => Promise<void> | void) {
  const { runner, sessionService } = buildParent(remoteUrl);
  const sessionId = `parent-${randomUUID()}`;
  await sessionService.createSession({ appName: 'parent_app', userId: 'u1', sessionId });
  const client = await TestClient.open(srv.url(sessionId));
  const events: Event[] = [];
  const seenLive: string[] = [];
  for await (const event of runWithStatus(runner, {
    hub: srv.hub,
    userId: 'u1',
    sessionId,
    newMessage: { role: 'user', parts: [{ text: 'What does the archive say?' }] },
  })) {
    events.push(event);
    // The parent's own event stream (its /run_sse, adk web) carries each forwarded status as a
    // status event: what the client's ADK event reader takes.
    const forwarded = parseAdkStatusEvent(event);
    if (forwarded) {
      // In the one status shape (what every other producer writes there), not a second one.
      expect(event.customMetadata?.status_messenger).toMatchObject({ type: 'status', data: forwarded.data });
      // Live: the run does not go on until the user's socket has the status.
      await client.waitFor((c) => c.statusTexts.includes(forwarded.data));
      seenLive.push(forwarded.data);
    }
    await onEvent?.(event);
  }
  const stored = await sessionService.getSession({ appName: 'parent_app', userId: 'u1', sessionId });
  return { client, events, seenLive, stored };
}

describe('RemoteA2AAgent parent with StatusPlugin (consuming side)', () => {
  let srv: HubServer;
  beforeEach(async () => {
    srv = await startHubServer();
  });
  afterEach(async () => {
    await srv.close();
  });

  it("delivers the remote's statuses live to the parent's user, attributed to the remote, and out of the answer", async () => {
    const remote = await spawnA2ARemote();
    try {
      const { client, events, seenLive, stored } = await runParent(srv, remote.url);
      // Every remote status reached the socket while the run was still going, in order.
      expect(seenLive).toEqual(expect.arrayContaining(ALL_STATUS_TEXTS));
      const order = ALL_STATUS_TEXTS.map((text) => seenLive.indexOf(text));
      expect(order).toEqual([...order].sort((a, b) => a - b));
      const finalIndex = events.findIndex((e) => stringifyContent(e).includes(REMOTE_ANSWER));
      const lastStatusIndex = events.findIndex((e) => parseStatusPayload(e.customMetadata?.status_messenger)?.data === REMOTE_TOOL_STATUS);
      expect(lastStatusIndex).toBeGreaterThan(-1);
      expect(lastStatusIndex).toBeLessThan(finalIndex);

      for (const text of ALL_STATUS_TEXTS) {
        const frame = client.statuses.find((s) => s.data === text);
        expect(frame).toMatchObject({ type: 'status', data: text, agent: REMOTE_NAME });
      }
      // The parent's answer text and its stored session hold no status text.
      const answerText = events.map((e) => stringifyContent(e)).join('\n');
      expect(answerText).toContain(REMOTE_ANSWER);
      const storedJson = JSON.stringify(stored?.events ?? []);
      expect(storedJson).toContain(REMOTE_ANSWER);
      for (const text of ALL_STATUS_TEXTS) {
        expect(answerText).not.toContain(text);
        expect(storedJson).not.toContain(text);
      }
      await client.close();
    } finally {
      await remote.stop();
    }
  });

  it('turns a remote failure mid-run into an error status, and the parent run ends with the error', async () => {
    const remote = await spawnA2ARemote({ fail: true });
    try {
      const { client, events } = await runParent(srv, remote.url);
      await client.waitFor((c) => c.statuses.some((s) => s.level === 'error'));
      const error = client.statuses.find((s) => s.level === 'error');
      expect(error).toMatchObject({ agent: REMOTE_NAME, data: 'archivist remote failed' });
      expect(error!.data).not.toContain(REMOTE_FAILURE);
      expect(client.statusTexts).toEqual(expect.arrayContaining([...REMOTE_STATUS_TEXTS]));
      const last = events.at(-1)!;
      expect(last.author).toBe(REMOTE_NAME);
      expect(last.errorMessage).toContain(REMOTE_FAILURE);
      await client.close();
    } finally {
      await remote.stop();
    }
  });

  it('ends the parent run with an error status when the remote process dies mid-stream', async () => {
    const remote = await spawnA2ARemote({ toolDelayMs: 60_000 });
    try {
      const { client, events } = await runParent(srv, remote.url, (event) => {
        // Kill the remote once it is inside the slow tool.
        if (parseStatusPayload(event.customMetadata?.status_messenger)?.data === 'Running lookup archive…') {
          remote.child.kill('SIGKILL');
        }
      });
      await client.waitFor((c) => c.statuses.some((s) => s.level === 'error'));
      expect(client.statuses.find((s) => s.level === 'error')).toMatchObject({ agent: REMOTE_NAME });
      expect(events.at(-1)!.errorMessage).toBeTruthy();
      await client.close();
    } finally {
      await remote.stop();
    }
  });
});
