/**
 * The relay case's receivers (bench/workers/*, and the in-process baseline): messages whose text
 * is "L i <sent-at>" (`sent-at` on the monotonic clock), their latencies as they arrive, and a
 * wait for the first N; plus the small HTTP control server each worker answers on.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { monotonicMs } from './monotonic.js';

/** The send time stamped in a message's text "L i <sent-at>". */
export const sentAt = (text: string): number => Number(text.split(' ')[2]);

/** One stream's receipts: each one's latency (receipt − sent-at) and receipt time. */
export class StampedArrivals {
  readonly latencies: number[] = [];
  readonly receivedAt: number[] = [];
  #waiting: { count: number; done: () => void } | undefined;

  record(text: string): void {
    const now = monotonicMs();
    this.latencies.push(now - sentAt(text));
    this.receivedAt.push(now);
    if (this.#waiting && this.latencies.length >= this.#waiting.count) this.#waiting.done();
  }

  /** Once `count` have arrived: their latencies, and when the last of them arrived. */
  async first(count: number): Promise<{ latencies: number[]; lastAt: number | undefined }> {
    if (this.latencies.length < count) await new Promise<void>((done) => (this.#waiting = { count, done }));
    this.#waiting = undefined;
    return { latencies: this.latencies.slice(0, count), lastAt: this.receivedAt[count - 1] };
  }
}

/**
 * A worker's control server on 127.0.0.1, port 0: `route` answers a request's URL with a JSON
 * body, or `undefined` for a path it does not serve (404); a throw is a 500 with its text.
 * Prints "listening <port>" once listening, as the bench's `startProcess` waits for.
 */
export function serveControl(route: (url: URL) => Promise<unknown>): http.Server {
  const server = http.createServer((request, response) => {
    route(new URL(request.url ?? '/', 'http://x')).then(
      (body) => {
        if (body === undefined) return void response.writeHead(404).end();
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(JSON.stringify(body));
      },
      (error: unknown) => void response.writeHead(500).end(String(error)),
    );
  });
  server.listen(0, '127.0.0.1', () => console.log(`listening ${(server.address() as AddressInfo).port}`));
  return server;
}
