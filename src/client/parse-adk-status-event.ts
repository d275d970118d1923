/**
 * `parseAdkStatusEvent(adkEvent)`: the status an ADK event carries, or `undefined`. A status is
 * a partial ADK event whose `customMetadata.status_messenger` holds the status fields (what the
 * tool and `StatusPlugin` emit into `adk web`, `/run_sse` and `runner.runAsync`). Never throws;
 * the result is a fresh object with only the known fields.
 */
import type { StatusEventMetadata, StatusLevel } from '../protocol.js';

/** The metadata key; the same value as the server's `STATUS_EVENT_METADATA_KEY`. */
export const ADK_STATUS_METADATA_KEY = 'status_messenger';

/** A status read from ADK's event stream, with the ids of the event that carried it. */
export interface AdkStatus extends StatusEventMetadata {
  /** The ADK event's author (the agent). */
  author?: string;
  invocationId?: string;
  /** The ADK event's id. */
  eventId?: string;
}

const LEVELS: readonly string[] = ['info', 'success', 'warning', 'error'];

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function parseAdkStatusEvent(adkEvent: unknown): AdkStatus | undefined {
  let event: unknown = adkEvent;
  if (typeof adkEvent === 'string') {
    try {
      event = JSON.parse(adkEvent);
    } catch {
      return undefined;
    }
  }
  if (!isRecord(event) || !isRecord(event.customMetadata)) return undefined;
  const meta = event.customMetadata[ADK_STATUS_METADATA_KEY];
  if (!isRecord(meta) || meta.type !== 'status' || typeof meta.data !== 'string') return undefined;
  const status: AdkStatus = { type: 'status', data: meta.data, ts: typeof meta.ts === 'string' ? meta.ts : '' };
  if (typeof meta.level === 'string' && LEVELS.includes(meta.level)) status.level = meta.level as StatusLevel;
  if (typeof meta.progress === 'number' && Number.isFinite(meta.progress) && meta.progress >= 0 && meta.progress <= 100) {
    status.progress = meta.progress;
  }
  if (typeof meta.agent === 'string') status.agent = meta.agent;
  if (typeof meta.tool === 'string') status.tool = meta.tool;
  if (typeof event.author === 'string') status.author = event.author;
  if (typeof event.invocationId === 'string') status.invocationId = event.invocationId;
  if (typeof event.id === 'string') status.eventId = event.id;
  return status;
}
