/**
 * A remote agent served over A2A by `toA2aWithStatus`, run as its own process by the A2A tests
 * (`node --import tsx test/support/a2a-remote.ts`). Its scripted model calls `status_message`
 * twice, then a slow tool (which adds a status of its own), then answers — or, with
 * `A2A_REMOTE_FAIL=1`, fails after the slow tool. `A2A_REMOTE_TOKEN` turns on bearer auth.
 * Prints `A2A_REMOTE_LISTENING <port>` once it serves.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { FunctionTool, InMemorySessionService, LlmAgent, LogLevel, Runner, bearerTokenUserBuilder, setLogLevel } from '@google/adk';
import { addStatusMessage, StatusPlugin, statusMessageTool, toA2aWithStatus } from '../../src/index.js';
import { REMOTE_ANSWER, REMOTE_FAILURE, REMOTE_STATUS_TEXTS, REMOTE_TOOL_STATUS } from './a2a-remote-process.js';
import { ScriptedLlm, callTools, reply } from './scripted-llm.js';

setLogLevel(LogLevel.ERROR);
const fail = process.env.A2A_REMOTE_FAIL === '1';
const token = process.env.A2A_REMOTE_TOKEN;
const toolDelayMs = Number(process.env.A2A_REMOTE_TOOL_DELAY_MS ?? 300);
/** For bench/a2a-latency.ts: the tool also adds this many statuses stamped `t=<epoch ms>`. */
const stamps = Number(process.env.A2A_REMOTE_STAMPS ?? 0);

const lookupArchive = new FunctionTool({
  name: 'lookup_archive',
  description: 'Looks something up in the archive (slow).',
  execute: async () => {
    await new Promise((resolve) => setTimeout(resolve, toolDelayMs / 2));
    addStatusMessage(REMOTE_TOOL_STATUS);
    for (let i = 0; i < stamps; i += 1) {
      addStatusMessage(`t=${Date.now()}`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await new Promise((resolve) => setTimeout(resolve, toolDelayMs / 2));
    return { found: 42 };
  },
});

const model = new ScriptedLlm(({ step }) => {
  // The tests count runs from this line (e.g. that a rejected caller never reached the agent).
  if (step === 0) process.stdout.write('A2A_REMOTE_RUN\n');
  if (step === 0) return callTools({ name: 'status_message', args: { message: REMOTE_STATUS_TEXTS[0] } });
  if (step === 1) return callTools({ name: 'status_message', args: { message: REMOTE_STATUS_TEXTS[1] } });
  if (step === 2) return callTools({ name: 'lookup_archive' });
  if (fail) throw new Error(REMOTE_FAILURE);
  return reply(REMOTE_ANSWER);
});

const agent = new LlmAgent({
  name: 'archivist',
  description: 'Answers questions from the archive.',
  model,
  instruction: 'Answer from the archive.',
  tools: [statusMessageTool, lookupArchive],
});

const runner = new Runner({
  appName: 'archivist',
  agent,
  sessionService: new InMemorySessionService(),
  // Lifecycle statuses cross the boundary too (throttle off so each is its own update).
  plugins: [new StatusPlugin({ throttleMs: 0 })],
});

const server = http.createServer();
server.listen(0, '127.0.0.1', async () => {
  const { port } = server.address() as AddressInfo;
  const app = await toA2aWithStatus(agent, {
    host: '127.0.0.1',
    port,
    runner,
    ...(token ? { authentication: bearerTokenUserBuilder(token) } : { allowUnauthenticated: true }),
  });
  server.on('request', app);
  process.stdout.write(`A2A_REMOTE_LISTENING ${port}\n`);
});

process.on('SIGTERM', () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
