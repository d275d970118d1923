/**
 * The two ways the client reaches the hub, behind one small interface: a WebSocket, or a
 * Server-Sent Events stream (`EventSource`) at the same URL with the http(s) scheme. Both hand
 * the same frame JSON to `message`; the connection loop (connect-status-updates.ts) does the
 * rest — reconnects, resume, fallback — the same way for both.
 *
 * No DOM types: structural types that the browser's classes, the `ws` package and
 * `FetchEventSource` all fit, so this runs in a page, in Node and in the Node type-check.
 */

/** `websocket`, or `sse` (Server-Sent Events). */
export type TransportKind = 'websocket' | 'sse';

// Handlers typed as methods are compared bivariantly, which lets both the DOM's
// `(this: WebSocket, ev: MessageEvent) => any` and ws's handler types fit.
type Handler<E> = { bivarianceHack(event: E): void }['bivarianceHack'];

/** The part of the WebSocket API the client uses. */
export interface SocketLike {
  onopen: Handler<unknown> | null;
  onmessage: Handler<{ data: unknown }> | null;
  onclose: Handler<{ code: number }> | null;
  onerror: Handler<unknown> | null;
  close(code?: number, reason?: string): void;
}
export type SocketConstructor = new (url: string) => SocketLike;

/** The part of the EventSource API the client uses. */
export interface EventSourceLike {
  onopen: Handler<unknown> | null;
  onmessage: Handler<{ data: unknown }> | null;
  onerror: Handler<unknown> | null;
  close(): void;
}
export type EventSourceConstructor = new (url: string, init?: { withCredentials?: boolean }) => EventSourceLike;

export interface TransportEvents {
  open(): void;
  message(data: unknown): void;
  /** The connection is gone (or never came up). `code` is the WebSocket close code; none for SSE. */
  close(code?: number): void;
}

export interface Transport {
  close(): void;
}

/** The client's own close code for the WebSocket: a normal closure. */
const CLIENT_CLOSE = 1000;

export function openWebSocket(Socket: SocketConstructor, url: string, on: TransportEvents): Transport {
  const ws = new Socket(url);
  let live = true;
  let opened = false;
  const closed = (code: number): void => {
    if (!live) return;
    live = false;
    on.close(code);
  };
  ws.onopen = () => {
    opened = true;
    if (live) on.open();
  };
  ws.onmessage = (event) => {
    if (live) on.message(event.data);
  };
  ws.onclose = (event) => closed(event.code);
  // After an open socket's error a close follows, with the code we report. A handshake that
  // failed ends here: its close would say 1006 anyway, and Node 22's global WebSocket (undici)
  // never sends that close.
  ws.onerror = () => {
    if (!opened) closed(1006);
  };
  return {
    close() {
      live = false;
      ws.close(CLIENT_CLOSE, 'client closed');
    },
  };
}

/**
 * An EventSource whose own reconnect is switched off: on the first error it is closed and the
 * connection loop retries with its jittered backoff and `?since=&epoch=` (EventSource's fixed
 * `retry:` delay would bring every tab of a restarted server back at the same instant, and it
 * gives up for good on an HTTP error anyway).
 */
export function openEventSource(
  Source: EventSourceConstructor,
  url: string,
  withCredentials: boolean,
  on: TransportEvents,
): Transport {
  const source = new Source(toEventStreamUrl(url), { withCredentials });
  let live = true;
  source.onopen = () => {
    if (live) on.open();
  };
  source.onmessage = (event) => {
    if (live) on.message(event.data);
  };
  source.onerror = () => {
    if (!live) return;
    live = false;
    source.close();
    on.close();
  };
  return {
    close() {
      live = false;
      source.close();
    },
  };
}

/** The hub serves SSE at the WebSocket URL with the http(s) scheme: `ws://h/ws/id` → `http://h/ws/id`. */
export function toEventStreamUrl(url: string): string {
  return url.replace(/^ws(s?):/i, 'http$1:');
}
