/**
 * Standalone: how long a status takes from a remote agent (served by `toA2aWithStatus`, its own
 * process) to the parent's user (RemoteA2AAgent → StatusPlugin → StatusHub → ws client).
 * The remote's tool adds statuses stamped `t=<epoch ms>` 5 ms apart; the ws client subtracts on
 * receipt (one machine, one clock). Run: `node --import tsx bench/a2a-latency.ts [runs=5] [stamps=100]`.
 */
import { randomUUID } from 'node:crypto';
import { InMemorySessionService, LlmAgent, LogLevel, RemoteA2AAgent, Runner, setLogLevel } from '@google/adk';
import { StatusPlugin, runWithStatus, setDefaultLogger, silentLogger } from '../src/index.js';
import { spawnA2ARemote } from '../test/support/a2a-remote-process.js';
import { startHubServer, TestClient } from '../test/support/hub-server.js';
import { callTools, reply, ScriptedLlm } from '../test/support/scripted-llm.js';

setLogLevel(LogLevel.ERROR);
setDefaultLogger(silentLogger);
const runs = Number(process.argv[2] ?? 5);
const stamps = Number(process.argv[3] ?? 100);

const remote = await spawnA2ARemote({ stamps, toolDelayMs: 0 });
const srv = await startHubServer();
const latencies: number[] = [];
try {
  for (let run = 0; run < runs; run += 1) {
    const agent = new LlmAgent({
      name: 'coordinator',
      model: new ScriptedLlm(({ step }) => (step === 0 ? callTools({ name: 'transfer_to_agent', args: { agentName: 'archive' } }) : reply('again'))),
      subAgents: [new RemoteA2AAgent({ name: 'archive', agentCard: remote.url })],
    });
    const sessionService = new InMemorySessionService();
    const runner = new Runner({ appName: 'bench', agent, sessionService, plugins: [new StatusPlugin({ throttleMs: 0 })] });
    const sessionId = `bench-${randomUUID()}`;
    await sessionService.createSession({ appName: 'bench', userId: 'u', sessionId });
    const client = await TestClient.open(srv.url(sessionId));
    client.socket.on('message', (data) => {
      const match = /"data":"t=(\d+)"/.exec(data.toString());
      if (match) latencies.push(Date.now() - Number(match[1]));
    });
    for await (const _event of runWithStatus(runner, { hub: srv.hub, userId: 'u', sessionId, newMessage: { role: 'user', parts: [{ text: 'go' }] } })) {
      // drain
    }
    await client.waitFor((c) => c.statusTexts.filter((t) => t.startsWith('t=')).length >= stamps);
    await client.close();
  }
} finally {
  await srv.close();
  await remote.stop();
}
latencies.sort((a, b) => a - b);
const pick = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!;
console.log(`a2a status latency, remote addStatusMessage → parent ws client: n=${latencies.length} p50=${pick(0.5)} ms p95=${pick(0.95)} ms p99=${pick(0.99)} ms max=${latencies.at(-1)} ms`);
