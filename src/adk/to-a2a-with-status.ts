/**
 * `toA2aWithStatus(agent, options)`: ADK's `toA2a` with live statuses. Same options, same result
 * (`Promise<express.Application>` serving the agent card, `/jsonrpc` and `/rest`), and the same
 * fail-closed rule: no `authentication` → it throws, unless `allowUnauthenticated: true`.
 *
 * ADK builds its `A2AAgentExecutor` inside `toA2a` with no way to wrap it, so this mirrors
 * `toA2a` (ADK 2.0.0, dist/esm/a2a/agent_to_a2a.js) with the executor wrapped in
 * `withA2AStatus`. `express` and `@a2a-js/sdk` are loaded on first use, as ADK does.
 */
import { readFile } from 'node:fs/promises';
import { A2AAgentExecutor, InMemorySessionService, StreamingMode, getA2AAgentCard, isBaseAgent } from '@google/adk';
import type { ToA2aOptions } from '@google/adk';
import type { AgentCard } from '@a2a-js/sdk';
import type express from 'express';
import { z } from 'zod';
import { getDefaultLogger } from '../logger.js';
import { defineOptions, opt, parseOptions } from '../options.js';
import { statusToolNamesIn } from '../tools/status-message-tool.js';
import { withA2AStatus } from './a2a-status.js';

/** The agent `toA2a` accepts (ADK's `RunnableRoot`). */
export type A2aRoot = Parameters<typeof import('@google/adk').toA2a>[0];

const object = () => z.custom<object>((v) => typeof v === 'object' && v !== null, { message: 'an object' });

const TO_A2A_OPTIONS = defineOptions('toA2aWithStatus(agent, options)', {
  host: z.string().min(1).optional(),
  port: z.number().int().min(0).max(65535).optional(),
  protocol: z.string().min(1).optional(),
  basePath: z.string().optional(),
  agentCard: z.union([z.string().min(1), object()]).optional(),
  runner: object().optional(),
  sessionService: object().optional(),
  memoryService: object().optional(),
  artifactService: object().optional(),
  app: opt.fn().optional(),
  authentication: opt.fn().optional(),
  allowUnauthenticated: z.boolean().optional(),
});

export async function toA2aWithStatus(agent: A2aRoot, options: ToA2aOptions = {}): Promise<express.Application> {
  parseOptions(TO_A2A_OPTIONS, options);
  const [{ default: expressFactory }, sdk, server, a2aExpress] = await Promise.all([
    import('express'),
    import('@a2a-js/sdk'),
    import('@a2a-js/sdk/server'),
    import('@a2a-js/sdk/server/express'),
  ]);
  const userBuilder = resolveUserBuilder(options, a2aExpress.UserBuilder.noAuthentication);
  const { host = 'localhost', port = 8000, protocol = 'http' } = options;
  const basePath = options.basePath || '';
  const rpcUrl = `${protocol}://${host}:${port}${basePath}`;
  const agentCard = options.agentCard
    ? await resolveAgentCard(options.agentCard)
    : await getA2AAgentCard(agent, [
        { url: `${rpcUrl}/jsonrpc`, transport: 'JSONRPC' },
        { url: `${rpcUrl}/rest`, transport: 'HTTP+JSON' },
      ]);
  const executor = new A2AAgentExecutor({
    runner: options.runner ?? {
      agent,
      appName: agent.name,
      sessionService: options.sessionService ?? new InMemorySessionService(),
      memoryService: options.memoryService,
      artifactService: options.artifactService,
    },
    runConfig: { streamingMode: StreamingMode.SSE },
  });
  const statusToolNames = statusToolNamesIn(isBaseAgent(agent) ? agent : undefined);
  const requestHandler = new server.DefaultRequestHandler(
    agentCard,
    new server.InMemoryTaskStore(),
    withA2AStatus(executor, { statusToolNames }),
  );
  const app = options.app ?? expressFactory();
  if (!options.app) app.use(expressFactory.json({ limit: '50mb' }));
  app.use(`${basePath}/${sdk.AGENT_CARD_PATH}`, a2aExpress.agentCardHandler({ agentCardProvider: requestHandler }));
  app.use(`${basePath}/rest`, a2aExpress.restHandler({ requestHandler, userBuilder }));
  app.use(`${basePath}/jsonrpc`, a2aExpress.jsonRpcHandler({ requestHandler, userBuilder }));
  return app;
}

function resolveUserBuilder<U>(options: ToA2aOptions, noAuthentication: U): NonNullable<ToA2aOptions['authentication']> | U {
  if (options.authentication) return options.authentication;
  if (options.allowUnauthenticated === true) {
    getDefaultLogger().warn(
      'SECURITY WARNING: toA2aWithStatus is serving the agent WITHOUT authentication (`allowUnauthenticated: true`). ' +
        'Any caller that can reach it can run the agent and its tools. Use this only for local, trusted development.',
    );
    return noAuthentication;
  }
  throw new Error(
    'toA2aWithStatus: refusing to serve the agent over A2A without authentication. Pass `authentication` ' +
      '(a UserBuilder that validates the request, e.g. bearerTokenUserBuilder(token) from @google/adk) or, only for ' +
      'local development, `allowUnauthenticated: true`.',
  );
}

async function resolveAgentCard(card: string | AgentCard): Promise<AgentCard> {
  if (typeof card === 'object') return card;
  if (card.startsWith('http://') || card.startsWith('https://')) {
    const { DefaultAgentCardResolver } = await import('@a2a-js/sdk/client');
    return new DefaultAgentCardResolver().resolve(card);
  }
  try {
    return JSON.parse(await readFile(card, 'utf8')) as AgentCard;
  } catch (error) {
    throw new Error(`toA2aWithStatus: failed to read the agent card from ${card}: ${(error as Error).message}`, { cause: error });
  }
}
