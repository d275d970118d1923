/**
 * Statuses that a throttle holds back, by status session id. Any other status sent to the
 * session first flushes them, so a status produced earlier can never arrive after (and
 * overwrite on screen) one produced later, whatever mix of plugin, tool and
 * `addStatusMessage` made them. Shared by every copy of the package.
 */
import { processRegistry } from '../process-registry.js';

const pending = processRegistry('pending-statuses.v1', () => new Map<string, Set<() => void>>());

/** Registers `flush` for `sessionId` until the returned function is called. */
export function holdPendingStatus(sessionId: string, flush: () => void): () => void {
  let set = pending.get(sessionId);
  if (!set) pending.set(sessionId, (set = new Set()));
  set.add(flush);
  return () => {
    const current = pending.get(sessionId);
    if (!current) return;
    current.delete(flush);
    if (current.size === 0) pending.delete(sessionId);
  };
}

/** Delivers whatever is held back for `sessionId` now, oldest first. */
export function flushPendingStatuses(sessionId: string): void {
  const set = pending.get(sessionId);
  if (!set) return;
  pending.delete(sessionId);
  for (const flush of set) flush();
}
