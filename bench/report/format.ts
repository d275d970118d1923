/** Number and label formatting shared by the table, the markdown and the SVG. */
import type { Machine, Row } from '../types.js';

export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const abs = Math.abs(value);
  const digits = abs >= 100 || Number.isInteger(value) ? 0 : abs >= 10 ? 1 : abs >= 1 ? 2 : 3;
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

export function formatRatio(value: number): string {
  return `${value.toFixed(2)}×`;
}

export function formatPercent(fraction: number): string {
  return `${(fraction * 100).toFixed(1)} %`;
}

export function formatValue(row: Row): string {
  return row.unit === 'count' ? formatNumber(row.value) : `${formatNumber(row.value)} ${row.unit}`;
}

/** `1.00× raw ws`, or empty. */
export function formatRowRatio(row: Row): string {
  return row.ratio ? `${formatRatio(row.ratio.value)} ${row.ratio.to}` : '';
}

/** Half the range across rounds, as `±4 %`; empty for single figures. */
export function formatSpread(row: Row): string {
  if (row.spread === undefined || (row.rounds ?? 0) < 2) return '';
  return `±${Math.round((row.spread * 100) / 2)} %`;
}

export function describeMachineLine(machine: Machine): string {
  return (
    `${machine.cpu}, ${machine.cores} cores, Node ${machine.node}, ${machine.platform}, ${machine.totalMemoryGiB} GiB; ` +
    `${machine.date}; 1-min load average ${machine.loadAverage.start.toFixed(1)} → ${machine.loadAverage.end.toFixed(1)}`
  );
}
