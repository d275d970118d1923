/**
 * Runs variants side by side: warm-up rounds (discarded), then rounds in which every variant
 * runs once, in an order rotated each round. On a shared, noisy machine a slow patch then hits
 * all variants of a round instead of one variant's rounds, and ratios are taken per round.
 *
 * No forced GC between runs: a full collection makes V8 shrink the heap, and the next run pays
 * to grow it back (measured here: +15–20 % CPU per status, ×3 per ADK run), which says more
 * about the GC than about the code.
 */
export interface InterleaveSpec<K extends string, S> {
  variants: Record<K, () => Promise<S>>;
  rounds: number;
  warmup: number;
  /** Progress lines (stderr). */
  log?: (line: string) => void;
}

/** Returns each variant's samples, index i from round i. */
export async function interleave<K extends string, S>(spec: InterleaveSpec<K, S>): Promise<Record<K, S[]>> {
  const names = Object.keys(spec.variants) as K[];
  const samples = Object.fromEntries(names.map((name) => [name, [] as S[]])) as Record<K, S[]>;
  for (let round = -spec.warmup; round < spec.rounds; round += 1) {
    const offset = ((round % names.length) + names.length) % names.length;
    const order = [...names.slice(offset), ...names.slice(0, offset)];
    for (const name of order) {
      const value = await spec.variants[name]();
      if (round >= 0) samples[name].push(value);
    }
    spec.log?.(round < 0 ? 'warm-up done' : `round ${round + 1}/${spec.rounds} done`);
  }
  return samples;
}
