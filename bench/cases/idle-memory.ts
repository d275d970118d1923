/**
 * Case 4: memory of idle connections. A raw `ws` server and our hub, each in a fresh process,
 * take the same number of idle clients (from another process, so only server-side sockets
 * count); the figure is RSS growth per socket after a forced GC, and ours beyond raw ws. The
 * same for SSE streams: a raw `res.write` server and the hub's SSE transport.
 */
import { formatNumber } from '../report/format.js';
import { median, spread } from '../support/stats.js';
import { WorkerProcess } from '../support/worker-process.js';
import type { BenchCase } from '../types.js';

interface Footprint {
  /** Bytes per socket beyond the process's idle baseline. */
  rss: number;
  heapUsed: number;
}

type Kind = 'raw' | 'hub' | 'raw-sse' | 'hub-sse';
const SSE_PATH: Partial<Record<Kind, string>> = { 'raw-sse': '/sse', 'hub-sse': '/ws' };

async function measure(kind: Kind, sockets: number): Promise<Footprint> {
  const server = new WorkerProcess('bench/workers/idle-server.ts', [kind], ['--expose-gc']);
  const clients = new WorkerProcess('bench/workers/idle-clients.ts');
  try {
    const baseline = await server.next('listening');
    await clients.request({ type: 'open', port: baseline.port, count: sockets, ssePath: SSE_PATH[kind] }, 'opened', 300_000);
    const after = await server.request({ type: 'measure', sockets }, 'measured', 300_000);
    if (Number(after.sockets) !== sockets) throw new Error(`${kind}: ${String(after.sockets)} of ${sockets} sockets open`);
    return {
      rss: (Number(after.rss) - Number(baseline.rss)) / sockets,
      heapUsed: (Number(after.heapUsed) - Number(baseline.heapUsed)) / sockets,
    };
  } finally {
    await server.stop(10_000);
    await clients.stop(10_000);
  }
}

export const idleMemoryCase: BenchCase = {
  id: 'idle-memory',
  title: 'Memory: idle sockets and SSE streams held by the server',
  async run({ quick }) {
    const sockets = quick ? 1_000 : 10_000;
    const rounds = quick ? 1 : 2;
    const samples: Record<Kind, Footprint[]> = { raw: [], hub: [], 'raw-sse': [], 'hub-sse': [] };
    const order: Kind[] = ['raw', 'hub', 'raw-sse', 'hub-sse'];
    for (let round = 0; round < rounds; round += 1) {
      // Alternate the order so that none always goes first.
      for (const kind of round % 2 === 0 ? order : [...order].reverse()) {
        samples[kind].push(await measure(kind, sockets));
      }
      process.stderr.write(`  idle-memory: round ${round + 1}/${rounds} done\n`);
    }
    const kb = (values: number[]) => median(values) / 1024;
    const of = (kind: Kind, field: keyof Footprint) => samples[kind].map((s) => s[field]);
    const rss = { raw: of('raw', 'rss'), hub: of('hub', 'rss'), rawSse: of('raw-sse', 'rss'), hubSse: of('hub-sse', 'rss') };
    const heap = { raw: of('raw', 'heapUsed'), hub: of('hub', 'heapUsed'), rawSse: of('raw-sse', 'heapUsed'), hubSse: of('hub-sse', 'heapUsed') };
    const beyond = kb(rss.hub) - kb(rss.raw);
    const beyondSse = kb(rss.hubSse) - kb(rss.rawSse);
    const count = sockets.toLocaleString('en-US');
    return {
      rows: [
        { label: `raw ws: RSS per idle socket (${count} sockets)`, value: kb(rss.raw), unit: 'KB', spread: spread(rss.raw), rounds, detail: `heap ${formatNumber(kb(heap.raw))} KB` },
        { label: `ours (StatusHub): RSS per idle socket (${count} sockets)`, value: kb(rss.hub), unit: 'KB', spread: spread(rss.hub), rounds, detail: `heap ${formatNumber(kb(heap.hub))} KB` },
        { label: 'ours beyond raw ws, per socket', value: beyond, unit: 'KB', detail: `heap ${formatNumber(kb(heap.hub) - kb(heap.raw))} KB` },
        { label: `raw SSE server: RSS per idle stream (${count} streams)`, value: kb(rss.rawSse), unit: 'KB', spread: spread(rss.rawSse), rounds, detail: `heap ${formatNumber(kb(heap.rawSse))} KB` },
        { label: `ours (StatusHub SSE): RSS per idle stream (${count} streams)`, value: kb(rss.hubSse), unit: 'KB', spread: spread(rss.hubSse), rounds, detail: `heap ${formatNumber(kb(heap.hubSse))} KB` },
        { label: 'ours beyond raw SSE, per stream', value: beyondSse, unit: 'KB', detail: `heap ${formatNumber(kb(heap.hubSse) - kb(heap.rawSse))} KB` },
      ],
      targets: [
        { name: 'RSS per socket beyond raw ws ≤ 50 KB', measured: `${formatNumber(beyond)} KB`, actual: beyond, met: beyond <= 50 },
        { name: 'RSS per SSE stream beyond raw SSE ≤ 50 KB', measured: `${formatNumber(beyondSse)} KB`, actual: beyondSse, met: beyondSse <= 50 },
      ],
      chart: [],
      notes: [
        `Each server in a fresh process (--expose-gc), ${count} clients from another process, one session per socket; (RSS after − RSS before) ÷ sockets after GC; ${rounds === 1 ? 'one round' : `${rounds} rounds in alternating order, median`}.`,
      ],
    };
  },
};
