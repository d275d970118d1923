/**
 * The Socket.IO 4 baseline (what users would pick instead): a server on the websocket
 * transport only (no polling upgrade dance), each client joined to the room named in its
 * `room` query, and `io.to(room).emit('status', frame)` on the send side. The clients are
 * real `socket.io-client`s in `workers/status-clients.ts`.
 */
import http from 'node:http';
import { Server } from 'socket.io';
import { closeServer, listen } from './listen.js';

export interface SocketIoHost {
  io: Server;
  port: number;
  close(): Promise<void>;
}

export async function startSocketIoHost(): Promise<SocketIoHost> {
  const server = http.createServer();
  const io = new Server(server, { transports: ['websocket'], serveClient: false, perMessageDeflate: false });
  io.on('connection', (socket) => {
    const room = socket.handshake.query.room;
    if (typeof room === 'string') void socket.join(room);
  });
  const port = await listen(server);
  return {
    io,
    port,
    async close() {
      await new Promise<void>((resolve) => io.close(() => resolve()));
      await closeServer(server).catch(() => undefined);
    },
  };
}
