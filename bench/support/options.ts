/** Parses the bench's command line: `--quick`, `--json`, `--docs` / `--no-docs`, `--only=a,b`. */
import type { BenchOptions } from '../types.js';

/** A bad command line: reported without a stack. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export function parseOptions(argv: readonly string[]): BenchOptions {
  const quick = argv.includes('--quick');
  const only = argv
    .filter((arg) => arg.startsWith('--only='))
    .flatMap((arg) => arg.slice('--only='.length).split(','))
    .map((id) => id.trim())
    .filter(Boolean);
  const known = /^--(quick|json|docs|no-docs|only=.*)$/;
  const unknown = argv.filter((arg) => !known.test(arg));
  if (unknown.length > 0) {
    throw new UsageError(`Unknown bench option(s): ${unknown.join(' ')}. Use --quick, --json, --docs, --no-docs, --only=<ids>`);
  }
  // A smoke run or a partial run would overwrite the committed results with weaker ones.
  const writeDocs = argv.includes('--docs') || (!quick && only.length === 0 && !argv.includes('--no-docs'));
  return { quick, json: argv.includes('--json'), writeDocs, only };
}
