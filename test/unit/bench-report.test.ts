import { README_END, README_START, renderReadmeSummary, replaceReadmeSection } from '../../bench/report/readme-section.js';
import { renderBarChart } from '../../bench/report/bar-chart-svg.js';
import { formatNumber, formatSpread } from '../../bench/report/format.js';
import { renderMarkdown } from '../../bench/report/markdown.js';
import { renderTable } from '../../bench/report/table.js';
import type { BenchReport } from '../../bench/types.js';

const report: BenchReport = {
  machine: {
    cpu: 'Test CPU',
    cores: 2,
    node: 'v20.0.0',
    platform: 'linux x64',
    totalMemoryGiB: 8,
    date: '2026-01-02T03:04:05.000Z',
    loadAverage: { start: 1, end: 2.5 },
  },
  mode: 'full',
  durationMs: 1234,
  results: [
    {
      id: 'throughput',
      title: 'Status throughput',
      rows: [
        { label: 'raw ws', value: 150_000, unit: 'msg/CPU-s', ratio: { value: 1, to: 'raw ws' }, spread: 0.1, rounds: 5 },
        { label: 'ours <hub> & "binding"', value: 120_000.4, unit: 'msg/CPU-s', ratio: { value: 0.8, to: 'raw ws' }, spread: 0.06, rounds: 5, detail: 'a | b' },
      ],
      targets: [
        { name: 'ours ≥ 0.9× raw ws', measured: '0.80×', actual: 0.8, met: false },
        { name: 'ours ≥ 0.5× raw ws', measured: '0.80×', actual: 0.8, met: true },
      ],
      chart: [
        { label: 'ours ÷ raw <ws>', ratio: 0.8, target: 0.9 },
        { label: 'fan-out', ratio: 1.3 },
      ],
      notes: ['a note'],
      durationMs: 1000,
    },
  ],
  failures: [],
};

describe('bench report', () => {
  it('prints the machine, every row, and each target as met or MISSED', () => {
    const table = renderTable(report);
    expect(table).toContain('machine: Test CPU, 2 cores, Node v20.0.0, linux x64, 8 GiB; 2026-01-02T03:04:05.000Z');
    expect(table).toContain('120,000 msg/CPU-s');
    expect(table).toContain('0.80× raw ws');
    expect(table).toMatch(/MISSED\s+ours ≥ 0\.9× raw ws\s+0\.80×/);
    expect(table).toMatch(/met\s+ours ≥ 0\.5× raw ws/);
    expect(table).toContain('· a note');
  });

  it('writes a markdown table with escaped pipes and the machine line', () => {
    const markdown = renderMarkdown(report);
    expect(markdown).toContain('Measured on Test CPU, 2 cores');
    expect(markdown).toContain('| ours ≥ 0.9× raw ws | 0.80× | **missed** |');
    expect(markdown).toContain('a \\| b');
    expect(markdown).toContain('![Ratios measured by npm run bench](bench.svg)');
  });

  it('draws one bar per ratio, a tick per target, and escapes labels', () => {
    const svg = renderBarChart(report);
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    expect(svg.match(/<rect /g)).toHaveLength(3); // background + two bars
    expect(svg.match(/<title>target/g)).toHaveLength(1);
    expect(svg).toContain('ours ÷ raw &#60;ws&#62;');
    expect(svg).not.toContain('<ws>');
  });

  it('formats figures for people', () => {
    expect(formatNumber(1234567.8)).toBe('1,234,568');
    expect(formatNumber(12.345)).toBe('12.3');
    expect(formatNumber(0.1234)).toBe('0.123');
    expect(formatSpread({ label: '', value: 1, unit: 'x', spread: 0.1, rounds: 3 })).toBe('±5 %');
    expect(formatSpread({ label: '', value: 1, unit: 'x', spread: 0.1, rounds: 1 })).toBe('');
  });
});

describe('README summary', () => {
  it('is three lines between the markers: targets met, the missed ones, the link to the full results', () => {
    const readme = `# x\n\n${README_START}\nold tables\n${README_END}\n\n## After\n`;
    const updated = replaceReadmeSection(readme, renderReadmeSummary(report))!;
    const section = updated.slice(updated.indexOf(README_START) + README_START.length, updated.indexOf(README_END)).trim();
    expect(section.split('\n')).toEqual([
      '1 of 2 targets met on 2026-01-02 (2 cores, Node v20.0.0; figures are ratios against baselines run side by side).  ',
      'Missed: ours ≥ 0.9× raw ws — 0.80×.  ',
      'Tables, chart, method and why: [docs/bench-results.md](docs/bench-results.md).',
    ]);
    expect(updated.endsWith(`${README_END}\n\n## After\n`)).toBe(true);
    expect(replaceReadmeSection('# no markers', 'x')).toBeUndefined();
  });
});
