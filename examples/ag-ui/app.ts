/**
 * The AG-UI example as a function, so tests can run it on port 0: the research team of the chat
 * example served over AG-UI at `POST /agui` (`agUiHandler`), and a page that talks to it with
 * `@ag-ui/client`'s `HttpAgent` — the client CopilotKit's runtime uses. The page is bundled with
 * esbuild when the app starts; nothing is fetched from a CDN.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { InMemoryRunner } from '@google/adk';
import { build } from 'esbuild';
import express from 'express';
import { StatusPlugin } from 'adk-status-messenger';
import { agUiHandler } from 'adk-status-messenger/ag-ui';
import { AGENT_NAMES } from '../chat/agent-names.js';
import { buildTeamFor } from '../chat/agents.js';
import type { ModelChoice } from '../chat/config.js';

// This folder: under CommonJS (jest) from __dirname; under ESM (`node --import tsx` from the root) the working directory.
const here = typeof __dirname === 'string' ? __dirname : path.join(process.cwd(), 'examples', 'ag-ui');

export interface AgUiExampleOptions {
  /** @default 8001 */
  port?: number;
  /** @default '127.0.0.1' */
  host?: string;
  /** Gemini or the offline model (see examples/chat/config.ts). */
  model: ModelChoice;
  /** The offline model's pause before each step, so people can read the statuses. @default 400 */
  offlineDelayMs?: number;
}

export interface AgUiExample {
  server: http.Server;
  runner: InMemoryRunner;
  /** Listens; resolves with the port. */
  listen(): Promise<number>;
  close(): Promise<void>;
}

export async function createAgUiExample(options: AgUiExampleOptions): Promise<AgUiExample> {
  const team = buildTeamFor(options.model, { offlineDelayMs: options.offlineDelayMs ?? 400 });
  // Tool lifecycle across the team (AgentTools included) without a model call.
  const plugin = new StatusPlugin({
    tools: {
      knowledge_base_search: { start: 'Searching the knowledge base for “{query}”…', done: false },
      google_search: { start: 'Searching the web…', done: false },
      publish_agent_event: false,
      [AGENT_NAMES.reasoning]: { start: 'Asking the reasoning agent…', done: 'The reasoning agent has an answer' },
      [AGENT_NAMES.search]: { start: 'Asking the search agent…', done: 'Sources found' },
    },
    defaults: { done: false },
  });
  plugin.instrument(team);
  const runner = new InMemoryRunner({ agent: team, appName: 'status_messenger_ag_ui', plugins: [plugin] });

  const page = await build({
    entryPoints: [path.join(here, 'public', 'page.js')],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    logLevel: 'warning',
  });
  const pageScript = page.outputFiles[0]!.contents;

  const app = express();
  app.disable('x-powered-by');
  app.use((_req, res, next) => {
    res.set({
      'Content-Security-Policy':
        "default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
    });
    next();
  });
  // The AG-UI endpoint. The client sends the whole thread each run: allow more than express.json()'s 100 kB.
  // A real app takes the user from its auth: `userId: (req) => req.user.id`.
  app.post('/agui', express.json({ limit: '1mb' }), agUiHandler(runner, { userId: 'demo-user' }));
  app.get('/page.js', (_req, res) => {
    res.type('text/javascript').send(Buffer.from(pageScript));
  });
  app.get('/favicon.svg', (_req, res) => res.sendFile(path.join(here, '..', 'chat', 'public', 'favicon.svg')));
  app.use(express.static(path.join(here, 'public'), { index: 'index.html' }));

  const server = http.createServer(app);
  let closing: Promise<void> | undefined;
  return {
    server,
    runner,
    listen: () =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(options.port ?? 8001, options.host ?? '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
      }),
    close: () =>
      (closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      })),
  };
}
