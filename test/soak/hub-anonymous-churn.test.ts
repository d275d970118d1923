/**
 * Soak: 20,000 connect/close cycles (half WebSocket, half SSE) to sessions that never get a
 * status leave no per-session state in the hub. The quick version (100 cycles) is in
 * test/integration/status-hub.test.ts.
 */
import { startHubServer, TestClient } from '../support/hub-server.js';
import type { HubServer } from '../support/hub-server.js';
import { SseTestClient } from '../support/sse-client.js';

describe('StatusHub under anonymous connect/close churn', () => {
  let srv: HubServer | undefined;
  afterEach(async () => {
    await srv?.close();
  });

  it('keeps no per-session state after 20,000 connect/close cycles to sessions that never got a status', async () => {
    srv = await startHubServer({ heartbeatIntervalMs: 0, maxSockets: 1000 });
    const server = srv;
    const CYCLES = 20_000;
    const CONCURRENCY = 50;
    let next = 0;
    const started = Date.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < CYCLES) {
          const i = next++;
          if (i % 2 === 0) {
            const client = await TestClient.open(server.url(`anon-${i}`));
            await client.close();
          } else {
            const client = await SseTestClient.open(server.port, `/ws/anon-${i}`);
            await client.waitFor((c) => c.frames.length === 1);
            await client.close();
          }
        }
      }),
    );
    const deadline = Date.now() + 5000;
    while (server.hub.stats().sseStreams > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    const stats = server.hub.stats();
    expect(stats).toMatchObject({ sockets: 0, sseStreams: 0, sessions: 0 });
    server.hub.send('real', 'kept');
    expect(server.hub.stats().sessions).toBe(1);
    console.log(`${CYCLES} anonymous connect/close cycles (half WebSocket, half SSE) in ${Date.now() - started} ms: ${stats.sessions} sessions kept`);
  });
});
