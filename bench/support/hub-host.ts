/** Our side of every comparison: an `http.Server` on port 0 with a `StatusHub` attached. */
import http from 'node:http';
import { StatusHub } from '../../src/index.js';
import type { StatusHubOptions } from '../../src/index.js';
import { closeServer, listen } from './listen.js';

export interface HubHost {
  hub: StatusHub;
  port: number;
  url(sessionId: string): string;
  /** The same session over SSE (the hub serves it on the WebSocket path). */
  sseUrl(sessionId: string): string;
  close(): Promise<void>;
}

export async function startHubHost(options: StatusHubOptions = {}): Promise<HubHost> {
  const server = http.createServer((_req, res) => res.end());
  const hub = new StatusHub({ maxSockets: 50_000, ...options });
  hub.attach(server);
  const port = await listen(server);
  return {
    hub,
    port,
    url: (sessionId) => `ws://127.0.0.1:${port}/ws/${sessionId}`,
    sseUrl: (sessionId) => `http://127.0.0.1:${port}/ws/${sessionId}`,
    async close() {
      await hub.close();
      await closeServer(server);
    },
  };
}
