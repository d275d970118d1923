/**
 * The client e2e suites' server: a real `http.Server` on port 0 with a real `StatusHub`
 * attached, serving test pages and the built client from dist/ (run `npm run build` first).
 * `stop()`/`start()` take the whole server down and bring a new one (new hub, new epoch) up on
 * the same port, as a deploy or a crash would.
 */
import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { WebSocket } from 'ws';
import { StatusHub } from '../../src/hub/status-hub.js';
import type { StatusHubOptions } from '../../src/hub/hub-options.js';

const DIST = join(__dirname, '..', '..', 'dist');

/** Records everything the page's status element and callbacks saw; read with `page.evaluate`. */
const PAGE_HELPERS = `
window.events = { statuses: [], states: [], gaps: [], messages: [] };
window.text = function () {
  var el = document.querySelector('#status .sm-text');
  return el ? el.textContent : null;
};
window.start = function (url, options) {
  window.stop = window.startStatusUpdates('status', url, Object.assign({}, options, {
    onStatus: function (s) {
      events.statuses.push({ data: s.data, seq: s.seq, replay: !!s.replay, shown: window.text() });
    },
    onConnectionChange: function (state, detail) {
      events.states.push(Object.assign({ state: state }, detail));
    },
    onGap: function (gap) { events.gaps.push(gap); },
    onMessage: function (data) { events.messages.push(data); },
  }));
};
`;

const PAGES: Record<string, string> = {
  '/page.html': `<!doctype html><html><head><meta charset="utf-8"><title>client test</title>
<link rel="stylesheet" href="/status-messenger.css"></head>
<body><div id="status">waiting…</div><div id="other"></div>
<script src="/status-messenger.js"></script><script>${PAGE_HELPERS}</script></body></html>`,
  // The seed's integration, as its README shows it: a deferred library, then the app script.
  '/seed.html': `<!doctype html><html><head><meta charset="utf-8"><title>seed-style page</title>
<script src="/status-messenger.js" defer></script><script src="/seed-app.js" defer></script></head>
<body><div id="my-status-display-area"></div></body></html>`,
  '/seed-app.js': `
const websocketBaseUrl = (window.location.protocol === "https:" ? "wss://" : "ws://") + window.location.host;
const agentStatusElementId = "my-status-display-area";
if (typeof window.startStatusUpdates === 'function') {
  window.stopSeed = window.startStatusUpdates(agentStatusElementId, '/ws/abc');
  window.seedBase = websocketBaseUrl;
} else {
  console.error("status-messenger.js (startStatusUpdates function) not found.");
}`,
  // The ESM entry, loaded the way a bundler-less app would.
  '/module.html': `<!doctype html><html><head><meta charset="utf-8"><title>esm</title></head><body>
<script type="module">import * as client from '/client/index.js'; window.client = client; window.clientReady = true;</script>
</body></html>`,
};

const TYPES: Record<string, string> = { '.js': 'text/javascript', '.css': 'text/css', '.html': 'text/html' };

function serve(extra: Record<string, string>, request: http.IncomingMessage, response: http.ServerResponse): void {
  const path = (request.url ?? '/').split('?')[0]!;
  let body: string | undefined = extra[path] ?? PAGES[path];
  if (body === undefined && /^\/(client\/)?[\w.-]+\.(js|css)$/.test(path)) {
    // The drop-in from dist/browser/; the ESM client from dist/client/, with the files it
    // imports from beside it (`../protocol.js`) at the top, as the installed package lays them out.
    const candidates = path.startsWith('/client/')
      ? [join(DIST, 'client', path.slice('/client/'.length))]
      : [join(DIST, 'browser', path.slice(1)), join(DIST, path.slice(1))];
    const file = candidates.find((candidate) => existsSync(candidate));
    if (file) body = readFileSync(file, 'utf8');
  }
  if (body === undefined) {
    response.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    return;
  }
  const ext = path.slice(path.lastIndexOf('.'));
  response.writeHead(200, { 'content-type': `${TYPES[ext] ?? 'text/plain'}; charset=utf-8`, 'cache-control': 'no-store' });
  response.end(body);
}

export class PageServer {
  hub!: StatusHub;
  port = 0;
  /** Every server-side socket the hub accepted, newest last, by session. */
  readonly sockets = new Map<string, WebSocket[]>();
  /** The URL (path and query) of every upgrade the hub accepted. */
  readonly upgrades: string[] = [];
  /** The URL of every request for an event stream (SSE), accepted or not. */
  readonly streams: string[] = [];
  /** The URL of every `HEAD` request for an event stream: the client asking why a try failed. */
  readonly probes: string[] = [];
  #server: http.Server | undefined;
  readonly #options: StatusHubOptions;
  /** More pages (path → body) a suite serves beside the built-in ones; `.js`/`.css`/`.html` by extension. */
  readonly pages: Record<string, string>;
  readonly #refuseUpgrades: boolean;

  private constructor(options: StatusHubOptions, pages: Record<string, string>, refuseUpgrades: boolean) {
    this.#options = options;
    this.pages = pages;
    this.#refuseUpgrades = refuseUpgrades;
  }

  /**
   * `refuseUpgrades`: behave like a proxy that blocks WebSocket: every upgrade is dropped (the
   * browser sees 1006), and the hub serves only SSE (`hub.sseHandler({ path: '/ws' })`).
   */
  static async start(
    options: StatusHubOptions = {},
    pages: Record<string, string> = {},
    { refuseUpgrades = false }: { refuseUpgrades?: boolean } = {},
  ): Promise<PageServer> {
    for (const file of ['browser/status-messenger.js', 'browser/status-messenger.css', 'client/index.js']) {
      if (!existsSync(join(DIST, file))) throw new Error(`dist/${file} is missing: run \`npm run build\` before the e2e tests`);
    }
    const server = new PageServer(options, pages, refuseUpgrades);
    await server.start();
    return server;
  }

  get origin(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Starts (again) on the same port, with a new hub and so a new epoch. */
  async start(): Promise<void> {
    if (this.#server) throw new Error('already running');
    const hub = new StatusHub(this.#options);
    const sse = this.#refuseUpgrades ? hub.sseHandler({ path: '/ws' }) : undefined;
    const server = http.createServer((request, response) => {
      if (!sse?.(request, response)) serve(this.pages, request, response);
    });
    if (sse) server.on('upgrade', (_request, socket) => socket.destroy());
    else hub.attach(server);
    server.prependListener('request', (request) => {
      if (!(request.headers.accept ?? '').includes('text/event-stream')) return;
      (request.method === 'HEAD' ? this.probes : this.streams).push(request.url ?? '');
    });
    hub.on('connection', (sessionId, socket, request) => {
      this.upgrades.push(request.url ?? '');
      const list = this.sockets.get(sessionId) ?? [];
      list.push(socket);
      this.sockets.set(sessionId, list);
    });
    server.listen(this.port, '127.0.0.1');
    await once(server, 'listening');
    this.port = (server.address() as AddressInfo).port;
    this.hub = hub;
    this.#server = server;
  }

  /** Takes everything down: sockets get 1001, the port stops listening. */
  async stop(): Promise<void> {
    const server = this.#server;
    if (!server) return;
    this.#server = undefined;
    await this.hub.close();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  lastSocket(sessionId: string): WebSocket {
    const socket = this.sockets.get(sessionId)?.at(-1);
    if (!socket) throw new Error(`no socket for session ${sessionId}`);
    return socket;
  }
}

/** Polls `predicate` until it holds, or throws `what` after `timeoutMs`. */
export async function waitUntil(what: string, predicate: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
