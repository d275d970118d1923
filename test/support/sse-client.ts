/**
 * A raw HTTP SSE client for tests (HTTP/1.1 over `node:http`, or HTTP/2): records the status
 * line, headers, every event (`id`, `data`), `retry:` hints and comments, parsed the way the
 * HTML standard says a browser does (lines end in LF, CR or CRLF; a blank line dispatches).
 */
import http from 'node:http';
import http2 from 'node:http2';
import { parseServerFrame } from '../../src/protocol.js';
import type { ServerFrame, StatusFrame } from '../../src/protocol.js';

export interface SseEvent {
  id: string | undefined;
  data: string;
}

export class SseLineParser {
  readonly events: SseEvent[] = [];
  readonly comments: string[] = [];
  readonly retries: number[] = [];
  /** Lines with an `event:` field (the hub never sends one). */
  eventFields = 0;
  #buffer = '';
  #data: string[] = [];
  #id: string | undefined;
  #sawId = false;

  feed(chunk: string): void {
    this.#buffer += chunk;
    const lines = this.#buffer.split(/\r\n|\r|\n/);
    this.#buffer = lines.pop()!;
    for (const line of lines) this.#line(line);
  }

  #line(line: string): void {
    if (line === '') {
      if (this.#data.length > 0) this.events.push({ id: this.#sawId ? this.#id : undefined, data: this.#data.join('\n') });
      this.#data = [];
      this.#sawId = false;
      return;
    }
    if (line.startsWith(':')) return void this.comments.push(line.slice(1).trim());
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') this.#data.push(value);
    else if (field === 'id') {
      this.#id = value;
      this.#sawId = true;
    } else if (field === 'retry') this.retries.push(Number(value));
    else if (field === 'event') this.eventFields += 1;
  }
}

export class SseTestClient {
  readonly parser = new SseLineParser();
  status = 0;
  headers: Record<string, string | string[] | undefined> = {};
  body = '';
  /** Resolves when the response ends or the connection closes. */
  readonly ended: Promise<void>;
  #endedResolve!: () => void;
  #request: http.ClientRequest | undefined;
  #response: http.IncomingMessage | undefined;
  #waiters: (() => void)[] = [];
  #h2: http2.ClientHttp2Session | undefined;
  #h2stream: http2.ClientHttp2Stream | undefined;

  private constructor() {
    this.ended = new Promise((resolve) => (this.#endedResolve = resolve));
  }

  /** Opens `GET path`; resolves once the status line and headers are in. */
  static open(port: number, path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<SseTestClient> {
    const client = new SseTestClient();
    return new Promise((resolve, reject) => {
      const request = http.request(
        { host: '127.0.0.1', port, path, method, headers: { Accept: 'text/event-stream', ...headers }, agent: false },
        (res) => {
          client.#response = res;
          client.status = res.statusCode ?? 0;
          client.headers = res.headers;
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => client.#feed(chunk));
          res.on('end', () => client.#end());
          res.on('close', () => client.#end());
          res.on('error', () => client.#end());
          resolve(client);
        },
      );
      client.#request = request;
      request.on('error', (error) => {
        client.#end();
        reject(error);
      });
      request.end();
    });
  }

  /** The same over HTTP/2 (cleartext, prior knowledge). */
  static openHttp2(port: number, path: string, headers: Record<string, string> = {}): Promise<SseTestClient> {
    const client = new SseTestClient();
    return new Promise((resolve, reject) => {
      const session = http2.connect(`http://127.0.0.1:${port}`);
      client.#h2 = session;
      session.on('error', reject);
      const stream = session.request({ ':path': path, accept: 'text/event-stream', ...headers });
      client.#h2stream = stream;
      stream.on('response', (h) => {
        client.status = Number(h[':status']);
        client.headers = h as Record<string, string>;
        resolve(client);
      });
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => client.#feed(chunk));
      stream.on('end', () => client.#end());
      stream.on('close', () => client.#end());
      stream.on('error', () => client.#end());
    });
  }

  #feed(chunk: string): void {
    this.body += chunk;
    this.parser.feed(chunk);
    for (const wake of this.#waiters.splice(0)) wake();
  }

  #end(): void {
    this.#endedResolve();
    for (const wake of this.#waiters.splice(0)) wake();
  }

  get events(): SseEvent[] {
    return this.parser.events;
  }

  get frames(): ServerFrame[] {
    return this.events.map((e) => parseServerFrame(e.data)).filter((f): f is ServerFrame => f !== undefined);
  }

  get statuses(): StatusFrame[] {
    return this.frames.filter((f): f is StatusFrame => f.type === 'status');
  }

  /** The last event id the stream carried (what a browser sends back as `Last-Event-ID`). */
  get lastEventId(): string | undefined {
    return this.events.filter((e) => e.id !== undefined).at(-1)?.id;
  }

  async waitFor(predicate: (client: SseTestClient) => boolean, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate(this)) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out; body so far: ${this.body.slice(-500)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 250));
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Stops reading (the TCP window fills, then the server's buffers). */
  pause(): void {
    this.#response?.pause();
    this.#h2stream?.pause();
  }

  resume(): void {
    this.#response?.resume();
    this.#h2stream?.resume();
  }

  async close(): Promise<void> {
    this.#request?.destroy();
    this.#response?.destroy();
    this.#h2stream?.close();
    this.#h2?.close();
    await this.ended;
  }
}
