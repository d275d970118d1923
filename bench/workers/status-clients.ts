/**
 * Bench worker: real clients in their own process, so the measuring process pays only for the
 * server side and a client's event loop is never blocked by the server's work. Opens groups of
 * `ws` or Socket.IO clients, counts the status frames each group receives, and reports the
 * group's running total (every 200 frames, and every 10 ms while it changes).
 *
 * A `record` group also parses each frame, checks it belongs to its socket's session, and
 * keeps the receipt time on the system-wide monotonic clock (`process.hrtime`), which the
 * parent reads too: latencies across the two processes need no clock sync.
 */
import { once } from 'node:events';
import http from 'node:http';
import { io as connect } from 'socket.io-client';
import WebSocket from 'ws';
import { isStatusFrame } from '../support/status-payload.js';
import { monotonicMs } from '../support/monotonic.js';
import { post, serveRequests } from '../support/worker-port.js';

const REPORT_EVERY = 200;

interface Group {
  count: number;
  reported: number;
  /** Receipt times per socket (record groups only). */
  receipts: number[][];
  /** Statuses whose text did not name the socket's session (record groups only). */
  misrouted: number;
  close(): void;
}

const groups = new Map<string, Group>();

function hit(key: string, group: Group): void {
  group.count += 1;
  if (group.count % REPORT_EVERY === 0) report(key, group);
}

function report(key: string, group: Group): void {
  group.reported = group.count;
  post({ type: 'count', key, count: group.count });
}

setInterval(() => {
  for (const [key, group] of groups) if (group.count !== group.reported) report(key, group);
}, 10);

function newGroup(close: () => void): Group {
  return { count: 0, reported: 0, receipts: [], misrouted: 0, close };
}

async function openWs(key: string, urls: string[], record: boolean): Promise<void> {
  const sockets: WebSocket[] = [];
  const group = newGroup(() => sockets.forEach((socket) => socket.terminate()));
  groups.set(key, group);
  let next = 0;
  const opener = async (): Promise<void> => {
    while (next < urls.length) {
      const index = next++;
      const url = urls[index]!;
      const sessionId = url.slice(url.lastIndexOf('/') + 1);
      const receipts: number[] = [];
      group.receipts[index] = receipts;
      const socket = new WebSocket(url, { perMessageDeflate: false });
      socket.on('error', () => {});
      // Decode to text, as a browser hands a string to `onmessage`; count the statuses.
      socket.on('message', (data: Buffer) => {
        const text = data.toString('utf8');
        if (!isStatusFrame(data)) return;
        if (record) {
          const at = monotonicMs();
          const frame = JSON.parse(text) as { data?: unknown; state?: unknown };
          // The status runWithStatus ends each run with (`state: 'done'`) is not one of the
          // tool's: neither a receipt to time nor one to route-check by its text.
          if (frame.state !== undefined) return;
          receipts.push(at);
          if (typeof frame.data !== 'string' || !frame.data.startsWith(sessionId)) group.misrouted += 1;
        }
        hit(key, group);
      });
      sockets.push(socket);
      await once(socket, 'open');
    }
  };
  await Promise.all(Array.from({ length: Math.min(100, urls.length) }, opener));
}

// One status event per `data: {"type":"status"` line (the hub's and the raw writer's frames).
const STATUS_LINE = 'data: {"type":"status"';

async function openSse(key: string, urls: string[]): Promise<void> {
  const requests: http.ClientRequest[] = [];
  const group = newGroup(() => requests.forEach((request) => request.destroy()));
  groups.set(key, group);
  let next = 0;
  const opener = async (): Promise<void> => {
    while (next < urls.length) {
      const url = urls[next++]!;
      await new Promise<void>((resolve, reject) => {
        const request = http.get(url, { headers: { Accept: 'text/event-stream' }, agent: false }, (res) => {
          res.setEncoding('utf8');
          let rest = '';
          // Decode and split into lines, as a browser's EventSource does; count status events.
          res.on('data', (chunk: string) => {
            const lines = (rest + chunk).split('\n');
            rest = lines.pop()!;
            for (const line of lines) if (line.startsWith(STATUS_LINE)) hit(key, group);
          });
          res.on('error', () => {});
          resolve();
        });
        request.on('error', reject);
        requests.push(request);
      });
    }
  };
  await Promise.all(Array.from({ length: Math.min(100, urls.length) }, opener));
}

async function openSocketIo(key: string, url: string, room: string): Promise<void> {
  const client = connect(url, { transports: ['websocket'], query: { room }, forceNew: true, reconnection: false });
  const group = newGroup(() => client.disconnect());
  groups.set(key, group);
  client.on('status', () => hit(key, group));
  await new Promise<void>((resolve, reject) => {
    client.once('connect', resolve);
    client.once('connect_error', reject);
  });
}

serveRequests(
  async (message) => {
    const key = String(message.key);
    switch (message.type) {
      case 'open-ws':
        await openWs(key, message.urls as string[], message.record === true);
        return { type: 'opened', key };
      case 'open-sse':
        await openSse(key, message.urls as string[]);
        return { type: 'opened', key };
      case 'open-socket-io':
        await openSocketIo(key, String(message.url), String(message.room));
        return { type: 'opened', key };
      case 'take-receipts': {
        // Hands over (and clears) what a record group saw since the last call.
        const group = groups.get(key);
        const receipts = group?.receipts.map((list) => list.splice(0)) ?? [];
        const misrouted = group?.misrouted ?? 0;
        if (group) group.misrouted = 0;
        return { type: 'receipts', key, receipts, misrouted };
      }
      case 'clock':
        return { type: 'clock', now: monotonicMs() };
      default:
        throw new Error(`unknown request ${message.type}`);
    }
  },
  () => {
    for (const group of groups.values()) group.close();
  },
);
