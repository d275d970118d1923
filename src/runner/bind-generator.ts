/**
 * Drives an async generator with every `next()`, `throw()` and `return()` run inside a status
 * binding. A generator body runs in the async context of whoever calls `next()`, so binding
 * only its creation (or only the first step) loses the session (ADK-NOTES §3, cases B and C2).
 */
import { bindStatusSession } from '../context/status-context.js';
import type { StatusSession } from '../context/status-session.js';

export async function* bindGenerator<T>(
  session: StatusSession,
  create: () => AsyncGenerator<T, void, undefined>,
): AsyncGenerator<T, void, undefined> {
  const iterator = bindStatusSession(session, create);
  let step: () => Promise<IteratorResult<T, void>> = () => iterator.next();
  let settled = false;
  try {
    for (;;) {
      let result: IteratorResult<T, void>;
      try {
        result = await bindStatusSession(session, step);
      } catch (error) {
        settled = true; // a generator that threw is finished
        throw error;
      }
      if (result.done) {
        settled = true;
        return;
      }
      try {
        yield result.value;
        step = () => iterator.next();
      } catch (error) {
        // The consumer called throw(): hand the error to the inner generator, bound.
        step = () => iterator.throw(error);
      }
    }
  } finally {
    // Early exit (break, return()): let the inner generator run its own finally, bound.
    if (!settled) await bindStatusSession(session, () => iterator.return(undefined));
  }
}
