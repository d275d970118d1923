/**
 * `docs/bench.svg`: one horizontal bar per ratio on a logarithmic axis (ratios span 0.5× to
 * hundreds×), a dashed line at 1× (the baseline), gridlines at powers of ten, and a tick at each
 * bar's target. Hand-written SVG, no dependency; deterministic for a given report.
 */
import type { BenchReport, ChartBar } from '../types.js';
import { describeMachineLine, formatRatio } from './format.js';

const LABEL_WIDTH = 270;
const PLOT_WIDTH = 380;
const ROW_HEIGHT = 30;
const TOP = 46;

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function barColor(bar: ChartBar): string {
  if (bar.target === undefined) return '#5b7db1';
  return bar.ratio >= bar.target ? '#3a9a5b' : '#d9822b';
}

export function renderBarChart(report: BenchReport): string {
  const bars = report.results.flatMap((result) => result.chart);
  const values = bars.flatMap((bar) => [bar.ratio, bar.target ?? bar.ratio]).filter((v) => v > 0);
  const lo = Math.pow(10, Math.floor(Math.log10(Math.min(0.5, ...values))));
  const hi = Math.pow(10, Math.ceil(Math.log10(Math.max(2, ...values) * 1.05)));
  const x = (ratio: number): number =>
    LABEL_WIDTH + ((Math.log10(Math.max(lo, ratio)) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo))) * PLOT_WIDTH;
  const height = TOP + bars.length * ROW_HEIGHT + 44;
  const valueX = LABEL_WIDTH + PLOT_WIDTH + 12;
  const width = valueX + 150;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, -apple-system, Segoe UI, sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="12" y="22" font-size="14" font-weight="600" fill="#222">adk-status-messenger: ours ÷ baseline (higher is better)</text>`,
    `<text x="12" y="38" fill="#666">bar: measured ratio (log scale) · red tick: target · dashed line: 1× (as fast as the baseline)</text>`,
  ];
  const bottomY = TOP + bars.length * ROW_HEIGHT;
  for (let decade = lo; decade <= hi * 1.0001; decade *= 10) {
    if (Math.abs(decade - 1) < 1e-9) continue;
    const gx = x(decade).toFixed(1);
    out.push(
      `<line x1="${gx}" y1="${TOP - 2}" x2="${gx}" y2="${bottomY + 2}" stroke="#e3e3e3"/>`,
      `<text x="${gx}" y="${bottomY + 16}" text-anchor="middle" fill="#999">${escapeXml(formatRatio(decade))}</text>`,
    );
  }
  bars.forEach((bar, i) => {
    const y = TOP + i * ROW_HEIGHT;
    const end = x(bar.ratio);
    out.push(
      `<text x="${LABEL_WIDTH - 8}" y="${y + 19}" text-anchor="end" fill="#222">${escapeXml(bar.label)}</text>`,
      `<rect x="${LABEL_WIDTH}" y="${y + 6}" width="${(end - LABEL_WIDTH).toFixed(1)}" height="18" fill="${barColor(bar)}"/>`,
      `<text x="${valueX}" y="${y + 19}" fill="#222"><tspan font-weight="600">${escapeXml(formatRatio(bar.ratio))}</tspan>${
        bar.target === undefined ? '' : `<tspan fill="#b3261e">  target ${escapeXml(formatRatio(bar.target))}</tspan>`
      }</text>`,
    );
    if (bar.target !== undefined) {
      const tx = x(bar.target).toFixed(1);
      out.push(
        `<line x1="${tx}" y1="${y + 2}" x2="${tx}" y2="${y + 28}" stroke="#b3261e" stroke-width="2"><title>target ${escapeXml(formatRatio(bar.target))}</title></line>`,
      );
    }
  });
  const one = x(1).toFixed(1);
  const bottom = TOP + bars.length * ROW_HEIGHT;
  out.push(
    `<line x1="${one}" y1="${TOP - 2}" x2="${one}" y2="${bottom + 2}" stroke="#888" stroke-dasharray="4 3"/>`,
    `<text x="${one}" y="${bottom + 16}" text-anchor="middle" fill="#666">1×</text>`,
    `<text x="12" y="${height - 10}" fill="#666" font-size="11">${escapeXml(describeMachineLine(report.machine))}</text>`,
    '</svg>',
    '',
  );
  return out.join('\n');
}
