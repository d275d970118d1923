/**
 * Case 3b: what the AsyncLocalStorage binding costs an ADK run. Worker processes (see
 * `workers/als-runs.ts`), one with the binding, one calling the hub directly, and one calling
 * it directly with AsyncLocalStorage merely enabled, run the same rounds of concurrent runs in
 * turn; the figure is the worker's CPU time per round.
 */
import { formatPercent } from '../report/format.js';
import { interleave } from '../support/interleave.js';
import { median, pairedRatios, spread } from '../support/stats.js';
import { WorkerProcess } from '../support/worker-process.js';
import type { BenchCase, Row } from '../types.js';

type Variant = 'on' | 'off' | 'hook';

interface RoundResult {
  cpuMs: number;
  wallMs: number;
  statuses: number;
}

async function startWorker(variant: Variant, runs: number): Promise<WorkerProcess> {
  const worker = new WorkerProcess('bench/workers/als-runs.ts', [variant, String(runs)]);
  await worker.next('ready');
  return worker;
}

async function round(worker: WorkerProcess): Promise<RoundResult> {
  const reply = await worker.request({ type: 'round' }, 'round-done');
  return { cpuMs: Number(reply.cpuMs), wallMs: Number(reply.wallMs), statuses: Number(reply.statuses) };
}

export const alsOverheadCase: BenchCase = {
  id: 'als-overhead',
  title: 'AsyncLocalStorage binding: runWithStatus vs plain runner.runAsync',
  async run({ quick }) {
    const runs = quick ? 100 : 500;
    const rounds = quick ? 3 : 12;
    const workers = await Promise.all((['off', 'hook', 'on'] as const).map((variant) => startWorker(variant, runs)));
    const [off, hook, on] = workers as [WorkerProcess, WorkerProcess, WorkerProcess];
    try {
      const samples = await interleave({
        rounds,
        warmup: 3,
        log: (line) => process.stderr.write(`  als-overhead: ${line}\n`),
        variants: { off: () => round(off), hook: () => round(hook), on: () => round(on) },
      });
      const expected = runs * 3; // 2 tool statuses + the run-end status, in every variant
      const short = [...samples.on, ...samples.off, ...samples.hook].find((result) => result.statuses !== expected);
      if (short) throw new Error(`a round sent ${short.statuses} statuses instead of ${expected}`);
      const cpu = (variant: Variant) => samples[variant].map((s) => s.cpuMs);
      const wall = (variant: Variant) => samples[variant].map((s) => s.wallMs);
      const overhead = (variant: Variant, values: (v: Variant) => number[] = cpu) =>
        median(pairedRatios(values(variant), values('off'))) - 1;
      const perRun = (label: string, variant: Variant): Row => ({
        label,
        value: (median(cpu(variant)) * 1000) / runs,
        unit: 'µs CPU/run',
        spread: spread(cpu(variant)),
        rounds,
        ...(variant === 'off' ? {} : { detail: `+${formatPercent(overhead(variant))} vs off` }),
      });
      const total = overhead('on');
      return {
        rows: [
          perRun('off: plain runner.runAsync, the tool calls hub.send', 'off'),
          perRun('off + AsyncLocalStorage enabled (Node 20 promise hook only)', 'hook'),
          perRun('on: runWithStatus + status_message (binding)', 'on'),
          { label: 'ALS overhead, on vs off (CPU time)', value: total * 100, unit: '%', detail: `wall clock ${formatPercent(overhead('on', wall))}` },
        ],
        targets: [{ name: 'ALS on vs off overhead ≤ 5 %', measured: formatPercent(total), actual: total, met: total <= 0.05 }],
        chart: [],
        notes: [
          `${runs} concurrent runs per round (2 statuses from the tool and the run-end status each, scripted model answering at once, no sockets), ${rounds} rounds per variant after 3 warm-ups, in rotating order; each variant in its own process, because once AsyncLocalStorage is used Node 20 keeps its promise hook on for the whole process. Overheads are medians of per-round ratios.`,
          'With a real model (hundreds of ms per call) the same CPU is a negligible share of a run’s wall time; this case isolates the CPU.',
        ],
      };
    } finally {
      await Promise.all(workers.map((worker) => worker.stop()));
    }
  },
};
