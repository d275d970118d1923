import { StatusHub, withStatusSession, currentStatusSession } from '/work/main/src/index.ts';
const hub = new StatusHub({ heartbeatIntervalMs: 0 });
const TEXT = 'Searching the web for recent reviews of travel laptops…';
withStatusSession({ hub, sessionId: 's1' }, () => {
  const s = currentStatusSession()!;
  for (let i = 0; i < 3_000_000; i++) s.send(TEXT);
});
await hub.close();
