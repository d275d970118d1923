/**
 * The shapes every bench case produces and the report consumes. A case measures variants side
 * by side and returns rows, ratio bars for the chart, and target checks; it never decides the
 * exit code.
 */

export interface BenchOptions {
  /** A short smoke run: fewer messages, sockets and rounds. */
  quick: boolean;
  /** Print machine-readable JSON instead of the table. */
  json: boolean;
  /** Write `docs/bench.svg` and `docs/bench-results.md` (full runs only, unless forced). */
  writeDocs: boolean;
  /** Case ids to run; empty runs every registered case. */
  only: string[];
}

export interface Row {
  /** What was measured, e.g. `ours: addStatusMessage → hub → ws client`. */
  label: string;
  value: number;
  /** `msg/s`, `ms`, `µs`, `KB`, `%`, `runs/s`, `count`. */
  unit: string;
  /** The value relative to a baseline row of the same case (median of per-round ratios). */
  ratio?: { value: number; to: string };
  /** (max − min) / median across rounds: how noisy this figure was. */
  spread?: number;
  /** Rounds behind the figure. */
  rounds?: number;
  /** A secondary figure, e.g. the wall-clock rate beside a CPU-time rate. */
  detail?: string;
}

/** A bar of `docs/bench.svg`: a ratio, with the target it is held to. */
export interface ChartBar {
  label: string;
  ratio: number;
  /** The ratio the target asks for, drawn as a tick. */
  target?: number;
}

export interface TargetCheck {
  /** e.g. `ours ≥ 0.9× raw ws`. */
  name: string;
  /** The measured figure, formatted (e.g. `0.93×`, `0.41 ms`). */
  measured: string;
  /** The same figure as a number, for machines (`--json`). */
  actual: number;
  met: boolean;
}

export interface CaseResult {
  id: string;
  title: string;
  rows: Row[];
  targets: TargetCheck[];
  chart: ChartBar[];
  /** How it was measured and why a figure is what it is. */
  notes: string[];
  /** Wall time of the case. */
  durationMs: number;
}

/** Failures are reported as a case result without rows, so one broken case spares the rest. */
export interface CaseFailure {
  id: string;
  title: string;
  error: string;
}

export interface BenchCase {
  /** Stable id for `--only` and the JSON output. */
  id: string;
  title: string;
  run(options: BenchOptions): Promise<Omit<CaseResult, 'id' | 'title' | 'durationMs'>>;
}

export interface Machine {
  cpu: string;
  cores: number;
  node: string;
  platform: string;
  totalMemoryGiB: number;
  date: string;
  /** 1-minute load average when the bench started and when it finished. */
  loadAverage: { start: number; end: number };
}

export interface BenchReport {
  machine: Machine;
  mode: 'quick' | 'full';
  durationMs: number;
  results: CaseResult[];
  failures: CaseFailure[];
}
