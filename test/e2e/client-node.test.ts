/**
 * `connectStatusUpdates` outside a browser: the `ws` package passed as `WebSocket` (Node 20
 * has no global one), against a real hub. Proves the structural socket type fits `ws` and
 * exercises resume without a page.
 */
import WebSocket from 'ws';
import { connectStatusUpdates } from '../../src/client/connect-status-updates.js';
import type { ConnectionState } from '../../src/client/connect-status-updates.js';
import type { GapFrame, StatusFrame } from '../../src/protocol.js';
import { startHubServer } from '../support/hub-server.js';
import type { HubServer } from '../support/hub-server.js';
import { waitUntil } from './client-page-server.js';

describe('connectStatusUpdates with the ws package', () => {
  let srv: HubServer;
  afterEach(async () => {
    await srv?.close();
  });

  it('receives statuses, resumes after a drop, and stops on close()', async () => {
    srv = await startHubServer({ historySize: 10 });
    const sockets: WebSocket[] = [];
    const urls: string[] = [];
    srv.hub.on('connection', (_id, socket, request) => {
      sockets.push(socket);
      urls.push(request.url ?? '');
    });
    const statuses: StatusFrame[] = [];
    const states: ConnectionState[] = [];
    const gaps: GapFrame[] = [];
    const connection = connectStatusUpdates(srv.url('node', 'token=abc'), {
      WebSocket,
      reconnectDelayMs: 50,
      maxReconnectDelayMs: 100,
      onStatus: (status) => statuses.push(status),
      onConnectionChange: (state) => states.push(state),
      onGap: (gap) => gaps.push(gap),
    });
    expect(connection.state).toBe('connecting');
    await waitUntil('connected', () => srv.hub.socketCount('node') === 1);
    srv.hub.send('node', 'one');
    await waitUntil('one arrives', () => connection.latest?.data === 'one');
    expect(connection.epoch).toMatch(/^[\w-]+$/);

    sockets[0]!.terminate();
    srv.hub.send('node', 'two');
    await waitUntil('replayed', () => connection.latest?.data === 'two');
    expect(statuses.map((s) => [s.data, s.replay ?? false])).toEqual([['one', false], ['two', true]]);
    expect(urls[1]).toBe(`/ws/node?token=abc&since=1&epoch=${connection.epoch}`);
    expect(states).toEqual(['open', 'reconnecting', 'open']);
    expect(gaps).toEqual([]);

    connection.close();
    connection.close();
    expect(connection.state).toBe('closed');
    await waitUntil('closed on the hub', () => srv.hub.socketCount('node') === 0);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(srv.hub.socketCount('node')).toBe(0);
    expect(states).toEqual(['open', 'reconnecting', 'open', 'closed']);
  });

  it('reports a callback that throws and keeps delivering', async () => {
    srv = await startHubServer();
    const errors: unknown[][] = [];
    const spy = jest.spyOn(console, 'error').mockImplementation((...args: unknown[]) => {
      errors.push(args);
    });
    const seen: string[] = [];
    const connection = connectStatusUpdates(srv.url('throws'), {
      WebSocket,
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
      connection.close();
      spy.mockRestore();
    }
  });

  it('throws a TypeError for wiring bugs instead of retrying forever', () => {
    expect(() => connectStatusUpdates('/ws/abc', { WebSocket })).toThrow(/no page location/);
    expect(() => connectStatusUpdates('ws://127.0.0.1:1/ws/a', { WebSocket, reconnectDelayMs: 0 })).toThrow(
      /`reconnectDelayMs` to be a positive number, got `0`/,
    );
    expect(() => connectStatusUpdates('ws://127.0.0.1:1/ws/a', { WebSocket, stableAfterMs: Number.NaN })).toThrow(
      /`stableAfterMs` to be a non-negative number, got `NaN`/,
    );
    const withoutGlobal = (globalThis as { WebSocket?: unknown }).WebSocket === undefined;
    if (withoutGlobal) expect(() => connectStatusUpdates('ws://127.0.0.1:1/ws/a')).toThrow(/pass `WebSocket`/);
  });
});
