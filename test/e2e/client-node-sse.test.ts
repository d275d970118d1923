/**
 * The ESM client in Node over SSE with `FetchEventSource` (fetch + eventsource-parser; Node has
 * no global `EventSource`), in a child process, against a real hub: statuses in order, resume after the hub drops the stream
 * (`?since=&epoch=`, replayed statuses), the end of the run, and `close()`.
 */
import { spawn } from 'node:child_process';
import type { ServerResponse } from 'node:http';
import path from 'node:path';
import { startHubServer } from '../support/hub-server.js';
import type { HubServer } from '../support/hub-server.js';
import { waitUntil } from './client-page-server.js';

describe('FetchEventSource in Node', () => {
  let srv: HubServer;
  afterEach(async () => {
    await srv?.close();
  });

  it('receives statuses over SSE, resumes after a drop, and ends with the run', async () => {
    srv = await startHubServer();
    const urls: string[] = [];
    const streams: ServerResponse[] = [];
    srv.server.prependListener('request', (request, response) => {
      urls.push(request.url ?? '');
      streams.push(response);
    });
    const child = spawn(process.execPath, ['--import', 'tsx', path.join('test', 'support', 'sse-node-client.ts'), srv.url('node-sse')], {
      cwd: path.join(__dirname, '..', '..'),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const lines: Record<string, unknown>[] = [];
    let stderr = '';
    let buffered = '';
    child.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      const parts = buffered.split('\n');
      buffered = parts.pop()!;
      for (const part of parts) if (part) lines.push(JSON.parse(part) as Record<string, unknown>);
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    try {
      await waitUntil('the child connects', () => srv.hub.socketCount('node-sse') === 1, 20_000);
      srv.hub.send('node-sse', 'one');
      srv.hub.send('node-sse', 'two');
      await waitUntil('two statuses', () => lines.filter((l) => 'status' in l).length === 2);
      // The connection breaks (same hub, same epoch): the client resumes where it was.
      streams[0]!.socket?.destroy();
      srv.hub.send('node-sse', 'three');
      await waitUntil('reconnected', () => srv.hub.socketCount('node-sse') === 1 && urls.length === 2);
      srv.hub.send('node-sse', { message: 'Done', state: 'done' });
      expect(await exited).toBe(0);
    } finally {
      child.kill();
    }
    expect(stderr).toBe('');
    expect(lines.filter((l) => 'status' in l)).toEqual([
      { status: 'one', seq: 1, replay: false, steps: 1 },
      { status: 'two', seq: 2, replay: false, steps: 2 },
      { status: 'three', seq: 3, replay: true, steps: 3 },
      { status: 'Done', seq: 4, replay: false, steps: 3 },
    ]);
    expect(lines.filter((l) => 'state' in l).map((l) => [l.state, l.transport])).toEqual([
      ['open', 'sse'], ['reconnecting', 'sse'], ['open', 'sse'], ['closed', 'sse'],
    ]);
    expect(lines.at(-1)).toEqual({ runState: 'done', transport: 'sse' });
    expect(urls[1]).toMatch(/^\/ws\/node-sse\?since=2&epoch=[\w-]+$/);
  }, 40_000);
});
