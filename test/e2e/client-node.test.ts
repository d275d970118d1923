/**
 * `connectStatusUpdates` outside a browser, against a real hub, with both WebSocket
 * implementations a Node app has: the runtime's global `WebSocket` (Node 22+) and the `ws`
 * package passed as the `WebSocket` option. Proves the structural socket type fits both, and
 * exercises resume, refusals and wiring errors without a page.
 */
import WsWebSocket from 'ws';
import { connectStatusUpdates } from '../../src/client/connect-status-updates.js';
import type { ConnectionDetail, ConnectionState, SocketConstructor, StatusConnection } from '../../src/client/connect-status-updates.js';
import { InvalidSessionIdError } from '../../src/client/connection-error.js';
import type { StatusHubOptions } from '../../src/hub/hub-options.js';
import type { GapFrame, StatusFrame } from '../../src/protocol.js';
import { freePort } from '../support/adk-cli.js';
import { startHubServer } from '../support/hub-server.js';
import type { HubServer } from '../support/hub-server.js';
import { waitUntil } from './client-page-server.js';

const FAST = { reconnectDelayMs: 50, maxReconnectDelayMs: 100 };
const globalWebSocket = (globalThis as { WebSocket?: SocketConstructor }).WebSocket;

/**
 * Counts the upgrade requests `srv` gets, without adding an `'upgrade'` listener (with a second
 * listener the hub would leave upgrades for paths it does not serve to that listener).
 */
function countUpgrades(srv: HubServer): () => number {
  let count = 0;
  const emit = srv.server.emit.bind(srv.server);
  srv.server.emit = ((event: string, ...args: unknown[]) => {
    if (event === 'upgrade') count += 1;
    return emit(event, ...args);
  }) as typeof srv.server.emit;
  return () => count;
}

/** Runs `fn` with `console.warn` recorded (and silenced). */
async function withWarnings<T>(fn: (warnings: string[]) => Promise<T>): Promise<T> {
  const warnings: string[] = [];
  const spy = jest.spyOn(console, 'warn').mockImplementation((...args: unknown[]) => {
    warnings.push(args.map(String).join(' '));
  });
  try {
    return await fn(warnings);
  } finally {
    spy.mockRestore();
  }
}

describe('connectStatusUpdates in Node', () => {
  let srv: HubServer;
  let connection: StatusConnection | undefined;
  afterEach(async () => {
    connection?.close();
    connection = undefined;
    await srv?.close();
  });

  it('has a global WebSocket on every supported Node (22+)', () => {
    expect(typeof globalWebSocket).toBe('function');
  });

  describe.each([
    ['the global WebSocket (nothing passed)', undefined],
    ['the ws package passed as `WebSocket`', WsWebSocket as unknown as SocketConstructor],
  ])('with %s', (_label, WebSocket) => {
    it('receives statuses, resumes after a drop, and stops on close()', async () => {
      srv = await startHubServer({ historySize: 10 });
      const sockets: WsWebSocket[] = [];
      const urls: string[] = [];
      srv.hub.on('connection', (_id, socket, request) => {
        sockets.push(socket);
        urls.push(request.url ?? '');
      });
      const statuses: StatusFrame[] = [];
      const states: ConnectionState[] = [];
      const gaps: GapFrame[] = [];
      const handle = connectStatusUpdates(srv.url('node', 'token=abc'), {
        ...(WebSocket ? { WebSocket } : {}),
        ...FAST,
        transport: 'websocket',
        onStatus: (status) => statuses.push(status),
        onConnectionChange: (state) => states.push(state),
        onGap: (gap) => gaps.push(gap),
      });
      connection = handle;
      expect(handle.state).toBe('connecting');
      await waitUntil('connected', () => srv.hub.socketCount('node') === 1);
      srv.hub.send('node', 'one');
      await waitUntil('one arrives', () => handle.latest?.data === 'one');
      expect(handle.epoch).toMatch(/^[\w-]+$/);

      sockets[0]!.terminate();
      srv.hub.send('node', 'two');
      await waitUntil('replayed', () => handle.latest?.data === 'two');
      expect(statuses.map((s) => [s.data, s.replay ?? false])).toEqual([['one', false], ['two', true]]);
      expect(urls[1]).toBe(`/ws/node?token=abc&since=1&epoch=${handle.epoch}`);
      expect(states).toEqual(['open', 'reconnecting', 'open']);
      expect(gaps).toEqual([]);

      handle.close();
      handle.close();
      expect(handle.state).toBe('closed');
      await waitUntil('closed on the hub', () => srv.hub.socketCount('node') === 0);
      // No retry follows a close(): a new connection would show within a few backoff steps.
      srv.hub.send('node', 'after close');
      await new Promise((resolve) => setTimeout(resolve, 3 * FAST.maxReconnectDelayMs));
      expect(srv.hub.socketCount('node')).toBe(0);
      expect(states).toEqual(['open', 'reconnecting', 'open', 'closed']);
    });
  });

  it('reports a callback that throws and keeps delivering', async () => {
    srv = await startHubServer();
    const errors: unknown[][] = [];
    const spy = jest.spyOn(console, 'error').mockImplementation((...args: unknown[]) => {
      errors.push(args);
    });
    const seen: string[] = [];
    connection = connectStatusUpdates(srv.url('throws'), {
      onStatus: (status) => {
        seen.push(status.data);
        if (status.data === 'one') throw new Error('page bug');
      },
    });
    try {
      await waitUntil('connected', () => srv.hub.socketCount('throws') === 1);
      srv.hub.send('throws', 'one');
      srv.hub.send('throws', 'two');
      await waitUntil('two arrives', () => seen.length === 2);
      expect(seen).toEqual(['one', 'two']);
      expect(connection.state).toBe('open');
      expect(errors).toHaveLength(1);
      expect(String(errors[0]?.[0])).toContain('`onStatus` threw');
    } finally {
      spy.mockRestore();
    }
  });

  it('throws a TypeError for wiring bugs instead of retrying forever', () => {
    expect(() => connectStatusUpdates('/ws/abc')).toThrow(/no page location/);
    expect(() => connectStatusUpdates('ws://127.0.0.1:1/ws/a', { reconnectDelayMs: 0 })).toThrow(
      /`reconnectDelayMs` to be a positive number, got `0`/,
    );
    expect(() => connectStatusUpdates('ws://127.0.0.1:1/ws/a', { stableAfterMs: Number.NaN })).toThrow(
      /`stableAfterMs` to be a non-negative number, got `NaN`/,
    );
  });

  it('asks for a WebSocket implementation where the runtime has none', () => {
    const holder = globalThis as { WebSocket?: unknown };
    const saved = holder.WebSocket;
    holder.WebSocket = undefined;
    try {
      expect(() => connectStatusUpdates('ws://127.0.0.1:1/ws/a', { transport: 'websocket' })).toThrow(/pass `WebSocket`/);
      // Node has no global EventSource: `sse` needs one passed in (FetchEventSource).
      expect(() => connectStatusUpdates('ws://127.0.0.1:1/ws/a', { transport: 'sse' })).toThrow(/pass `EventSource`/);
    } finally {
      holder.WebSocket = saved;
    }
  });

  it.each(['undefined', 'null', ''])('refuses the session id "%s" before connecting (ERR_INVALID_SESSION_ID)', async (id) => {
    srv = await startHubServer();
    const upgrades = countUpgrades(srv);
    let thrown: unknown;
    try {
      connectStatusUpdates(srv.url(id));
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(InvalidSessionIdError);
    expect((thrown as InvalidSessionIdError).code).toBe('ERR_INVALID_SESSION_ID');
    expect(upgrades()).toBe(0);
  });

  describe('when the hub refuses the connection', () => {
    const refusals: [string, StatusHubOptions, (srv: HubServer) => string, number, string][] = [
      ['a session id the hub does not accept', {}, (s) => s.url('bad%20id'), 400, 'ERR_INVALID_SESSION_ID'],
      ['authorize saying no', { authorize: () => false }, (s) => s.url('locked'), 401, 'ERR_UNAUTHORIZED'],
      ['authorize saying 403', { authorize: () => ({ allow: false, status: 403 }) }, (s) => s.url('locked'), 403, 'ERR_FORBIDDEN'],
      ['an origin not allowed', { allowedOrigins: ['https://app.example'], allowMissingOrigin: false }, (s) => s.url('o'), 403, 'ERR_FORBIDDEN'],
      ['a path no hub serves (the app answers 200)', {}, (s) => `ws://127.0.0.1:${s.port}/wrong/abc`, 200, 'ERR_HUB_NOT_FOUND'],
    ];

    it.each(refusals)('stops after one try on %s, and says why once', async (_label, options, url, status, code) => {
      srv = await startHubServer(options);
      const upgrades = countUpgrades(srv);
      const states: [ConnectionState, ConnectionDetail][] = [];
      await withWarnings(async (warnings) => {
        const handle = connectStatusUpdates(url(srv), { ...FAST, onConnectionChange: (state, detail) => states.push([state, detail]) });
        connection = handle;
        await waitUntil('failed', () => handle.state === 'failed');
        expect(handle.error).toEqual({ status, code });
        expect(states).toEqual([['failed', { attempt: 0, transport: 'websocket', code: 1006, error: { status, code } }]]);
        // Nothing more happens: no retry within many backoff steps. (Node 26's global WebSocket
        // sends a handshake refused with 401 twice itself, so the count is taken here.)
        const tried = upgrades();
        expect(tried).toBeGreaterThanOrEqual(1);
        await new Promise((resolve) => setTimeout(resolve, 5 * FAST.maxReconnectDelayMs));
        expect(upgrades()).toBe(tried);
        expect(states).toHaveLength(1);
        expect(warnings).toHaveLength(1);
        expect(warnings[0]).toContain(`(HTTP ${status})`);
      });
    });

    it('keeps retrying after 429, says why, and connects once a slot is free', async () => {
      srv = await startHubServer({ maxSocketsPerSession: 1 });
      const first = connectStatusUpdates(srv.url('full'));
      await waitUntil('the first tab connected', () => first.state === 'open');
      const states: [ConnectionState, ConnectionDetail][] = [];
      await withWarnings(async (warnings) => {
        const second = connectStatusUpdates(srv.url('full'), { ...FAST, onConnectionChange: (state, detail) => states.push([state, detail]) });
        connection = second;
        try {
          await waitUntil('two refused tries', () => states.filter(([state]) => state === 'reconnecting').length >= 2);
          expect(second.error).toEqual({ status: 429, code: 'ERR_TOO_MANY_CONNECTIONS' });
          expect(states[0]).toEqual(['reconnecting', expect.objectContaining({ attempt: 1, error: { status: 429, code: 'ERR_TOO_MANY_CONNECTIONS' } })]);
          expect(warnings).toEqual([expect.stringContaining('`maxSocketsPerSession`')]);
          first.close();
          await waitUntil('the second tab connected', () => second.state === 'open');
          expect(second.error).toBeUndefined();
          expect(warnings).toHaveLength(1);
        } finally {
          first.close();
        }
      });
    });

    it('keeps retrying, without a warning, while nothing answers at all', async () => {
      srv = await startHubServer();
      const port = await freePort();
      const states: ConnectionState[] = [];
      await withWarnings(async (warnings) => {
        const handle = connectStatusUpdates(`ws://127.0.0.1:${port}/ws/down`, { ...FAST, onConnectionChange: (state) => states.push(state) });
        connection = handle;
        await waitUntil('three tries', () => states.length >= 3);
        expect(new Set(states)).toEqual(new Set(['reconnecting']));
        expect(handle.error).toBeUndefined();
        expect(warnings).toEqual([]);
      });
    });
  });
});
