/**
 * `npm run bench`: every registered case in one process run, side by side, then a table on
 * stdout (or JSON with `--json`) and, for a full run, `docs/bench.svg` + `docs/bench-results.md`.
 * Never fails on a number: the exit code is non-zero only if a case crashed.
 *
 *   npm run bench                      full run (~3 min), writes the docs
 *   npm run bench -- --quick           smoke run (~40 s), docs untouched
 *   npm run bench -- --json            machine-readable output
 *   npm run bench -- --only=fan-out    selected cases (docs untouched)
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { LogLevel, setLogLevel } from '@google/adk';
import { setDefaultLogger, silentLogger } from '../src/index.js';
import { BENCH_CASES } from './cases/index.js';
import { renderBarChart } from './report/bar-chart-svg.js';
import { renderMarkdown } from './report/markdown.js';
import { README_END, README_START, renderReadmeSummary, replaceReadmeSection } from './report/readme-section.js';
import { renderTable } from './report/table.js';
import { currentLoad, describeMachine } from './support/machine.js';
import { parseOptions, UsageError } from './support/options.js';
import type { BenchReport, CaseFailure, CaseResult } from './types.js';

const DOCS = new URL('../docs/', import.meta.url);

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

async function main(): Promise<number> {
  const options = parseOptions(process.argv.slice(2));
  const unknown = options.only.filter((id) => !BENCH_CASES.some((benchCase) => benchCase.id === id));
  if (unknown.length > 0) {
    throw new UsageError(`Unknown case id(s): ${unknown.join(', ')}; known: ${BENCH_CASES.map((c) => c.id).join(', ')}`);
  }
  setLogLevel(LogLevel.ERROR);
  setDefaultLogger(silentLogger);

  const loadAtStart = currentLoad();
  const started = performance.now();
  const results: CaseResult[] = [];
  const failures: CaseFailure[] = [];
  const selected = BENCH_CASES.filter((benchCase) => options.only.length === 0 || options.only.includes(benchCase.id));
  for (const benchCase of selected) {
    log(`bench: ${benchCase.id}…`);
    const caseStarted = performance.now();
    try {
      const result = await benchCase.run(options);
      results.push({ id: benchCase.id, title: benchCase.title, ...result, durationMs: performance.now() - caseStarted });
    } catch (error) {
      const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
      log(`bench: ${benchCase.id} crashed: ${message}`);
      failures.push({ id: benchCase.id, title: benchCase.title, error: message.split('\n')[0]! });
    }
  }

  const report: BenchReport = {
    machine: describeMachine(loadAtStart),
    mode: options.quick ? 'quick' : 'full',
    durationMs: performance.now() - started,
    results,
    failures,
  };
  const output = options.json ? `${JSON.stringify(report, null, 2)}\n` : renderTable(report);
  await new Promise<void>((resolve) => process.stdout.write(output, () => resolve()));

  if (options.writeDocs && failures.length === 0) {
    await mkdir(DOCS, { recursive: true });
    await writeFile(new URL('bench.svg', DOCS), renderBarChart(report));
    const markdown = renderMarkdown(report);
    await writeFile(new URL('bench-results.md', DOCS), markdown);
    log(`bench: wrote ${fileURLToPath(new URL('bench.svg', DOCS))} and bench-results.md`);
    const readmeUrl = new URL('../README.md', DOCS);
    const updated = replaceReadmeSection(await readFile(readmeUrl, 'utf8'), renderReadmeSummary(report));
    if (updated) {
      await writeFile(readmeUrl, updated);
      log('bench: updated the Performance summary in README.md');
    } else {
      log(`bench: README.md has no ${README_START} … ${README_END} markers; left it alone`);
    }
  } else if (!options.writeDocs) {
    log('bench: docs not written (quick or partial run; pass --docs to force)');
  } else {
    log('bench: docs not written because a case crashed');
  }
  return failures.length === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof UsageError) log(`bench: ${error.message}`);
    else log(`bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(1);
  },
);
