/**
 * `parseAdkStatusEvent(adkEvent)`: the status an ADK event carries, or `undefined`. A status is
 * a partial ADK event whose `customMetadata.status_messenger` holds the one status shape (what the
 * tool and `StatusPlugin` emit into `adk web`, `/run_sse` and `runner.runAsync`), read with
 * protocol's own `parseStatusPayload`. Never throws; the result is a fresh object with only the
 * known fields.
 */
import { parseStatusPayload, STATUS_EVENT_METADATA_KEY } from '../protocol.js';
import type { StatusEventMetadata } from '../protocol.js';

/** The metadata key: the server's `STATUS_EVENT_METADATA_KEY`. */
export const ADK_STATUS_METADATA_KEY = STATUS_EVENT_METADATA_KEY;

/** A status read from ADK's event stream, with the ids of the event that carried it. */
export interface AdkStatus extends StatusEventMetadata {
  /** The ADK event's author (the agent). */
  author?: string;
  invocationId?: string;
  /** The ADK event's id. */
  eventId?: string;
}

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
  const status: AdkStatus | undefined = parseStatusPayload(event.customMetadata[STATUS_EVENT_METADATA_KEY]);
  if (!status) return undefined;
  if (typeof event.author === 'string') status.author = event.author;
  if (typeof event.invocationId === 'string') status.invocationId = event.invocationId;
  if (typeof event.id === 'string') status.eventId = event.id;
  return status;
}
