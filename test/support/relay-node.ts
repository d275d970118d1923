/**
 * One server instance for the relay tests, run as its own process: an http server with a
 * StatusHub whose adapter is a PubSubAdapter on the shared topic, and a real ADK runner with a
 * scripted model. Controlled over HTTP:
 *   POST /run?session=S&count=N&label=L  → runs the agent through runWithStatus; it calls
 *                                         status_message N times ("L i <sent-at>")
 *   POST /stream?session=S&count=N&intervalMs=M&label=L
 *                                       → hub.send N statuses ("L i <sent-at>"), M ms apart;
 *                                         answers once the relay's publisher confirmed them,
 *                                         with how long the sending took (`sendMs`)
 *   GET  /stats                          → { hub: hub.stats(), relay: adapter.stats() }
 * <sent-at> is in milliseconds on the system-wide monotonic clock (`process.hrtime`), which
 * other processes of the machine read alike (the bench's latency clients).
 * Env: RELAY_TOPIC, PUBSUB_EMULATOR_HOST, GOOGLE_CLOUD_PROJECT; optional: INSTANCE_ID,
 * HISTORY_TTL_MS (the hub's `historyTtlMs`), MAX_BUFFERED_STATUSES (the adapter's).
 * Prints "listening <port>".
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { InMemoryRunner, LlmAgent, LogLevel, setLogLevel } from '@google/adk';
import { PubSubAdapter, runWithStatus, setDefaultLogger, silentLogger, StatusHub, statusMessageTool } from '../../src/index.js';
import { callTools, reply, ScriptedLlm } from './scripted-llm.js';

setLogLevel(LogLevel.ERROR);
setDefaultLogger(silentLogger);

const topicName = process.env.RELAY_TOPIC!;
const monotonicMs = () => Number(process.hrtime.bigint()) / 1e6;
const number = (name: string): number | undefined => (process.env[name] ? Number(process.env[name]) : undefined);
const relay = new PubSubAdapter({
  topicName,
  projectId: process.env.GOOGLE_CLOUD_PROJECT,
  instanceId: process.env.INSTANCE_ID || undefined,
  ...(number('MAX_BUFFERED_STATUSES') && { maxBufferedStatuses: number('MAX_BUFFERED_STATUSES') }),
});
const hub = new StatusHub({ adapter: relay, ...(number('HISTORY_TTL_MS') && { historyTtlMs: number('HISTORY_TTL_MS') }) });
const server = http.createServer();
hub.attach(server);

// "label count" in the user text → that many status_message calls, then a reply.
const model = new ScriptedLlm(({ userText, step }) => {
  const [label, count] = userText.split(' ');
  if (step < Number(count)) return callTools({ name: 'status_message', args: { message: `${label} ${step} ${monotonicMs()}` } });
  return reply('done');
});
const runner = new InMemoryRunner({ agent: new LlmAgent({ name: 'worker', model, instruction: 'x', tools: [statusMessageTool] }), appName: 'relay' });

server.on('request', (request, response) => {
  const url = new URL(request.url ?? '/', 'http://x');
  const done = (body: unknown) => {
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify(body));
  };
  void (async () => {
    try {
      if (url.pathname === '/run') {
        const sessionId = url.searchParams.get('session')!;
        await runner.sessionService.getOrCreateSession({ appName: 'relay', userId: 'u', sessionId });
        const text = `${url.searchParams.get('label') ?? 'B'} ${url.searchParams.get('count') ?? '1'}`;
        for await (const _event of runWithStatus(runner, { hub, userId: 'u', sessionId, newMessage: { role: 'user', parts: [{ text }] } })) {
          // drain
        }
        return done({ ok: true });
      }
      if (url.pathname === '/stream') {
        const sessionId = url.searchParams.get('session')!;
        const count = Number(url.searchParams.get('count') ?? '1');
        const intervalMs = Number(url.searchParams.get('intervalMs') ?? '0');
        const label = url.searchParams.get('label') ?? 'S';
        const begin = monotonicMs();
        for (let i = 0; i < count; i += 1) {
          hub.send(sessionId, `${label} ${i} ${monotonicMs()}`);
          if (intervalMs > 0) await new Promise((resolve) => setTimeout(resolve, intervalMs));
        }
        const sendMs = monotonicMs() - begin;
        const started = Date.now();
        while ((relay.stats().publisher?.buffered ?? 0) > 0 && Date.now() - started < 60_000) await new Promise((r) => setTimeout(r, 10));
        return done({ ok: true, sendMs, relay: relay.stats() });
      }
      if (url.pathname === '/stats') return done({ hub: hub.stats(), relay: relay.stats() });
      response.writeHead(404).end();
    } catch (error) {
      response.writeHead(500).end(String(error));
    }
  })();
});

await relay.start();
server.listen(0, '127.0.0.1', () => console.log(`listening ${(server.address() as AddressInfo).port}`));
process.on('SIGTERM', () => {
  void (async () => {
    await hub.close(); // closes the adapter too: flushes, deletes this instance's subscription
    process.exit(0);
  })();
});
