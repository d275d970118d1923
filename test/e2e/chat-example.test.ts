/**
 * The chat example's server (in-process, port 0, offline model): sessions and their tokens, the
 * socket, origins, bad input; the example as a process (busy port, shutdown); Pub/Sub events on the
 * real emulator. Its page in Chromium: chat-example-page.test.ts.
 */
import { once } from 'node:events';
import net from 'node:net';
import type { ChatApp } from '../../examples/chat/app.js';
import { createSession, startChat } from '../support/chat-app.js';
import { spawnChatServer } from '../support/chat-process.js';
import { rawUpgrade, TestClient } from '../support/hub-server.js';
import { describeIfEmulator } from '../support/pubsub-emulator.js';
import { createTopicAndSubscription, pullEvents, TEST_PROJECT, uniqueId } from '../support/pubsub-pull.js';

describe('chat example server', () => {
  let chat: { app: ChatApp; origin: string };
  beforeAll(async () => {
    chat = await startChat();
  });
  afterAll(async () => {
    await chat.app.close();
  });

  it('issues 128-bit session ids with tokens, and answers /healthz', async () => {
    const a = await createSession(chat.origin);
    const b = await createSession(chat.origin);
    expect(a.sessionId).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(Buffer.from(a.sessionId, 'base64url')).toHaveLength(16);
    expect(a.sessionId).not.toBe(b.sessionId);
    expect(a.wsUrl).toBe(`/ws/${a.sessionId}?token=${encodeURIComponent(a.token)}`);
    const health = await (await fetch(`${chat.origin}/healthz`)).json();
    expect(health).toMatchObject({ ok: true, model: 'offline' });
  });

  it('refuses a socket without a token, or with another session’s token, before the upgrade', async () => {
    const port = Number(new URL(chat.origin).port);
    const a = await createSession(chat.origin);
    const b = await createSession(chat.origin);
    expect((await rawUpgrade(port, `/ws/${a.sessionId}`)).status).toBe(401);
    expect((await rawUpgrade(port, `/ws/${a.sessionId}?token=${b.token}`)).status).toBe(401);
    expect((await rawUpgrade(port, `/ws/${a.sessionId}?token=${a.token}x`)).status).toBe(401);
    expect((await rawUpgrade(port, `/ws/${a.sessionId}?token=${encodeURIComponent(a.token)}`)).status).toBe(101);
  });

  it('stops honouring a token after its TTL: upgrades get 401, and an open socket gets no more chat turns', async () => {
    const short = await startChat({ SESSION_TOKEN_TTL_HOURS: String(1.5 / 3600) }); // 1.5 s
    try {
      const port = Number(new URL(short.origin).port);
      const a = await createSession(short.origin);
      const client = await TestClient.open(`${short.origin.replace('http', 'ws')}${a.wsUrl}`);
      await new Promise((resolve) => setTimeout(resolve, 2000)); // window: past the 1.5 s token TTL under test
      client.socket.send('What is ADK?');
      expect(await client.closed).toEqual({ code: 4001, reason: 'session token expired' });
      expect(client.raw.map((text) => JSON.parse(text) as { type: string })).toContainEqual({
        type: 'error',
        message: 'This chat session has expired. Reload the page to start a new one.',
      });
      expect(client.statuses).toEqual([]); // the agent never ran
      expect((await rawUpgrade(port, a.wsUrl)).status).toBe(401);
      // The page's resume call gets a new session instead of the expired one.
      const resumed = await fetch(`${short.origin}/api/sessions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ sessionId: a.sessionId, token: a.token }),
      });
      expect(resumed.status).toBe(201);
    } finally {
      await short.app.close();
    }
  });

  it('resumes a session whose token verifies, and replaces one whose token does not', async () => {
    const a = await createSession(chat.origin);
    const again = await fetch(`${chat.origin}/api/sessions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ sessionId: a.sessionId, token: a.token }),
    });
    expect(again.status).toBe(200);
    expect(((await again.json()) as { sessionId: string }).sessionId).toBe(a.sessionId);
    const forged = await fetch(`${chat.origin}/api/sessions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ sessionId: a.sessionId, token: 'forged' }),
    });
    expect(forged.status).toBe(201);
    expect(((await forged.json()) as { sessionId: string }).sessionId).not.toBe(a.sessionId);
  });

  it('streams statuses and the answer as the seed’s frames over a plain socket', async () => {
    const a = await createSession(chat.origin);
    const client = await TestClient.open(`${chat.origin.replace('http', 'ws')}${a.wsUrl}`);
    client.socket.send('How does exponential backoff with jitter work?');
    await client.waitFor((c) => c.frames.some((f) => f.type === 'agent_turn_complete'), 20_000);
    const types = client.frames.map((f) => f.type);
    const firstMessage = types.indexOf('agent_message');
    expect(client.statuses.length).toBeGreaterThanOrEqual(4);
    expect(types.lastIndexOf('status')).toBeGreaterThan(types.lastIndexOf('agent_message'));
    // The last status ends the run, after the answer and before the seed's turn-complete frame.
    expect(client.runEnds.map((f) => [f.data, f.state, f.level])).toEqual([['Done', 'done', 'success']]);
    expect(client.frames.at(-2)).toMatchObject({ type: 'status', state: 'done' });
    expect(firstMessage).toBeGreaterThan(types.indexOf('status'));
    const messages = client.frames.filter((f): f is { type: 'agent_message'; message: string } => f.type === 'agent_message');
    // Each message carries the whole text so far; the last is the full answer.
    for (let i = 1; i < messages.length; i += 1) expect(messages[i]!.message.startsWith(messages[i - 1]!.message.slice(0, 20))).toBe(true);
    expect(messages.at(-1)!.message).toContain('Exponential backoff with jitter');
    expect(client.statusTexts[0]).toBe('Understanding your question: “How does exponential backoff with jitter work?”');
    await client.close();
  });

  it('allows its own origin plus ALLOWED_ORIGINS, and no others', async () => {
    const other = await startChat({ ALLOWED_ORIGINS: 'https://embed.example.com' });
    try {
      const port = Number(new URL(other.origin).port);
      const a = await createSession(other.origin);
      const path = `/ws/${a.sessionId}?token=${encodeURIComponent(a.token)}`;
      expect((await rawUpgrade(port, path, { Origin: other.origin })).status).toBe(101);
      expect((await rawUpgrade(port, path, { Origin: 'https://embed.example.com' })).status).toBe(101);
      expect((await rawUpgrade(port, path, { Origin: 'https://evil.example.com' })).status).toBe(403);
    } finally {
      await other.app.close();
    }
  });

  it('sends a generic error frame, not internals, for empty or oversized messages', async () => {
    const a = await createSession(chat.origin);
    const client = await TestClient.open(`${chat.origin.replace('http', 'ws')}${a.wsUrl}`);
    client.socket.send('   ');
    await client.waitFor((c) => c.frames.some((f) => f.type === 'error'));
    expect(client.frames.find((f) => f.type === 'error')).toEqual({ type: 'error', message: 'Messages must be 1–4000 characters.' });
    await client.close();
  });
});


describe('chat example process', () => {
  it('says in one line, with no stack, that its port is busy, and exits 1', async () => {
    const blocker = net.createServer().listen(0, '127.0.0.1');
    await once(blocker, 'listening');
    const { port } = blocker.address() as net.AddressInfo;
    try {
      const error = await spawnChatServer({ PORT: String(port) }).then(
        () => new Error('the chat server started on a busy port'),
        (failure: Error) => failure,
      );
      const lines = error.message.split('\n').filter((line) => line.trim() !== '' && !line.startsWith('[chat] model') && !line.startsWith('[chat] env') && !line.startsWith('[chat] Pub/Sub'));
      expect(lines).toEqual([
        'chat server exited early (code 1, signal null):',
        `[chat] port ${port} on 127.0.0.1 is already in use (is another \`npm start\` running?). Stop that process, or pick another port: PORT=${port + 1} npm start`,
      ]);
    } finally {
      blocker.close();
    }
  }, 60_000);

  it('starts offline with no key, says so first, and shuts down on SIGTERM: sockets closed with 1001, exit 0', async () => {
    const chat = await spawnChatServer({
      CHAT_MODEL: undefined,
      GOOGLE_API_KEY: undefined,
      GEMINI_API_KEY: undefined,
      GOOGLE_GENAI_API_KEY: undefined,
      GOOGLE_GENAI_USE_VERTEXAI: undefined,
      GOOGLE_GENAI_USE_ENTERPRISE: undefined,
      OFFLINE_MODEL_DELAY_MS: '300',
    });
    try {
      const firstLine = chat.output().split('\n').find((line) => line.startsWith('[chat]'));
      expect(firstLine).toMatch(/^\[chat\] model: offline \(.*\)\. Set GOOGLE_API_KEY \(or GEMINI_API_KEY\) to use Gemini\.$/);
      const session = await createSession(chat.origin);
      const client = await TestClient.open(`${chat.origin.replace('http', 'ws')}${session.wsUrl}`);
      client.socket.send('What is Cloud Run?');
      await client.waitFor((c) => c.statuses.length >= 2, 20_000);
      // Mid-stream.
      const code = chat.stop('SIGTERM');
      expect((await client.closed).code).toBe(1001);
      expect(await code).toBe(0);
      expect(chat.output()).toContain('SIGTERM: closing sockets (1001)');
    } finally {
      await chat.stop('SIGKILL');
    }
  }, 60_000);
});

describeIfEmulator('chat example with STATUS_MESSENGER_PUBSUB_ENABLED=true (real emulator)', () => {
  it('publishes the run’s events, and flushes them on close', async () => {
    const topicId = uniqueId('chat-events');
    const subscription = await createTopicAndSubscription(topicId);
    const chat = await startChat({
      STATUS_MESSENGER_PUBSUB_ENABLED: 'true',
      GOOGLE_CLOUD_PROJECT: TEST_PROJECT,
      STATUS_MESSENGER_PUBSUB_TOPIC_ID: topicId,
      OFFLINE_MODEL_DELAY_MS: '20',
    });
    const session = await createSession(chat.origin);
    const client = await TestClient.open(`${chat.origin.replace('http', 'ws')}${session.wsUrl}`);
    client.socket.send('What is Cloud Pub/Sub?');
    await client.waitFor((c) => c.frames.some((f) => f.type === 'agent_turn_complete'), 20_000);
    const statuses = client.statuses.length + client.runEnds.length;
    await client.close();
    await chat.app.close(); // flushes

    const received = await pullEvents(subscription, { expected: 100, idleMs: 3000 });
    const events = received.map((r) => r.event);
    const types = events.map((e) => e.event_type);
    expect(events.every((e) => e.websocket_session_id === session.sessionId)).toBe(true);
    expect(types[0]).toBe('run_start');
    // run_end, then the mirror of the end-of-run status ("Done") that runWithStatus sends after it.
    expect(types.slice(-2)).toEqual(['run_end', 'status_message']);
    expect(types.filter((t) => t === 'status_message')).toHaveLength(statuses); // the mirror: what the user saw
    const finding = events.find((e) => e.event_type === 'key_finding_identified')!;
    expect(finding.data).toMatchObject({ query: 'What is Cloud Pub/Sub?', source: 'https://cloud.google.com/pubsub/docs/overview' });
    expect(finding).toMatchObject({ agent: 'reasoning_agent', app_name: 'status_messenger_chat', user_id: session.sessionId });
    expect(types).toEqual(expect.arrayContaining(['tool_call', 'tool_result']));
    console.log(`chat example → Pub/Sub: ${events.length} events (${[...new Set(types)].join(', ')})`);
  }, 90_000);
});
