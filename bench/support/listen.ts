/** Listens on an ephemeral loopback port and closes an HTTP server for good. */
import { once } from 'node:events';
import type http from 'node:http';
import type { AddressInfo } from 'node:net';

export async function listen(server: http.Server): Promise<number> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as AddressInfo).port;
}

export function closeServer(server: http.Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}
