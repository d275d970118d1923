/**
 * Bench worker: opens `count` idle clients on a port (one session each) — `ws` clients to
 * `/ws/idle-<i>`, or with `sse` SSE streams to `<ssePath>/idle-<i>` — replies once all are open,
 * and holds them until told to exit.
 */
import { once } from 'node:events';
import http from 'node:http';
import WebSocket from 'ws';
import { serveRequests } from '../support/worker-port.js';

const sockets: { terminate(): void }[] = [];

function openSse(url: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const request = http.get(url, { headers: { Accept: 'text/event-stream' }, agent: false }, (res) => {
      res.on('error', () => {});
      res.resume();
      resolve();
    });
    request.on('error', reject);
    sockets.push({ terminate: () => request.destroy() });
  });
}

async function openAll(port: number, count: number, ssePath: string | undefined): Promise<void> {
  let next = 0;
  const opener = async (): Promise<void> => {
    while (next < count) {
      const id = `idle-${next++}`;
      if (ssePath !== undefined) {
        await openSse(`http://127.0.0.1:${port}${ssePath}/${id}`);
        continue;
      }
      const socket = new WebSocket(`ws://127.0.0.1:${port}/ws/${id}`, { perMessageDeflate: false });
      socket.on('error', () => {});
      sockets.push(socket);
      await once(socket, 'open');
    }
  };
  await Promise.all(Array.from({ length: Math.min(200, count) }, opener));
}

serveRequests(
  async (message) => {
    if (message.type !== 'open') throw new Error(`unknown request ${message.type}`);
    await openAll(Number(message.port), Number(message.count), message.ssePath === undefined ? undefined : String(message.ssePath));
    return { type: 'opened', count: sockets.length };
  },
  () => {
    for (const socket of sockets) socket.terminate();
  },
);
