/**
 * The chat example's HTTP + WebSocket server, as a function so tests can run it on port 0:
 * the page and its vendored scripts, `POST /api/sessions`, `POST /api/sessions/:id/messages`,
 * `GET /healthz`, and a `StatusHub` whose connections need a token signed for their session.
 * Chat turns also come in as socket messages (the seed's way), for clients that send them.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { InMemoryRunner } from '@google/adk';
import express from 'express';
import {
  getDefaultLogger,
  mirrorStatusesToPubSub,
  PubSubEventPublisher,
  StatusHub,
  StatusPlugin,
} from 'adk-status-messenger';
import type { Logger } from 'adk-status-messenger';
import { SESSION_ID_PATTERN } from 'adk-status-messenger/protocol';
import { AGENT_NAMES } from './agent-names.js';
import { buildTeamFor } from './agents.js';
import { createChatTurns } from './chat-turns.js';
import type { ChatConfig } from './config.js';
import { chatOriginPolicy } from './origin-policy.js';
import { SessionJanitor, WindowLimiter } from './session-janitor.js';
import { SessionTokens } from './session-tokens.js';

// The repository root: two levels up from this file under CommonJS (jest); under ESM (`npm start`
// runs tsx from the root) the working directory.
const root = typeof __dirname === 'string' ? path.resolve(__dirname, '..', '..') : process.cwd();

export interface ChatApp {
  server: http.Server;
  hub: StatusHub;
  /** Listens on `config.port` (0 picks a free port); resolves with the port. */
  listen(): Promise<number>;
  /** Closes sockets with 1001, flushes events, stops the server. */
  close(): Promise<void>;
}

export function createChatApp(config: ChatConfig, logger: Logger = getDefaultLogger()): ChatApp {
  const appName = 'status_messenger_chat';
  const tokens = new SessionTokens(config.secret, {
    previous: config.previousSecret ? [config.previousSecret] : [],
    ttlMs: config.tokenTtlMs,
  });
  // When each socket's token expires: the socket was authorised once, at the upgrade, but chat
  // turns arrive over it for as long as it stays open.
  const socketExpiry = new WeakMap<object, number>();
  const tokenOf = (url: string | undefined) => new URL(url ?? '/', 'http://localhost').searchParams.get('token');
  // Agent events go to Pub/Sub only when the seed's variables say so (see .env.example).
  const publisher = config.pubsub.enabled
    ? new PubSubEventPublisher({ topicName: config.pubsub.topicName, projectId: config.pubsub.projectId, logger })
    : undefined;
  const team = buildTeamFor(config.model, { offlineDelayMs: config.offlineDelayMs, publisher });

  // Statuses without a model call: tool lifecycle across the whole team, AgentTools included.
  const plugin = new StatusPlugin({
    tools: {
      knowledge_base_search: { start: 'Searching the knowledge base for “{query}”…', done: false },
      google_search: { start: 'Searching the web…', done: false },
      publish_agent_event: false,
      [AGENT_NAMES.reasoning]: { start: 'Asking the reasoning agent…', done: 'The reasoning agent has an answer' },
      [AGENT_NAMES.search]: { start: 'Asking the search agent…', done: 'Sources found' },
    },
    defaults: { done: false },
    // run_start, tool_call, tool_result, tool_error, agent_transfer, run_end — one event each.
    publishEvent: publisher
      ? (event) => publisher.publish(event.data, event.type, { websocketSessionId: event.statusSessionId ?? null, ids: event.adk })
      : undefined,
  });
  plugin.instrument(team);
  const runner = new InMemoryRunner({ agent: team, appName, plugins: [plugin] });

  const hub = new StatusHub({
    allowedOrigins: chatOriginPolicy(config.allowedOrigins),
    authorize: (request, sessionId) => tokens.verify(sessionId, tokenOf(request.url)) !== undefined,
    logger,
  });
  const janitor = new SessionJanitor(runner.sessionService, [appName, AGENT_NAMES.reasoning, AGENT_NAMES.search]);
  const onChatMessage = createChatTurns({ runner, hub, rootAgentName: team.name, logger });
  hub.on('connection', (sessionId, socket, request) => {
    socketExpiry.set(socket, tokens.verify(sessionId, tokenOf(request.url)) ?? 0);
  });
  hub.on('message', (sessionId, text, socket) => {
    if (!((socketExpiry.get(socket) ?? 0) > Date.now())) {
      // 4001: the page's reconnect logic then asks /api/sessions, which hands out a new session.
      socket.send(JSON.stringify({ type: 'error', message: 'This chat session has expired. Reload the page to start a new one.' }));
      socket.close(4001, 'session token expired');
      return;
    }
    janitor.touch(sessionId);
    return onChatMessage(sessionId, text);
  });
  // New sessions per client address and minute (each holds memory until the janitor forgets it).
  const sessionCreation = new WindowLimiter(60, 60_000);
  // What the user saw, as `status_message` events for analytics.
  if (publisher) mirrorStatusesToPubSub(hub, { publisher });

  const app = express();
  app.disable('x-powered-by');
  app.use((_req, res, next) => {
    res.set({
      'Content-Security-Policy':
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
    });
    next();
  });
  app.get('/healthz', (_req, res) => {
    const { sockets, sessions } = hub.stats();
    res.json({ ok: true, model: config.model.kind, sockets, sessions });
  });
  // A new session, or the caller's own one back when its token still verifies (a reload).
  app.post('/api/sessions', express.json({ limit: '2kb' }), (req, res) => {
    const body = (req.body ?? {}) as { sessionId?: unknown; token?: unknown };
    const resumed =
      typeof body.sessionId === 'string' && SESSION_ID_PATTERN.test(body.sessionId) && typeof body.token === 'string' &&
      tokens.verify(body.sessionId, body.token) !== undefined;
    if (!resumed && !sessionCreation.allow(req.socket.remoteAddress ?? '')) {
      res.status(429).set('Retry-After', '60').json({ error: 'Too many new sessions; try again in a minute.' });
      return;
    }
    const { sessionId, token } = resumed ? { sessionId: body.sessionId as string, token: body.token as string } : tokens.create();
    res.status(resumed ? 200 : 201).json({ sessionId, token, wsUrl: `/ws/${sessionId}?token=${encodeURIComponent(token)}` });
  });
  // One chat turn from the page (its one connection, a WebSocket or SSE, only receives). The
  // token is checked on every message: a page left open past its TTL gets 401 and a new session.
  app.post('/api/sessions/:sessionId/messages', express.json({ limit: '8kb' }), (req, res) => {
    const { sessionId } = req.params;
    const body = (req.body ?? {}) as { text?: unknown; token?: unknown };
    if (!((tokens.verify(sessionId, typeof body.token === 'string' ? body.token : null) ?? 0) > Date.now())) {
      res.status(401).json({ error: 'This chat session has expired. Reload the page to start a new one.' });
      return;
    }
    janitor.touch(sessionId);
    void onChatMessage(sessionId, typeof body.text === 'string' ? body.text : '');
    res.status(202).end();
  });
  const vendor: Record<string, string> = {
    'status-messenger.js': path.join(root, 'dist', 'browser', 'status-messenger.js'),
    'status-messenger.css': path.join(root, 'dist', 'browser', 'status-messenger.css'),
    'marked.js': path.join(root, 'node_modules', 'marked', 'lib', 'marked.umd.js'),
    'purify.js': path.join(root, 'node_modules', 'dompurify', 'dist', 'purify.min.js'),
  };
  app.get('/vendor/:file', (req, res) => {
    const file = vendor[req.params.file];
    if (!file) return void res.status(404).end();
    res.sendFile(file, { maxAge: '1h' }, (error) => {
      if (error && !res.headersSent) res.status(404).end();
    });
  });
  app.use(express.static(path.join(root, 'examples', 'chat', 'public'), { index: 'index.html' }));

  const server = http.createServer(app);
  hub.attach(server, { path: '/ws' });

  let closing: Promise<void> | undefined;
  return {
    server,
    hub,
    listen: () =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(config.port, config.host, () => resolve((server.address() as AddressInfo).port));
      }),
    close: () =>
      (closing ??= (async () => {
        server.close();
        janitor.stop();
        await hub.close(); // every socket gets 1001
        await publisher?.close(5000); // flush what is buffered, report what is not
        server.closeAllConnections();
      })()),
  };
}
