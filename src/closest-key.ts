/**
 * "Did you mean …?" for option keys, shared by the server's strict options (src/options.ts) and
 * the browser client's hand-written check (check-options.ts beside it). No imports: the server build
 * compiles it from here too, and the client entry stays self-contained.
 */

/** The known key within edit distance 2 (or a case-insensitive match, or one it abbreviates), if any. */
export function closest(key: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of known) {
    const a = key.toLowerCase();
    const b = candidate.toLowerCase();
    // An abbreviation (`maxLen` for `maxLength`, `retention` for `retentionSeconds`) counts as close too.
    const d = a === b ? 0 : a.length >= 3 && b.startsWith(a) ? 1 : distance(a, b);
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
