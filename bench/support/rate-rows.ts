/**
 * Turns per-round pump results into rows. The figure compared is delivered messages per CPU
 * second of the sending process: on a shared machine other tenants stretch wall time, not the
 * CPU time our process uses. The wall-clock rate is shown alongside.
 */
import { formatNumber } from '../report/format.js';
import type { Row } from '../types.js';
import type { PumpResult } from './pump.js';
import { median, pairedRatios, spread } from './stats.js';

export interface RateSamples {
  /** Deliveries per server CPU second, per round. */
  cpu: number[];
  /** Deliveries per wall-clock second, per round. */
  wall: number[];
}

export function toRates(results: readonly PumpResult[], deliveries: number): RateSamples {
  return {
    cpu: results.map((result) => (deliveries * 1000) / result.cpuMs),
    wall: results.map((result) => (deliveries * 1000) / result.wallMs),
  };
}

export interface Baseline {
  name: string;
  rates: RateSamples;
}

export function rateRow(label: string, rates: RateSamples, baseline?: Baseline): Row {
  const row: Row = {
    label,
    value: median(rates.cpu),
    unit: 'msg/CPU-s',
    spread: spread(rates.cpu),
    rounds: rates.cpu.length,
    detail: `wall ${formatNumber(median(rates.wall))} msg/s (±${Math.round((spread(rates.wall) * 100) / 2)} %)`,
  };
  if (baseline) row.ratio = { value: pairedRatio(rates.cpu, baseline.rates.cpu), to: baseline.name };
  return row;
}

/** The median of per-round ratios a/b (robust to a slow patch hitting one round). */
export function pairedRatio(a: readonly number[], b: readonly number[]): number {
  return median(pairedRatios(a, b));
}
