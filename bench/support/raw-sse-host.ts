/**
 * The raw SSE baseline: the least a hand-written server does to stream statuses by session
 * over `text/event-stream`: `GET /sse/<sessionId>`, headers, keep a session → responses map,
 * forget closed ones. No validation, numbering, replay, backpressure or heartbeat.
 */
import http from 'node:http';
import type { ServerResponse } from 'node:http';
import { closeServer, listen } from './listen.js';

export interface RawSseHost {
  sessions: Map<string, Set<ServerResponse>>;
  port: number;
  url(sessionId: string): string;
  streamCount(): number;
  close(): Promise<void>;
}

/** `res.write`, with the response corked until the next microtask: one write per burst, as the hub does. */
export function corkedSseSender(): (res: ServerResponse, event: string) => void {
  const corked = new Set<ServerResponse>();
  const uncorkAll = (): void => {
    for (const res of corked) res.uncork();
    corked.clear();
  };
  return (res, event) => {
    if (!corked.has(res)) {
      res.cork();
      corked.add(res);
      if (corked.size === 1) queueMicrotask(uncorkAll);
    }
    res.write(event);
  };
}

/** What the hub's SSE transport does: a response's events of one burst joined, one `res.write` per burst. */
export function gatheredSseSender(): (res: ServerResponse, event: string) => void {
  const bursts = new Map<ServerResponse, string>();
  const flushAll = (): void => {
    for (const [res, burst] of bursts) res.write(burst);
    bursts.clear();
  };
  return (res, event) => {
    const burst = bursts.get(res);
    if (burst === undefined) {
      bursts.set(res, event);
      if (bursts.size === 1) queueMicrotask(flushAll);
    } else {
      bursts.set(res, burst + event);
    }
  };
}

export async function startRawSseHost(): Promise<RawSseHost> {
  const sessions = new Map<string, Set<ServerResponse>>();
  let streams = 0;
  const server = http.createServer((req, res) => {
    const sessionId = (req.url ?? '').slice('/sse/'.length);
    res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' });
    res.write('retry: 2000\n\n');
    let set = sessions.get(sessionId);
    if (!set) sessions.set(sessionId, (set = new Set()));
    set.add(res);
    streams += 1;
    res.once('close', () => {
      streams -= 1;
      set.delete(res);
      if (set.size === 0) sessions.delete(sessionId);
    });
  });
  const port = await listen(server);
  return {
    sessions,
    port,
    url: (sessionId) => `http://127.0.0.1:${port}/sse/${sessionId}`,
    streamCount: () => streams,
    close: () => closeServer(server),
  };
}
