/**
 * The client's strict options check, hand-written (the browser bundle carries no zod): an
 * unknown key is an error naming the key and the closest known one, as `src/options.ts` does on
 * the server. A typo such as `reconectDelayMs` would otherwise be ignored without a word.
 */
import { closest } from '../closest-key.js';

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
