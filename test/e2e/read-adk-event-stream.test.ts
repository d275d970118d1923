/**
 * `readAdkEventStream` / `parseAdkStatusEvent` in Node against a real HTTP server that writes
 * `/run_sse`-style frames in awkward chunks (split mid-frame, CRLF, a bad frame, a comment).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseAdkStatusEvent } from '../../src/client/parse-adk-status-event.js';
import { readAdkEventStream } from '../../src/client/read-adk-event-stream.js';
import type { AdkStatus } from '../../src/client/parse-adk-status-event.js';

const status = (data: string, extra: Record<string, unknown> = {}) => ({
  invocationId: 'inv',
  author: 'agent',
  id: `e-${data}`,
  partial: true,
  customMetadata: { status_messenger: { type: 'status', data, ts: '2026-12-01T00:00:00.000Z', ...extra } },
});

async function serve(chunks: string[], pauseMs = 5): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer(async (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    for (const chunk of chunks) {
      res.write(chunk);
      await new Promise((resolve) => setTimeout(resolve, pauseMs)); // pacing: each chunk reaches the reader on its own
    }
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/run_sse`, close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }) };
}

describe('readAdkEventStream (Node)', () => {
  it('reads statuses and events in order across split chunks, CRLF, comments and a bad frame', async () => {
    const frames = [
      `data: ${JSON.stringify(status('Searching…', { progress: 10, level: 'info', tool: 'lookup' }))}\n\n`,
      ': keep-alive comment\n\n',
      'data: {not json}\n\n',
      `data: ${JSON.stringify({ author: 'agent', content: { parts: [{ text: 'answer' }] } })}\r\n\r\n`,
      `data: ${JSON.stringify(status('Done looking', { progress: 1000, level: 'loud' }))}\n\n`,
    ].join('');
    // Cut the byte stream at awkward places, including inside the multi-byte "…".
    const bytes = Buffer.from(frames);
    const cuts = [7, 40, 41, 42, 100, 180, bytes.length];
    const chunks: string[] = [];
    let start = 0;
    for (const cut of cuts) {
      chunks.push(bytes.subarray(start, cut).toString('latin1'));
      start = cut;
    }
    const server = http.createServer(async (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      for (const chunk of chunks) {
        res.write(Buffer.from(chunk, 'latin1'));
        await new Promise((resolve) => setTimeout(resolve, 5)); // pacing: each chunk reaches the reader on its own
      }
      res.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const statuses: AdkStatus[] = [];
    const authors: string[] = [];
    const count = await readAdkEventStream(await fetch(`http://127.0.0.1:${port}/run_sse`), {
      onStatus: (s) => statuses.push(s),
      onEvent: (event) => authors.push(String(event.author)),
    });
    await new Promise<void>((resolve) => server.close(() => resolve()));
    expect(count).toBe(3);
    expect(authors).toEqual(['agent', 'agent', 'agent']);
    expect(statuses).toEqual([
      { type: 'status', data: 'Searching…', ts: '2026-12-01T00:00:00.000Z', progress: 10, level: 'info', tool: 'lookup', author: 'agent', invocationId: 'inv', eventId: 'e-Searching…' },
      // Out-of-range progress and an unknown level are dropped, not passed on.
      { type: 'status', data: 'Done looking', ts: '2026-12-01T00:00:00.000Z', author: 'agent', invocationId: 'inv', eventId: 'e-Done looking' },
    ]);
  });

  it('stops when the signal aborts, keeps going when a callback throws, and rejects a non-OK response', async () => {
    const server = await serve(Array.from({ length: 50 }, (_, i) => `data: ${JSON.stringify(status(`s${i}`))}\n\n`), 20);
    const controller = new AbortController();
    const seen: string[] = [];
    const errors = jest.spyOn(console, 'error').mockImplementation(() => {});
    await readAdkEventStream(await fetch(server.url), {
      onStatus: (s) => {
        seen.push(s.data);
        if (s.data === 's1') throw new Error('listener bug');
        if (seen.length === 3) controller.abort();
      },
      signal: controller.signal,
    });
    errors.mockRestore();
    expect(seen).toEqual(['s0', 's1', 's2']);
    await server.close();
    await expect(readAdkEventStream({ ok: false, status: 404, body: null })).rejects.toThrow(/404/);
    await expect(readAdkEventStream({ body: null }, { onStatuses: () => {} } as never)).rejects.toThrow(/unknown option `onStatuses`/);
  });

  it('parseAdkStatusEvent returns undefined for anything that is not a status, never throws', () => {
    for (const input of [undefined, null, 42, 'nope', '{"customMetadata":{}}', { customMetadata: { status_messenger: { type: 'status' } } }, { customMetadata: { status_messenger: { type: 'x', data: 'y' } } }]) {
      expect(parseAdkStatusEvent(input)).toBeUndefined();
    }
    const hostile = JSON.parse('{"customMetadata":{"status_messenger":{"type":"status","data":"ok","__proto__":{"polluted":true}}}}');
    const parsed = parseAdkStatusEvent(hostile)!;
    expect(parsed.data).toBe('ok');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.keys(parsed)).toEqual(['type', 'data', 'ts']);
  });
});
