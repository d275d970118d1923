import http from 'node:http';
import { WebSocket } from 'ws';
import { StatusHub, withStatusSession, addStatusMessage, currentStatusSession } from '/work/main/src/index.ts';
const server = http.createServer();
await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
const hub = new StatusHub({ heartbeatIntervalMs: 0 });
hub.attach(server);
const port = (server.address() as { port: number }).port;
let got = 0;
const ws = new WebSocket(`ws://127.0.0.1:${port}/ws/s1`);
ws.on('message', () => { got += 1; });
await new Promise((r) => ws.once('open', r));
const TEXT = 'Searching the web for recent reviews of travel laptops…';
const variants: Record<string, () => void> = {
  hubSend: () => { hub.send('s1', TEXT); },
  addStatus: () => { addStatusMessage(TEXT); },
  sessionSend: () => { currentStatusSession()!.send(TEXT); },
};
const N = 200_000, BURST = 500;
async function run(name: string) {
  const fn = variants[name]!;
  const start = got;
  const cpu0 = process.cpuUsage();
  await withStatusSession({ hub, sessionId: 's1' }, async () => {
    for (let i = 0; i < N; i += BURST) {
      for (let j = 0; j < BURST; j++) fn();
      await new Promise((r) => setImmediate(r));
      while (got - start < i + BURST - 2000) await new Promise((r) => setImmediate(r));
    }
  });
  while (got - start < N) await new Promise((r) => setImmediate(r));
  const cpu = process.cpuUsage(cpu0);
  return ((cpu.user + cpu.system) * 1000) / N; // ns per status (incl client in-process!)
}
for (let round = 0; round < 4; round++) {
  const out: string[] = [];
  for (const name of Object.keys(variants)) out.push(`${name} ${(await run(name)).toFixed(0)} ns`);
  console.log(out.join('  |  '));
}
ws.close(); await hub.close(); server.close();
