import { StatusHub, withStatusSession, addStatusMessage, currentStatusSession } from '/work/main/src/index.ts';
const hub = new StatusHub({ heartbeatIntervalMs: 0 });
const TEXT = 'Searching the web for recent reviews of travel laptops…';
const variants: Record<string, () => void> = {
  hubSend: () => { hub.send('s1', TEXT); },
  sessionSend: () => { currentStatusSession()!.send(TEXT); },
  addStatus: () => { addStatusMessage(TEXT); },
};
const N = 300_000;
function run(name: string) {
  const fn = variants[name]!;
  return withStatusSession({ hub, sessionId: 's1' }, () => {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < N; i++) fn();
    return Number(process.hrtime.bigint() - t0) / N;
  });
}
for (let round = 0; round < 6; round++) {
  console.log(Object.keys(variants).map((name) => `${name} ${run(name).toFixed(0)} ns`).join('  |  '));
}
await hub.close();
