/**
 * The Server-Sent Events transport: `GET <path>/<sessionId>` answered as `text/event-stream`,
 * over HTTP/1.1 or HTTP/2 (the compat API), through the same admission path as WebSocket.
 *
 * Each frame of the core becomes one event, `id: <epoch>:<seq>` (status frames: an id never
 * names a status not yet sent) and `data: <the WebSocket frame's JSON>`, with no `event:` field
 * so `EventSource.onmessage` gets all of them. A reconnecting browser sends the last id as
 * `Last-Event-ID`, which resumes exactly like `?since=&epoch=` (also accepted). Refusals are
 * plain HTTP answers before any event; an allowlisted cross origin gets CORS headers
 * (credentials included) and its preflight answered. A stream that stops reading is coalesced
 * like a slow socket and ended past twice `maxBufferedBytes`; a full session gives the slot of
 * its oldest stream to a new connection (`replaceable`), since no stream can be probed.
 *
 * The framing is written here rather than with an SSE library: the core encodes each frame
 * once for all of a session's connections and writes through its own backpressure policy, so
 * a per-connection `session.push(data)` API (better-sse's) would re-encode per stream and
 * bypass that policy; the format itself is four lines of the HTML standard.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Http2ServerResponse } from 'node:http2';
import type { Logger } from '../../logger.js';
import { CLOSE_CODES, parseEventId, SSE_CONTENT_TYPE, SSE_DEFAULTS } from '../../protocol.js';
import { FrameWriter } from '../frame-writer.js';
import type { FrameChannel, WriteResult } from '../frame-writer.js';
import type { HubRequest, ResolvedHubOptions } from '../hub-options.js';
import type { OutboundFrame } from '../outbound-frame.js';
import type { ResumeRequest, SessionCore, Subscriber } from '../session-core.js';
import type { Admission, Refusal } from './admission.js';
import { isHubPath, isSameOrigin } from './request-checks.js';
import { resumeFromQuery } from './websocket.js';

export type HubResponse = ServerResponse | Http2ServerResponse;

/** The frame as one SSE event block (encoded once per frame, shared by every stream). */
export const toSseEvent = (frame: OutboundFrame): string =>
  frame.eventId === undefined ? `data: ${frame.json}\n\n` : `id: ${frame.eventId}\ndata: ${frame.json}\n\n`;

const HEARTBEAT = ': keep-alive\n\n';

/** One open stream: a subscriber of the core, writing through the core's backpressure policy. */
class StreamSubscriber implements Subscriber, FrameChannel<OutboundFrame> {
  readonly sessionId: string;
  readonly res: HubResponse;
  readonly writer: FrameWriter<OutboundFrame>;
  /** When it opened (ms since 1970): a stream may give its slot away one heartbeat interval later. */
  readonly openedAt = Date.now();
  open = true;
  // The events of one burst, joined: one `res.write` (one chunk of the chunked body) per burst.
  #burst = '';
  #corked = false;

  constructor(sessionId: string, res: HubResponse, maxBufferedBytes: number, onOverflow: () => void) {
    this.sessionId = sessionId;
    this.res = res;
    this.writer = new FrameWriter<OutboundFrame>(this, maxBufferedBytes, onOverflow);
  }

  get coalesced(): number {
    return this.writer.coalesced;
  }

  write(frame: OutboundFrame, coalesceKey: string | undefined): WriteResult {
    return this.writer.write(frame, coalesceKey);
  }

  isOpen(): boolean {
    return this.open;
  }

  bufferedAmount(): number {
    // In bytes: the response's buffer counts bytes, since only Buffers are written to it (see
    // `flush`); the burst not yet written counts at most 3 bytes per UTF-16 unit, which it is
    // never more than in UTF-8 (measuring it exactly would cost a pass over every event).
    return this.res.writableLength + 3 * this.#burst.length;
  }

  size(frame: OutboundFrame): number {
    return Buffer.byteLength(frame.encoded(toSseEvent), 'utf8');
  }

  send(frame: OutboundFrame): void {
    this.#burst += frame.encoded(toSseEvent);
    if (!this.#corked) this.flush();
  }

  /** Writes a comment or field line (the heartbeat), after the burst gathered so far. */
  sendLine(text: string): void {
    this.#burst += text;
    if (!this.#corked) this.flush();
  }

  cork(): void {
    this.#corked = true;
  }

  uncork(): void {
    this.#corked = false;
    this.flush();
  }

  /** Writes the burst gathered so far. */
  flush(): void {
    const burst = this.#burst;
    if (burst === '') return;
    this.#burst = '';
    if (this.res.writableEnded || this.res.destroyed) return;
    // As UTF-8 bytes: Node counts a string in a stream's buffer in UTF-16 units, and
    // `writableLength` must count bytes.
    (this.res as ServerResponse).write(Buffer.from(burst, 'utf8'));
  }

  whenDrained(callback: () => void): void {
    if ((this.res as ServerResponse).writableNeedDrain) (this.res as ServerResponse).once('drain', callback);
    else setTimeout(callback, 10).unref();
  }
}

export class SseTransport {
  readonly #options: ResolvedHubOptions;
  readonly #core: SessionCore;
  readonly #admission: Admission;
  readonly #logger: () => Logger;
  readonly #streams = new Set<StreamSubscriber>();
  /** The open streams of each session, oldest first. */
  readonly #bySession = new Map<string, Set<StreamSubscriber>>();
  readonly #heartbeat: NodeJS.Timeout | undefined;
  /** How long a stream is open before its slot may go to a new connection of its session. */
  readonly #replaceableAfterMs: number;
  /** Streams ended by the hub, by the close code of the reason (`CLOSE_CODES`: 4008 slow, 1001 shutdown, 4009 replaced). */
  readonly closedByHub: Record<number, number> = {};

  constructor(options: ResolvedHubOptions, core: SessionCore, admission: Admission, logger: () => Logger) {
    this.#options = options;
    this.#core = core;
    this.#admission = admission;
    this.#logger = logger;
    this.#replaceableAfterMs = options.sseHeartbeatMs > 0 ? options.sseHeartbeatMs : SSE_DEFAULTS.heartbeatMs;
    if (options.sseHeartbeatMs > 0) {
      // One timer for every stream. A stream that is behind skips it: it has data coming.
      this.#heartbeat = setInterval(() => {
        for (const stream of this.#streams) if (stream.writer.pendingBytes === 0 && stream.open) stream.sendLine(HEARTBEAT);
      }, options.sseHeartbeatMs);
      this.#heartbeat.unref();
    }
  }

  get streamCount(): number {
    return this.#streams.size;
  }

  /**
   * The stream of `sessionId` whose slot a new connection may take when the session is full:
   * its oldest, if open one heartbeat interval or more. Nothing tells a stream whose client
   * vanished without a FIN (a phone that lost its network) from a live one: a browser answers
   * nothing on an SSE stream, and TCP holds the unacknowledged bytes of a vanished peer for
   * minutes before it gives up. Giving the oldest stream's slot away keeps such a ghost from
   * refusing a live connection; if it was live, the browser reconnects and resumes.
   */
  replaceable(sessionId: string, now: number): boolean {
    return this.#replaceableIn(sessionId, now) !== undefined;
  }

  /** Ends the stream `replaceable` names, freeing its slot at once; false when there is none. */
  replace(sessionId: string, now: number): boolean {
    const stream = this.#replaceableIn(sessionId, now);
    if (!stream) return false;
    this.#logger().debug(`SSE stream of session ${sessionId} ended: a new connection took its slot`);
    this.#end(stream, CLOSE_CODES.SSE_REPLACED, true);
    return true;
  }

  #replaceableIn(sessionId: string, now: number): StreamSubscriber | undefined {
    const oldest = this.#bySession.get(sessionId)?.values().next().value;
    return oldest && now - oldest.openedAt >= this.#replaceableAfterMs ? oldest : undefined;
  }

  /**
   * `false` (touching nothing) for requests that are not for `<basePath>/<sessionId>`, or —
   * with `eventStreamOnly` (SSE on the WebSocket path, beside the app's own routes) — that are
   * not an event stream's: a `GET`/`HEAD` accepting `text/event-stream`, or the CORS preflight
   * of a `GET`. Otherwise answers the request.
   */
  handle(request: HubRequest, res: HubResponse, basePath: string, eventStreamOnly: boolean): boolean {
    const url = request.url ?? '';
    const pathname = url.split('?', 1)[0]!;
    if (!isHubPath(pathname, basePath)) return false;
    const method = request.method ?? 'GET';
    const preflightFor = method === 'OPTIONS' ? request.headers['access-control-request-method'] : undefined;
    const preflight = preflightFor !== undefined;
    if (eventStreamOnly) {
      const ours = preflight ? preflightFor === 'GET' : (method === 'GET' || method === 'HEAD') && acceptsEventStream(request);
      if (!ours) return false;
    }
    if (preflight) {
      this.#preflight(request, res);
      return true;
    }
    if (method !== 'GET' && method !== 'HEAD') {
      this.#refuse(request, res, { status: 405, message: 'Method Not Allowed', headers: { Allow: 'GET' } }, 'method not allowed');
      return true;
    }
    res.on('error', () => {});
    let gone = false;
    res.once('close', () => (gone = true));
    const handled = this.#admission.run('SSE', request, basePath, {
      admit: (sessionId, query) => this.#open(request, res, sessionId, query),
      refuse: (refusal) => this.#answer(request, res, refusal),
      gone: () => gone,
    });
    // The path was checked above; admission only says `false` for it if the URL is unusable.
    if (!handled) this.#refuse(request, res, { status: 400, message: 'Bad Request' }, 'bad path');
    return true;
  }

  #refuse(request: HubRequest, res: HubResponse, refusal: Refusal, reason: string): void {
    this.#admission.refuse('SSE', request, refusal, reason, { refuse: (r) => this.#answer(request, res, r) });
  }

  /**
   * A plain HTTP answer, readable by the page that asked even from another origin (a refused one
   * too): a browser's WebSocket hides why it was refused, so the client asks here, and a page that
   * cannot read the answer would retry for good. A refusal carries nothing but its status and a
   * short text.
   */
  #answer(request: HubRequest, res: HubResponse, { status, message, headers }: Refusal): void {
    if (res.headersSent || res.writableEnded) return;
    const origin = request.headers.origin;
    const cors: Record<string, string> =
      origin === undefined || isSameOrigin(origin, request.headers)
        ? {}
        : { 'Access-Control-Allow-Origin': origin, 'Access-Control-Allow-Credentials': 'true', Vary: 'Origin' };
    (res as ServerResponse)
      .writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store', ...cors, ...headers })
      .end(`${message}\n`);
  }

  #preflight(request: HubRequest, res: HubResponse): void {
    const cors = this.#cors(request);
    if (!cors['Access-Control-Allow-Origin']) {
      return this.#refuse(request, res, { status: 403, message: 'Forbidden: origin not allowed' }, 'origin not allowed');
    }
    (res as ServerResponse)
      .writeHead(204, {
        ...cors,
        'Access-Control-Allow-Methods': 'GET',
        'Access-Control-Allow-Headers': 'Last-Event-ID, Cache-Control, Authorization, Content-Type',
        'Access-Control-Max-Age': '600',
      })
      .end();
  }

  /** CORS headers for a cross origin the policy allows; none for same-origin or refused ones. */
  #cors(request: HubRequest): Record<string, string> {
    const origin = request.headers.origin;
    if (origin === undefined || isSameOrigin(origin, request.headers)) return {};
    if (!this.#admission.originAllowed(request)) return {};
    return { 'Access-Control-Allow-Origin': origin, 'Access-Control-Allow-Credentials': 'true', Vary: 'Origin' };
  }

  #open(request: HubRequest, res: HubResponse, sessionId: string, query: URLSearchParams): void {
    if (res.writableEnded || res.destroyed) return;
    const stream = new StreamSubscriber(sessionId, res, this.#options.maxBufferedBytes, () => {
      this.#logger().debug(`SSE stream of session ${sessionId} ended: it stopped reading (slow consumer)`);
      this.#end(stream, CLOSE_CODES.SLOW_CONSUMER, true);
    });
    (res as ServerResponse).writeHead(200, {
      'Content-Type': `${SSE_CONTENT_TYPE}; charset=utf-8`,
      // no-transform: compressing proxies must not buffer the stream.
      'Cache-Control': 'no-cache, no-transform',
      // nginx buffers proxied responses unless told otherwise.
      'X-Accel-Buffering': 'no',
      ...this.#cors(request),
    });
    if (request.method === 'HEAD') {
      res.end();
      return;
    }
    (res as ServerResponse).write(`retry: ${this.#options.sseRetryMs}\n\n`);
    this.#streams.add(stream);
    let ofSession = this.#bySession.get(sessionId);
    if (!ofSession) this.#bySession.set(sessionId, (ofSession = new Set()));
    ofSession.add(stream);
    res.once('close', () => this.#forget(stream));
    this.#core.subscribe(sessionId, stream, resumeOf(request, query), Date.now());
  }

  /** The stream is over: it leaves its session at once (its slot is free), whether or not the response has closed yet. */
  #forget(stream: StreamSubscriber): void {
    stream.open = false;
    if (!this.#streams.delete(stream)) return;
    const ofSession = this.#bySession.get(stream.sessionId);
    ofSession?.delete(stream);
    if (ofSession?.size === 0) this.#bySession.delete(stream.sessionId);
    stream.writer.clear();
    this.#core.unsubscribe(stream, Date.now());
  }

  #end(stream: StreamSubscriber, code: number, destroy: boolean): void {
    if (!stream.open) return;
    this.closedByHub[code] = (this.closedByHub[code] ?? 0) + 1;
    if (!destroy) stream.flush();
    this.#forget(stream);
    if (destroy) stream.res.destroy();
    else stream.res.end();
  }

  /** Ends every stream; resolves once all are closed (destroying stragglers after `closeTimeoutMs`). */
  async close(): Promise<void> {
    clearInterval(this.#heartbeat);
    await Promise.all(
      [...this.#streams].map(
        (stream) =>
          new Promise<void>((resolve) => {
            const timer = setTimeout(() => stream.res.destroy(), this.#options.closeTimeoutMs);
            timer.unref();
            stream.res.once('close', () => {
              clearTimeout(timer);
              resolve();
            });
            this.#end(stream, CLOSE_CODES.GOING_AWAY, false);
          }),
      ),
    );
  }
}

function acceptsEventStream(request: HubRequest): boolean {
  const accept = request.headers.accept;
  return typeof accept === 'string' && accept.includes(SSE_CONTENT_TYPE);
}

/** `Last-Event-ID` (the browser's automatic resume) wins over `?since=&epoch=`. */
function resumeOf(request: HubRequest, query: URLSearchParams): ResumeRequest {
  const fromHeader = parseEventId(request.headers['last-event-id']);
  if (fromHeader) return { since: fromHeader.since, epoch: fromHeader.epoch };
  return resumeFromQuery(query);
}
