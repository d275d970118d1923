/**
 * What the AsyncLocalStorage binding costs an ADK run, per Node release line, side by side in
 * one run. For each line (20, 22, 24, 26: the running `node` and the others from the npm
 * registry's official binaries, see support/node-binaries.ts) three worker processes (see
 * `workers/als-runs.ts`) — one with the binding, one calling the hub directly, one calling it
 * directly with AsyncLocalStorage merely enabled — run the same rounds of concurrent runs, all
 * workers of all lines interleaved; the figure is each worker's CPU time per round.
 *
 * Why per line: up to Node 22, enabling AsyncLocalStorage switches on a process-wide promise
 * hook that every promise pays for; Node 24 runs it on AsyncContextFrame, with no hook.
 */
import { formatPercent } from '../report/format.js';
import { interleave } from '../support/interleave.js';
import { nodeBinaries } from '../support/node-binaries.js';
import type { NodeBinary } from '../support/node-binaries.js';
import { median, pairedRatios, spread } from '../support/stats.js';
import { WorkerProcess } from '../support/worker-process.js';
import type { BenchCase, Row, TargetCheck } from '../types.js';

type Variant = 'on' | 'off' | 'hook';

/** `+12.3 %` / `-4.0 %`. */
const signed = (fraction: number) => `${fraction >= 0 ? '+' : ''}${formatPercent(fraction)}`;
const VARIANTS: readonly Variant[] = ['off', 'hook', 'on'];

interface RoundResult {
  cpuMs: number;
  wallMs: number;
  statuses: number;
}

async function startWorker(node: NodeBinary, variant: Variant, runs: number): Promise<WorkerProcess> {
  const worker = new WorkerProcess('bench/workers/als-runs.ts', [variant, String(runs)], [], node.execPath);
  await worker.next('ready');
  return worker;
}

async function round(worker: WorkerProcess): Promise<RoundResult> {
  const reply = await worker.request({ type: 'round' }, 'round-done');
  return { cpuMs: Number(reply.cpuMs), wallMs: Number(reply.wallMs), statuses: Number(reply.statuses) };
}

export const alsOverheadCase: BenchCase = {
  id: 'als-overhead',
  title: 'AsyncLocalStorage binding per Node line: runWithStatus vs plain runner.runAsync',
  async run({ quick }) {
    const runs = quick ? 100 : 500;
    const rounds = quick ? 3 : 10;
    const { binaries, skipped } = await nodeBinaries();
    const key = (node: NodeBinary, variant: Variant) => `${node.line}:${variant}`;
    const workers = new Map<string, WorkerProcess>();
    try {
      // One line at a time: twelve workers loading ADK at once would stall a 2-core machine.
      for (const node of binaries) {
        for (const variant of VARIANTS) workers.set(key(node, variant), await startWorker(node, variant, runs));
      }
      const samples = await interleave({
        rounds,
        warmup: 2,
        log: (line) => process.stderr.write(`  als-overhead: ${line}\n`),
        variants: Object.fromEntries([...workers].map(([name, worker]) => [name, () => round(worker)])),
      });
      const expected = runs * 3; // 2 tool statuses + the run-end status, in every variant
      const short = Object.values(samples).flat().find((result) => result.statuses !== expected);
      if (short) throw new Error(`a round sent ${short.statuses} statuses instead of ${expected}`);

      const rows: Row[] = [];
      const overheads: { node: NodeBinary; on: number; hook: number; wall: number }[] = [];
      for (const node of binaries) {
        const cpu = (variant: Variant) => samples[key(node, variant)]!.map((s) => s.cpuMs);
        const wall = (variant: Variant) => samples[key(node, variant)]!.map((s) => s.wallMs);
        const overhead = (variant: Variant, values: (v: Variant) => number[] = cpu) =>
          median(pairedRatios(values(variant), values('off'))) - 1;
        const perRun = (label: string, variant: Variant): Row => ({
          label: `Node ${node.line} ${label}`,
          value: (median(cpu(variant)) * 1000) / runs,
          unit: 'µs CPU/run',
          spread: spread(cpu(variant)),
          rounds,
          ...(variant === 'off' ? {} : { detail: `${signed(overhead(variant))} vs off` }),
        });
        rows.push(
          perRun('off: plain runner.runAsync, the tool calls hub.send', 'off'),
          perRun('off + AsyncLocalStorage enabled, unused', 'hook'),
          perRun('on: runWithStatus + status_message (binding)', 'on'),
        );
        overheads.push({ node, on: overhead('on'), hook: overhead('hook'), wall: overhead('on', wall) });
      }
      for (const { node, on, wall } of overheads) {
        rows.push({ label: `ALS overhead on Node ${node.line} (${node.version}), on vs off (CPU time)`, value: on * 100, unit: '%', detail: `wall clock ${signed(wall)}` });
      }
      // Held to the target on the newest line: the one a user should run.
      const newest = overheads[overheads.length - 1]!;
      const targets: TargetCheck[] = [
        { name: `ALS on vs off overhead ≤ 5 % (Node ${newest.node.line})`, measured: formatPercent(newest.on), actual: newest.on, met: newest.on <= 0.05 },
      ];
      return {
        rows,
        targets,
        chart: [],
        notes: [
          `Node lines side by side: ${overheads.map(({ node, on }) => `${node.version} ${signed(on)}`).join(', ')}${skipped.length > 0 ? `; skipped: ${skipped.join('; ')}` : ''}.`,
          `${runs} concurrent runs per round (2 statuses from the tool and the run-end status each, scripted model answering at once, no sockets), ${rounds} rounds per variant after 2 warm-ups, all ${workers.size} workers in rotating order; each variant in its own process, because once AsyncLocalStorage is used Node up to 22 keeps its promise hook on for the whole process. Overheads are medians of per-round ratios against the same line's "off".`,
          'With a real model (hundreds of ms per call) the same CPU is a negligible share of a run’s wall time; this case isolates the CPU.',
        ],
      };
    } finally {
      await Promise.all([...workers.values()].map((worker) => worker.stop()));
    }
  },
};
