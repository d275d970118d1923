/**
 * Slow consumers and resets: a tab that stops reading must not grow memory or slow anyone
 * else; a socket reset mid-burst must resume without loss inside the window.
 */
import type { WebSocket as ServerSocket } from 'ws';
import type { HelloFrame } from '../../src/protocol.js';
import { sleep, startHubServer, TestClient } from '../support/hub-server.js';
import type { HubServer } from '../support/hub-server.js';

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

describe('StatusHub under a slow consumer', () => {
  let srv: HubServer;
  afterEach(async () => {
    await srv?.close();
  });

  it('keeps a stalled socket bounded by the cap while another session is served on time', async () => {
    const CAP = 256 * 1024;
    const STATUS_BYTES = 16 * 1024;
    srv = await startHubServer({ maxBufferedBytes: CAP, maxStatusLength: STATUS_BYTES + 100 });
    const serverSockets = new Map<string, ServerSocket>();
    srv.hub.on('connection', (sessionId, socket) => serverSockets.set(sessionId, socket));

    const slow = await TestClient.open(srv.url('slow'));
    const fast = await TestClient.open(srv.url('fast'));
    const slowServerSide = serverSockets.get('slow')!;
    // Stop reading: the kernel buffers fill, then ws's buffer, then ours.
    slow.socket.pause();

    const latencies: number[] = [];
    const sentAt = new Map<number, number>();
    fast.socket.on('message', (data) => {
      const frame = JSON.parse(data.toString()) as { type: string; seq: number };
      if (frame.type === 'status') latencies.push(performance.now() - sentAt.get(frame.seq)!);
    });

    let maxBuffered = 0;
    const padding = 'x'.repeat(STATUS_BYTES);
    const SECONDS = 3;
    const RATE = 1000;
    for (let tick = 0; tick < SECONDS * 100; tick += 1) {
      // 10 statuses per 10 ms ≈ 1,000 statuses/s into the stalled session.
      for (let i = 0; i < RATE / 100; i += 1) srv.hub.send('slow', `${tick}-${i} ${padding}`);
      sentAt.set(tick + 1, performance.now());
      srv.hub.send('fast', `fast ${tick}`);
      maxBuffered = Math.max(maxBuffered, slowServerSide.bufferedAmount);
      await sleep(10); // pacing: 10 statuses per 10 ms
    }
    const total = SECONDS * RATE;
    await fast.waitFor((c) => c.statuses.length === SECONDS * 100);
    const stats = srv.hub.stats();

    // Bounded: ws's buffer never goes past the cap by more than one frame.
    expect(maxBuffered).toBeLessThanOrEqual(CAP + STATUS_BYTES + 200);
    expect(stats.coalesced).toBeGreaterThan(total / 2);
    // Every status of the other session arrived, in order.
    expect(fast.statuses.map((f) => f.seq)).toEqual(Array.from({ length: SECONDS * 100 }, (_, i) => i + 1));

    // When the tab reads again it ends on the newest status, not on a stale one.
    slow.socket.resume();
    await slow.waitFor((c) => c.statuses.at(-1)?.seq === total, 20_000);
    const received = slow.statuses.length;
    console.log(
      `slow consumer: ${total} statuses of ${STATUS_BYTES / 1024} KiB at ~${RATE}/s to a stalled socket; ` +
        `peak ws buffer ${(maxBuffered / 1024).toFixed(0)} KiB (cap ${CAP / 1024} KiB); ` +
        `coalesced ${stats.coalesced}; delivered after resume ${received}, last seq ${total}; ` +
        `other session latency p50 ${percentile(latencies, 50).toFixed(2)} ms, p99 ${percentile(latencies, 99).toFixed(2)} ms`,
    );
    await Promise.all([slow.close(), fast.close()]);
  }, 60_000);

  it('closes a stalled socket with 4008 when uncoalescable frames pass the cap', async () => {
    srv = await startHubServer({ maxBufferedBytes: 64 * 1024 });
    const slow = await TestClient.open(srv.url('stall'));
    slow.socket.pause();
    const chunk = 'y'.repeat(32 * 1024);
    let closedAfter = 0;
    for (let i = 0; i < 2000 && !srv.hub.stats().closedByHub[4008]; i += 1) {
      srv.hub.sendFrame('stall', { type: 'agent_message', message: `${i} ${chunk}` });
      closedAfter = i + 1;
      if (i % 50 === 0) await sleep(1); // pacing: the producer yields to the event loop between bursts, so the socket writes
    }
    slow.socket.resume();
    const { code } = await slow.closed;
    expect(code).toBe(4008);
    expect(srv.hub.stats().closedByHub[4008]).toBe(1);
    console.log(`uncoalescable 32 KiB frames to a stalled socket: closed 4008 after ${closedAfter} frames (cap 64 KiB)`);
  }, 30_000);
});

describe('StatusHub after a reset', () => {
  let srv: HubServer;
  afterEach(async () => {
    await srv?.close();
  });

  it('resumes a socket reset mid-burst with every missed status, once, in order', async () => {
    srv = await startHubServer();
    const first = await TestClient.open(srv.url('burst'));
    const TOTAL = 200;
    let sent = 0;
    const burst = (async () => {
      while (sent < TOTAL) {
        srv.hub.send('burst', `status ${++sent}`);
        if (sent % 5 === 0) await sleep(2); // pacing: the burst goes on over time, so the reset lands mid-burst
      }
    })();
    await first.waitFor((c) => c.statuses.length >= 40);
    // A TCP RST, as when a laptop lid closes or a proxy dies.
    const raw = (first.socket as unknown as { _socket: import('node:net').Socket })._socket;
    raw.resetAndDestroy();
    const seen = first.statuses.map((f) => f.seq);
    const epoch = (first.frames[0] as HelloFrame).epoch;
    const last = seen.at(-1)!;
    // Statuses go on while the client is away.
    while (sent < last + 20 && sent < TOTAL) await sleep(2);

    const again = await TestClient.open(srv.url('burst', `since=${last}&epoch=${epoch}`));
    await burst;
    await again.waitFor((c) => c.statuses.at(-1)?.seq === TOTAL);
    const resumed = again.statuses.map((f) => f.seq);
    expect(again.frames.some((f) => f.type === 'gap')).toBe(false);
    expect([...seen, ...resumed]).toEqual(Array.from({ length: TOTAL }, (_, i) => i + 1));
    console.log(`reset after seq ${last} of ${TOTAL}: resumed ${resumed.length} statuses, 0 lost, 0 duplicated`);
    await again.close();
  });
});
