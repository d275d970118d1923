/**
 * Bench worker: the relay's WebSocket client, in a process of its own that does nothing else, as
 * the baseline's subscriber process does nothing but receive (bench/workers/pubsub-peer.ts). A
 * receiver inside the bench process would charge the relay for the bench's own pauses (its GC,
 * its timers), which the baseline's receiver does not pay. Controlled over HTTP:
 *
 *   POST /watch?port=P&session=S   → opens ws://127.0.0.1:P/ws/S; answers once it is open
 *   POST /expect?session=S&count=N → answers once N live statuses arrived: each one's receipt −
 *                                    the sent-at in its text ("L i <sent-at>"), and when the
 *                                    Nth arrived (`lastAt`); then closes the socket
 *
 * Times are on the system-wide monotonic clock, as the senders' stamps. Prints "listening <port>".
 */
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import WebSocket from 'ws';

const monotonicMs = () => Number(process.hrtime.bigint()) / 1e6;

interface Watch {
  socket: WebSocket;
  latencies: number[];
  receivedAt: number[];
  waiting?: { count: number; done: () => void };
}
const watches = new Map<string, Watch>();

async function watch(port: number, session: string): Promise<void> {
  const socket = new WebSocket(`ws://127.0.0.1:${port}/ws/${session}`, { perMessageDeflate: false });
  const entry: Watch = { socket, latencies: [], receivedAt: [] };
  watches.set(session, entry);
  socket.on('error', (error) => process.stderr.write(`relay-viewer: ${error.message}\n`));
  socket.on('message', (data: Buffer) => {
    const now = monotonicMs();
    const frame = JSON.parse(data.toString('utf8')) as { type: string; data?: string; replay?: boolean };
    if (frame.type !== 'status' || frame.replay || !frame.data) return;
    entry.latencies.push(now - Number(frame.data.split(' ')[2]));
    entry.receivedAt.push(now);
    if (entry.waiting && entry.latencies.length >= entry.waiting.count) entry.waiting.done();
  });
  await once(socket, 'open');
}

const server = http.createServer((request, response) => {
  const url = new URL(request.url ?? '/', 'http://x');
  const session = url.searchParams.get('session') ?? 'S';
  const done = (body: unknown) => {
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify(body));
  };
  void (async () => {
    try {
      if (url.pathname === '/watch') {
        await watch(Number(url.searchParams.get('port')), session);
        return done({ ok: true });
      }
      if (url.pathname === '/expect') {
        const count = Number(url.searchParams.get('count') ?? '1');
        const entry = watches.get(session);
        if (!entry) throw new Error(`no watch for ${session}`);
        if (entry.latencies.length < count) await new Promise<void>((resolve) => (entry.waiting = { count, done: resolve }));
        watches.delete(session);
        entry.socket.close();
        return done({ latencies: entry.latencies.slice(0, count), lastAt: entry.receivedAt[count - 1] });
      }
      response.writeHead(404).end();
    } catch (error) {
      response.writeHead(500).end(String(error));
    }
  })();
});

server.listen(0, '127.0.0.1', () => console.log(`listening ${(server.address() as AddressInfo).port}`));
process.on('SIGTERM', () => {
  for (const entry of watches.values()) entry.socket.terminate();
  process.exit(0);
});
