/**
 * Bench worker: opens `count` idle `ws` clients to `/ws/idle-<i>` on a port (one session each),
 * replies once all are open, and holds them until told to exit.
 */
import { once } from 'node:events';
import WebSocket from 'ws';
import { serveRequests } from '../support/worker-port.js';

const sockets: WebSocket[] = [];

async function openAll(port: number, count: number): Promise<void> {
  let next = 0;
  const opener = async (): Promise<void> => {
    while (next < count) {
      const socket = new WebSocket(`ws://127.0.0.1:${port}/ws/idle-${next++}`, { perMessageDeflate: false });
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
    await openAll(Number(message.port), Number(message.count));
    return { type: 'opened', count: sockets.length };
  },
  () => {
    for (const socket of sockets) socket.terminate();
  },
);
