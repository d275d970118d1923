import http from 'node:http';
import { StatusHub } from '../../src/hub/status-hub.js';
import { TestClient } from '../support/hub-server.js';

describe('StatusHub.listen', () => {
  it('serves the hub on its own server, answers other paths 404, and closes it with the hub', async () => {
    const hub = new StatusHub({ heartbeatIntervalMs: 0 });
    const { port, url, server } = await hub.listen(0, '127.0.0.1');
    expect(url).toBe(`ws://127.0.0.1:${port}/ws`);
    const client = await TestClient.open(`${url}/s1`);
    hub.send('s1', 'Searching…');
    await client.waitFor((c) => c.statuses.length === 1);
    expect(client.statuses[0]).toMatchObject({ data: 'Searching…', seq: 1 });
    const status = await new Promise<number>((resolve, reject) => {
      http.get(`http://127.0.0.1:${port}/elsewhere`, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      }).on('error', reject);
    });
    expect(status).toBe(404);
    await hub.close();
    expect(server.listening).toBe(false);
  });

  it('rejects with the listen error for a busy port and keeps no server', async () => {
    const busy = http.createServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
    const port = (busy.address() as { port: number }).port;
    const hub = new StatusHub({ heartbeatIntervalMs: 0 });
    await expect(hub.listen(port, '127.0.0.1')).rejects.toMatchObject({ code: 'EADDRINUSE' });
    await hub.close();
    await new Promise<void>((r) => busy.close(() => r()));
  });
});
