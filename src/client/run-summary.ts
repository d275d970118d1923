/**
 * How a run reads in one line: step durations (`2.1 s`) and the summary a finished run collapses
 * to ("Worked for 12 s · 8 steps"). Pure and DOM-free: the drop-in's steps view and React code
 * (`adk-status-messenger/react` re-exports both) use the same words.
 */
import type { StatusConnection } from './connect-status-updates.js';

/** What the summary reads from a connection (or a `useStatusUpdates` result with `runState`). */
export type RunSnapshot = Pick<StatusConnection, 'steps' | 'runState' | 'runStartedAt' | 'runEndedAt'>;

/** `850 ms`, `2.1 s`, `12 s`, `2 min 5 s`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 10_000) return `${(Math.floor(ms / 100) / 10).toFixed(1)} s`;
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds} s`;
  return `${Math.floor(seconds / 60)} min${seconds % 60 ? ` ${seconds % 60} s` : ''}`;
}

/** "Worked for 12 s · 8 steps" (or "Failed after…", "Stopped after…"); undefined while running. */
export function runSummary(run: RunSnapshot): string | undefined {
  if (run.runState === 'idle' || run.runState === 'running') return undefined;
  const count = run.steps.length;
  if (count === 0 || run.runStartedAt === undefined || run.runEndedAt === undefined) return undefined;
  const took = formatDuration(Math.max(0, run.runEndedAt - run.runStartedAt));
  const lead = run.runState === 'done' ? `Worked for ${took}` : run.runState === 'failed' ? `Failed after ${took}` : `Stopped after ${took}`;
  return `${lead} · ${count} step${count === 1 ? '' : 's'}`;
}
