/**
 * The client's strict options check, hand-written (the browser bundle carries no zod): an
 * unknown key is an error naming the key and the closest known one, as `src/options.ts` does on
 * the server. A typo such as `reconectDelayMs` would otherwise be ignored without a word.
 */

/** A `TypeError` with the same `code` the server's option errors carry. */
export class InvalidOptionError extends TypeError {
  readonly code = 'ERR_INVALID_OPTION';
}

/**
 * Throws `InvalidOptionError` when `options` is not an object (or `undefined`) or has a key not in
 * `known`. Keys whose value is `undefined` count as absent. `api` is how users call the function.
 */
export function checkOptions(api: string, options: unknown, known: readonly string[]): void {
  if (options === undefined) return;
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new InvalidOptionError(`${api}: expected the options to be an object, got \`${String(options)}\``);
  }
  for (const key of Object.keys(options)) {
    if (known.includes(key) || (options as Record<string, unknown>)[key] === undefined) continue;
    const close = closest(key, known);
    throw new InvalidOptionError(
      `${api}: unknown option \`${key}\`${close ? ` (did you mean \`${close}\`?)` : ''}. Known options: ${known.join(', ')}.`,
    );
  }
}

function closest(key: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of known) {
    const d = distance(key.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

/** Levenshtein distance, one row at a time. */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length]!;
}
