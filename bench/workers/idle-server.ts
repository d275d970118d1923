/**
 * Bench worker: a server that holds idle connections, alone in its process so its RSS is clean.
 * `raw` is a plain `ws` server keeping a session → sockets map; `hub` is a `StatusHub` with
 * its defaults (heartbeat, replay history, rate limiter per socket); `raw-sse` and `hub-sse`
 * hold SSE streams instead (a raw `res.write` server, and the hub's SSE transport). Run with
 * `--expose-gc`.
 *
 *   → { type: 'listening', port, baseline }   after start-up, GC'd
 *   ← { type: 'measure', sockets }            once the client says they are open
 *   → { type: 'measured', rss, heapUsed, external, sockets }
 */
import { setDefaultLogger, silentLogger } from '../../src/index.js';
import { startHubHost } from '../support/hub-host.js';
import { startRawSseHost } from '../support/raw-sse-host.js';
import { startRawWsHost } from '../support/raw-ws-host.js';
import { post, serveRequests } from '../support/worker-port.js';

const kind = process.argv[2];
if (kind !== 'raw' && kind !== 'hub' && kind !== 'raw-sse' && kind !== 'hub-sse') {
  throw new Error('usage: idle-server.ts <raw|hub|raw-sse|hub-sse>');
}
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run idle-server.ts with --expose-gc');
setDefaultLogger(silentLogger);

const host =
  kind === 'raw' ? await startRawWsHost() : kind === 'raw-sse' ? await startRawSseHost() : await startHubHost();
const openSockets = (): number => {
  if ('hub' in host) return kind === 'hub-sse' ? host.hub.stats().sseStreams : host.hub.stats().sockets;
  return 'socketCount' in host ? host.socketCount() : host.streamCount();
};

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function settledMemory(): Promise<NodeJS.MemoryUsage> {
  for (let i = 0; i < 3; i += 1) {
    gc!();
    await sleep(100);
  }
  return process.memoryUsage();
}

async function waitForSockets(count: number): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (openSockets() < count) {
    if (Date.now() > deadline) throw new Error(`only ${openSockets()} of ${count} sockets arrived`);
    await sleep(50);
  }
}

serveRequests(
  async (message) => {
    if (message.type !== 'measure') throw new Error(`unknown request ${message.type}`);
    await waitForSockets(Number(message.sockets));
    const usage = await settledMemory();
    return { type: 'measured', rss: usage.rss, heapUsed: usage.heapUsed, external: usage.external, sockets: openSockets() };
  },
  () => host.close(),
);

const baseline = await settledMemory();
post({ type: 'listening', port: host.port, rss: baseline.rss, heapUsed: baseline.heapUsed, external: baseline.external });
