/**
 * The consuming side of A2A statuses: in a parent app, a `RemoteA2AAgent` turns the remote's
 * non-final `working` TaskStatusUpdateEvents into partial model-text events (the raw A2A event
 * under `customMetadata['a2a:response']`). Left alone, that text reaches the parent's event
 * stream as if it were part of the answer, and the parent's user never sees it as a status.
 *
 * `forwardRemoteStatus` (called by `StatusPlugin.onEventCallback`) recognises those events,
 * sends each as a status to the parent's run — attributed to the remote agent — and returns a
 * replacement event without the text, carrying the status in `customMetadata.status_messenger`
 * (the one status shape, src/protocol.ts) as every other status in ADK's event stream: the
 * parent's `/run_sse` clients and `adk web` see it as a status. A remote's failure becomes an
 * error-level status; the error event itself is kept, so the parent run still ends with the
 * remote's error.
 */
import { RemoteA2AAgent } from '@google/adk';
import type { Event, InvocationContext } from '@google/adk';
import { currentStatusSession } from '../binding/context.js';
import { routeFor } from '../binding/routes.js';
import type { Logger } from '../logger.js';
import { DEFAULT_MAX_STATUS_LENGTH, parseStatusPayload, STATUS_EVENT_METADATA_KEY, toStatusPayload } from '../protocol.js';
import type { StatusUpdate } from '../protocol.js';
import { humanizeName } from '../status.js';

/**
 * Which remote `working` updates become statuses: `'tagged'` only those a `toA2aWithStatus`
 * remote marked with `metadata.status_messenger`; `'all'` also any other agent's working
 * message text; `'off'` none (RemoteA2AAgent's default behaviour).
 */
export type ForwardRemoteStatusMode = 'tagged' | 'all' | 'off';

export const FORWARD_REMOTE_STATUS_MODES = ['tagged', 'all', 'off'] as const;

/** `RemoteA2AAgent` stores each raw A2A event under this custom-metadata key. */
const A2A_RESPONSE_KEY = 'a2a:response';
const MAX_LABEL_LENGTH = 128;

export interface RemoteStatus {
  status: StatusUpdate;
  /** `working`: the event is a status and is replaced; `failed`: the event is kept. */
  kind: 'working' | 'failed';
}

/** What `event` (seen by a parent's plugin) says about a remote agent's progress, if anything. */
export function remoteStatusOf(
  event: Event,
  invocationContext: InvocationContext | undefined,
  mode: ForwardRemoteStatusMode,
): RemoteStatus | undefined {
  if (mode === 'off' || !event.author) return undefined;
  const agent = event.author;
  const response = event.customMetadata?.[A2A_RESPONSE_KEY] as unknown;
  if (event.partial === true && isWorkingUpdate(response)) {
    const message = response.status.message;
    const tagged = readRecord(message?.metadata)?.[STATUS_EVENT_METADATA_KEY];
    if (tagged !== undefined) {
      const status = taggedStatus(tagged, agent);
      return status ? { kind: 'working', status } : undefined;
    }
    if (mode !== 'all') return undefined;
    const text = (Array.isArray(message?.parts) ? message.parts : [])
      .map((part) => (readRecord(part)?.kind === 'text' && typeof part.text === 'string' ? part.text : ''))
      .join('')
      .trim();
    return text ? { kind: 'working', status: { message: clip(text), agent } } : undefined;
  }
  if ((event.errorMessage || event.errorCode) && isRemoteAgent(invocationContext, agent)) {
    // The remote's own error text stays in the event (for the parent's code), not in the status:
    // it comes from another service and may carry its internals.
    return { kind: 'failed', status: { message: clip(`${humanizeName(agent)} failed`), level: 'error', agent } };
  }
  return undefined;
}

/**
 * Sends a remote status found in `event` to the parent's status session and returns the event
 * to yield instead (for a working update), or `undefined` to keep `event`. Never throws.
 */
export function forwardRemoteStatus(
  event: Event,
  invocationContext: InvocationContext | undefined,
  mode: ForwardRemoteStatusMode,
  logger: () => Logger,
): Event | undefined {
  let found: RemoteStatus | undefined;
  try {
    found = remoteStatusOf(event, invocationContext, mode);
    if (!found) return undefined;
    const session =
      currentStatusSession() ??
      routeFor({
        invocationId: invocationContext?.invocationId,
        appName: invocationContext?.appName,
        userId: invocationContext?.userId,
        sessionId: invocationContext?.session?.id,
      });
    // ADK's event stream gets the replacement event below, not a second copy.
    session?.send(found.status, { eventStream: false });
  } catch (error) {
    logger().warn(`StatusPlugin: could not forward a remote agent's status: ${(error as Error)?.message ?? String(error)}`);
  }
  if (found?.kind !== 'working') return undefined;
  // Same id, time and author (the Runner restores them); no text, so it is neither answer nor history.
  const { [A2A_RESPONSE_KEY]: _raw, ...customMetadata } = event.customMetadata ?? {};
  return {
    ...event,
    content: undefined,
    partial: true,
    customMetadata: { ...customMetadata, [STATUS_EVENT_METADATA_KEY]: toStatusPayload(found.status) },
  };
}

interface WorkingUpdate {
  kind: 'status-update';
  status: { state: 'working'; message?: { parts?: { kind?: unknown; text?: unknown }[]; metadata?: unknown } };
}

function isWorkingUpdate(value: unknown): value is WorkingUpdate {
  const record = readRecord(value);
  return record?.kind === 'status-update' && record.final !== true && readRecord(record.status)?.state === 'working';
}

/**
 * The remote is untrusted: keep only well-formed fields, cap lengths, attribute to `agent`. Its
 * own end-of-run `state` is not the parent's: dropped.
 */
function taggedStatus(value: unknown, agent: string): StatusUpdate | undefined {
  const payload = parseStatusPayload(value);
  const text = payload?.data.trim();
  if (!payload || !text) return undefined;
  const status: StatusUpdate = { message: clip(text), agent };
  if (payload.level !== undefined) status.level = payload.level;
  if (payload.progress !== undefined) status.progress = payload.progress;
  if (payload.tool !== undefined && payload.tool.length <= MAX_LABEL_LENGTH) status.tool = payload.tool;
  return status;
}

function isRemoteAgent(invocationContext: InvocationContext | undefined, name: string): boolean {
  const current = invocationContext?.agent;
  const found = current?.rootAgent?.findAgent(name) ?? current?.findAgent(name);
  // instanceof fails across duplicate copies of ADK (a bundled agent file): fall back to the name.
  return found instanceof RemoteA2AAgent || found?.constructor?.name === 'RemoteA2AAgent';
}

function clip(text: string): string {
  return text.length <= DEFAULT_MAX_STATUS_LENGTH ? text : `${text.slice(0, DEFAULT_MAX_STATUS_LENGTH - 1)}…`;
}

function readRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}
