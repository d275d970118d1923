/**
 * Case 4: memory of idle sockets. A raw `ws` server and our hub, each in a fresh process, take
 * the same number of idle clients (from another process, so only server-side sockets count);
 * the figure is RSS growth per socket after a forced GC, and ours beyond raw ws.
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

async function measure(kind: 'raw' | 'hub', sockets: number): Promise<Footprint> {
  const server = new WorkerProcess('bench/workers/idle-server.ts', [kind], ['--expose-gc']);
  const clients = new WorkerProcess('bench/workers/idle-clients.ts');
  try {
    const baseline = await server.next('listening');
    await clients.request({ type: 'open', port: baseline.port, count: sockets }, 'opened', 300_000);
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
  title: 'Memory: idle sockets held by the server',
  async run({ quick }) {
    const sockets = quick ? 1_000 : 10_000;
    const rounds = quick ? 1 : 2;
    const samples: Record<'raw' | 'hub', Footprint[]> = { raw: [], hub: [] };
    for (let round = 0; round < rounds; round += 1) {
      // raw, hub; then hub, raw: neither always goes first.
      for (const kind of round % 2 === 0 ? (['raw', 'hub'] as const) : (['hub', 'raw'] as const)) {
        samples[kind].push(await measure(kind, sockets));
      }
      process.stderr.write(`  idle-memory: round ${round + 1}/${rounds} done\n`);
    }
    const kb = (values: number[]) => median(values) / 1024;
    const rss = { raw: samples.raw.map((s) => s.rss), hub: samples.hub.map((s) => s.rss) };
    const heap = { raw: samples.raw.map((s) => s.heapUsed), hub: samples.hub.map((s) => s.heapUsed) };
    const beyond = kb(rss.hub) - kb(rss.raw);
    const count = sockets.toLocaleString('en-US');
    return {
      rows: [
        { label: `raw ws: RSS per idle socket (${count} sockets)`, value: kb(rss.raw), unit: 'KB', spread: spread(rss.raw), rounds, detail: `heap ${formatNumber(kb(heap.raw))} KB` },
        { label: `ours (StatusHub): RSS per idle socket (${count} sockets)`, value: kb(rss.hub), unit: 'KB', spread: spread(rss.hub), rounds, detail: `heap ${formatNumber(kb(heap.hub))} KB` },
        { label: 'ours beyond raw ws, per socket', value: beyond, unit: 'KB', detail: `heap ${formatNumber(kb(heap.hub) - kb(heap.raw))} KB` },
      ],
      targets: [{ name: 'RSS per socket beyond raw ws ≤ 50 KB', measured: `${formatNumber(beyond)} KB`, actual: beyond, met: beyond <= 50 }],
      chart: [],
      notes: [
        `Each server in a fresh process (--expose-gc), ${count} clients from another process, one session per socket; (RSS after − RSS before) ÷ sockets after GC; ${rounds === 1 ? 'one round' : `${rounds} rounds in alternating order, median`}.`,
      ],
    };
  },
};
