/**
 * The hub's wiring on a host's HTTP server: ONE `'upgrade'` listener and (when SSE is served
 * on it) ONE `'request'` listener per server, whatever the number of hubs attached, so that
 * - an upgrade no hub serves gets exactly one answer: 404 and the socket closed, unless the
 *   server has other `'upgrade'` listeners of its own (then it is theirs);
 * - SSE requests are taken before the app sees them, the way engine.io's `attach` does it:
 *   the server's existing `'request'` listeners are wrapped, and every other request passes
 *   through to them untouched. (A `'request'` listener added after `attach` is not wrapped and
 *   sees SSE requests too: attach the hub after creating the server with its app.)
 *
 * The routes live on the server object under a `Symbol.for` key, so two copies of this package
 * (ESM and CJS, or a bundled one) attached to one server share them.
 */
import { STATUS_CODES } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';

type Listener = (...args: unknown[]) => void;

export interface HttpServerLike {
  on(event: string, listener: Listener): unknown;
  off(event: string, listener: Listener): unknown;
  listeners(event: string): Function[];
  listenerCount(event: string): number;
}

export interface ServerRoute {
  /** `true` when it took the upgrade. */
  upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): boolean;
  /** `true` when it took the request; absent for routes without SSE. */
  request?(request: IncomingMessage, response: ServerResponse): boolean;
}

const ROUTES = Symbol.for('adk-status-messenger.server-routes');

export class ServerRoutes {
  readonly #server: HttpServerLike;
  readonly #routes: ServerRoute[] = [];
  #wrapped: Function[] | undefined;

  static of(server: HttpServerLike): ServerRoutes {
    const holder = server as unknown as Record<symbol, ServerRoutes | undefined>;
    return (holder[ROUTES] ??= new ServerRoutes(server));
  }

  private constructor(server: HttpServerLike) {
    this.#server = server;
  }

  /** Adds a route; returns the function that removes it. */
  add(route: ServerRoute): () => void {
    if (this.#routes.length === 0) this.#server.on('upgrade', this.#onUpgrade as Listener);
    this.#routes.push(route);
    if (route.request && !this.#wrapped) {
      this.#wrapped = this.#server.listeners('request').slice();
      for (const listener of this.#wrapped) this.#server.off('request', listener as Listener);
      this.#server.on('request', this.#onRequest as Listener);
    }
    return () => this.#remove(route);
  }

  #remove(route: ServerRoute): void {
    const index = this.#routes.indexOf(route);
    if (index === -1) return;
    this.#routes.splice(index, 1);
    if (this.#routes.length === 0) this.#server.off('upgrade', this.#onUpgrade as Listener);
    if (this.#wrapped && !this.#routes.some((r) => r.request)) {
      this.#server.off('request', this.#onRequest as Listener);
      for (const listener of this.#wrapped) this.#server.on('request', listener as Listener);
      this.#wrapped = undefined;
    }
  }

  readonly #onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer): void => {
    for (const route of this.#routes.slice()) if (route.upgrade(request, socket, head)) return;
    // Nobody here serves it. If the server has no other upgrade listener, answer rather than
    // leave the client (and a file descriptor) hanging.
    if (this.#server.listenerCount('upgrade') === 1) refuseUpgrade(socket, 404, 'Not Found');
  };

  readonly #onRequest = (request: IncomingMessage, response: ServerResponse): void => {
    for (const route of this.#routes.slice()) if (route.request?.(request, response)) return;
    for (const listener of this.#wrapped ?? []) listener.call(this.#server, request, response);
  };
}

/** Answers a refused upgrade with a plain HTTP response on the raw socket, then destroys it. */
export function refuseUpgrade(socket: Duplex, status: number, message: string, headers: Record<string, string> = {}): void {
  if (socket.writable && !socket.destroyed) {
    const body = `${message}\n`;
    const lines = [
      `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}`,
      'Connection: close',
      'Content-Type: text/plain; charset=utf-8',
      `Content-Length: ${Buffer.byteLength(body)}`,
      ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
    ];
    // As ws's abortHandshake: end, then destroy once the response is flushed.
    socket.once('finish', () => socket.destroy());
    socket.end(`${lines.join('\r\n')}\r\n\r\n${body}`);
    return;
  }
  socket.destroy();
}
