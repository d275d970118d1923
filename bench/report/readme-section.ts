/**
 * The README's three-line Performance summary, between `<!-- bench:start -->` and
 * `<!-- bench:end -->`: how many targets were met, which were missed, and the link to the full
 * results (docs/bench-results.md, written by ./markdown.ts).
 */
import type { BenchReport } from '../types.js';

export const README_START = '<!-- bench:start -->';
export const README_END = '<!-- bench:end -->';

export function renderReadmeSummary(report: BenchReport): string {
  const targets = report.results.flatMap((result) => result.targets);
  const missed = targets.filter((target) => !target.met);
  const { machine } = report;
  return [
    `${targets.length - missed.length} of ${targets.length} targets met on ${machine.date.slice(0, 10)} (${machine.cores} cores, Node ${machine.node}; figures are ratios against baselines run side by side).`,
    missed.length === 0 ? 'None missed.' : `Missed: ${missed.map((target) => `${target.name} — ${target.measured}`).join('; ')}.`,
    'Tables, chart, method and why: [docs/bench-results.md](docs/bench-results.md).',
  ].join('  \n');
}

/** `readme` with the summary between the markers, or `undefined` when the markers are missing. */
export function replaceReadmeSection(readme: string, summary: string): string | undefined {
  const start = readme.indexOf(README_START);
  const end = readme.indexOf(README_END);
  if (start === -1 || end === -1 || end < start) return undefined;
  return `${readme.slice(0, start + README_START.length)}\n${summary.trim()}\n${readme.slice(end)}`;
}
