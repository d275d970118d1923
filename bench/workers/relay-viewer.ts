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
import WebSocket from 'ws';
import { serveControl, StampedArrivals } from '../support/stamped-arrivals.js';

const watches = new Map<string, { socket: WebSocket; arrivals: StampedArrivals }>();

async function watch(port: number, session: string): Promise<void> {
  const socket = new WebSocket(`ws://127.0.0.1:${port}/ws/${session}`, { perMessageDeflate: false });
  const arrivals = new StampedArrivals();
  watches.set(session, { socket, arrivals });
  socket.on('error', (error) => process.stderr.write(`relay-viewer: ${error.message}\n`));
  socket.on('message', (data: Buffer) => {
    const frame = JSON.parse(data.toString('utf8')) as { type: string; data?: string; replay?: boolean };
    if (frame.type === 'status' && !frame.replay && frame.data) arrivals.record(frame.data);
  });
  await once(socket, 'open');
}

serveControl(async (url) => {
  const session = url.searchParams.get('session') ?? 'S';
  if (url.pathname === '/watch') {
    await watch(Number(url.searchParams.get('port')), session);
    return { ok: true };
  }
  if (url.pathname === '/expect') {
    const entry = watches.get(session);
    if (!entry) throw new Error(`no watch for ${session}`);
    const result = await entry.arrivals.first(Number(url.searchParams.get('count') ?? '1'));
    watches.delete(session);
    entry.socket.close();
    return result;
  }
  return undefined;
});

process.on('SIGTERM', () => {
  for (const entry of watches.values()) entry.socket.terminate();
  process.exit(0);
});
