/** The plain-text report printed to stdout. */
import type { BenchReport, CaseResult } from '../types.js';
import { describeMachineLine, formatRowRatio, formatSpread, formatValue } from './format.js';

/** Pads cells into columns; `right` lists the (figure) columns aligned to the right. */
function columns(rows: string[][], indent: string, right: readonly number[] = []): string[] {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows.map(
    (row) =>
      indent +
      row
        .map((cell, column) => (right.includes(column) ? cell.padStart(widths[column]!) : cell.padEnd(widths[column]!)))
        .join('   ')
        .trimEnd(),
  );
}

function caseSection(result: CaseResult, index: number): string[] {
  const header = ['measurement', 'value', 'ratio', 'spread', 'detail'];
  const rows = result.rows.map((row) => [row.label, formatValue(row), formatRowRatio(row), formatSpread(row), row.detail ?? '']);
  return [
    `${index + 1}. ${result.title}  (${(result.durationMs / 1000).toFixed(1)} s)`,
    ...columns([header, ...rows], '   ', [1, 2, 3]),
    ...result.notes.map((note) => `   · ${note}`),
    '',
  ];
}

export function renderTable(report: BenchReport): string {
  const lines = [
    `adk-status-messenger bench: ${report.mode} run, ${(report.durationMs / 1000).toFixed(0)} s`,
    `machine: ${describeMachineLine(report.machine)}`,
    '',
    ...report.results.flatMap(caseSection),
  ];
  for (const failure of report.failures) lines.push(`CRASHED ${failure.id}: ${failure.error}`, '');
  const targets = report.results.flatMap((result) => result.targets);
  if (targets.length > 0) {
    lines.push('targets');
    lines.push(...columns(targets.map((target) => [target.met ? 'met' : 'MISSED', target.name, target.measured]), '   '));
  }
  return `${lines.join('\n')}\n`;
}
