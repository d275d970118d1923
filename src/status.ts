/**
 * What a producer hands in, checked once: `normalizeStatus` validates a status and returns a clean
 * `StatusUpdate` (throwing `StatusMessengerError` for bad input: a status is code's doing, so a bad
 * one is a bug), `cutStatus` cuts its text to a limit with `…`, and `assertSessionId` checks a
 * session id the hub must serve.
 */
import { StatusMessengerError } from './errors.js';
import {
  DEFAULT_MAX_STATUS_LENGTH,
  isProgress,
  isRunEndState,
  isStatusLevel,
  RUN_END_STATES,
  SESSION_ID_PATTERN,
  STATUS_LEVELS,
} from './protocol.js';
import type { StatusInput, StatusUpdate } from './protocol.js';

const MAX_LABEL_LENGTH = 128;

function optionalLabel(name: 'agent' | 'tool', value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.length > MAX_LABEL_LENGTH) {
    throw new StatusMessengerError(
      'ERR_INVALID_STATUS',
      `Status \`${name}\` must be a string of at most ${MAX_LABEL_LENGTH} characters`,
    );
  }
  return value;
}

/** The refusal of a text longer than `maxLength`. */
export function statusTooLong(length: number, maxLength: number): StatusMessengerError {
  return new StatusMessengerError(
    'ERR_STATUS_TOO_LONG',
    `A status message must be at most ${maxLength} characters, got ${length}; shorten it or raise \`maxStatusLength\``,
  );
}

/** Cuts `update.message` to `maxLength` characters, the last one `…`. */
export function cutStatus(update: StatusUpdate, maxLength: number): { update: StatusUpdate; truncated: boolean } {
  if (update.message.length <= maxLength) return { update, truncated: false };
  return { update: { ...update, message: `${update.message.slice(0, Math.max(0, maxLength - 1)).trimEnd()}…` }, truncated: true };
}

/** Whether the hub can serve this id (`/ws/<id>`). */
export function isServableSessionId(sessionId: unknown): sessionId is string {
  return typeof sessionId === 'string' && SESSION_ID_PATTERN.test(sessionId);
}

export function assertSessionId(sessionId: unknown, name = 'sessionId'): asserts sessionId is string {
  if (isServableSessionId(sessionId)) return;
  let shown: string;
  try {
    shown = JSON.stringify(sessionId) ?? String(sessionId);
  } catch {
    shown = String(sessionId);
  }
  throw new StatusMessengerError(
    'ERR_INVALID_SESSION_ID',
    `Expected \`${name}\` to match ${String(SESSION_ID_PATTERN)}, got \`${shown.slice(0, 200)}\``,
  );
}

function checkedText(message: string, maxLength: number): string {
  const text = message.trim();
  if (text.length === 0) {
    throw new StatusMessengerError('ERR_INVALID_STATUS', 'A status message must not be empty');
  }
  if (text.length > maxLength) throw statusTooLong(text.length, maxLength);
  return text;
}

export function normalizeStatus(input: StatusInput, maxLength = DEFAULT_MAX_STATUS_LENGTH): StatusUpdate {
  // The common case, a bare text, without the intermediate object.
  if (typeof input === 'string') return { message: checkedText(input, maxLength) };
  const update: Partial<StatusUpdate> = typeof input === 'object' && input !== null ? input : {};
  const { message } = update;
  if (typeof message !== 'string') {
    throw new StatusMessengerError(
      'ERR_INVALID_STATUS',
      `A status must be a string or an object with a string \`message\`, got ${input === null ? 'null' : typeof input}`,
    );
  }
  const out: StatusUpdate = { message: checkedText(message, maxLength) };
  if (update.level !== undefined) {
    if (!isStatusLevel(update.level)) {
      throw new StatusMessengerError(
        'ERR_INVALID_STATUS',
        `Status \`level\` must be one of ${STATUS_LEVELS.join(', ')}, got \`${shown(update.level)}\``,
      );
    }
    out.level = update.level;
  }
  if (update.progress !== undefined) {
    if (!isProgress(update.progress)) {
      throw new StatusMessengerError(
        'ERR_INVALID_STATUS',
        `Status \`progress\` must be a number from 0 to 100, got \`${shown(update.progress)}\``,
      );
    }
    out.progress = update.progress;
  }
  const agent = optionalLabel('agent', update.agent);
  if (agent !== undefined) out.agent = agent;
  const tool = optionalLabel('tool', update.tool);
  if (tool !== undefined) out.tool = tool;
  if (update.state !== undefined) {
    if (!isRunEndState(update.state)) {
      throw new StatusMessengerError(
        'ERR_INVALID_STATUS',
        `Status \`state\` must be one of ${RUN_END_STATES.join(', ')}, got \`${shown(update.state)}\``,
      );
    }
    out.state = update.state;
  }
  return out;
}

/** Shows a bad value in an error message without running its code (`String({ toString })` could throw). */
function shown(value: unknown): string {
  if (typeof value === 'string') return value.slice(0, 40);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null || value === undefined) return String(value);
  return Array.isArray(value) ? 'an array' : typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/** A tool or agent name as people read it: `google_search` → `google search`. */
export function humanizeName(name: string): string {
  return name.replace(/[_-]+/g, ' ').replace(/\s+/g, ' ').trim();
}
