/**
 * `readAdkEventStream(response, { onStatus, onEvent, signal })`: reads the Server-Sent Events
 * body of ADK's `/run_sse` (a `fetch` Response) and calls back per ADK event, and per status
 * for the events that carry one. Resolves when the stream ends (or `signal` aborts). Works in
 * browsers and Node ≥ 20; the SSE framing is parsed by `eventsource-parser`, loaded on first use
 * so a page that loads the client entry without a bundler (no import map) still works when it
 * never reads an ADK stream.
 */
import { parseAdkStatusEvent } from './parse-adk-status-event.js';
import type { AdkStatus } from './parse-adk-status-event.js';

/** What `readAdkEventStream` needs of a `fetch` Response. */
export interface AdkEventStreamResponse {
  ok?: boolean;
  status?: number;
  body: ReadableStream<Uint8Array> | null;
}

export interface ReadAdkEventStreamOptions {
  /** Each status, in stream order. */
  onStatus?: (status: AdkStatus) => void;
  /** Each ADK event (statuses included), parsed from its `data:` JSON. */
  onEvent?: (event: Record<string, unknown>) => void;
  /** Stops reading (and cancels the body) when aborted. */
  signal?: AbortSignal;
}

const KNOWN_KEYS = ['onStatus', 'onEvent', 'signal'];

/** Resolves with the number of ADK events read. Rejects for a non-OK response or a body-less one. */
export async function readAdkEventStream(response: AdkEventStreamResponse, options: ReadAdkEventStreamOptions = {}): Promise<number> {
  for (const key of Object.keys(options)) {
    if (!KNOWN_KEYS.includes(key)) throw new TypeError(`readAdkEventStream: unknown option \`${key}\`. Known options: ${KNOWN_KEYS.join(', ')}.`);
  }
  const { onStatus, onEvent, signal } = options;
  if (response.ok === false) throw new Error(`readAdkEventStream: the response is ${String(response.status)}, not a stream`);
  if (!response.body) throw new Error('readAdkEventStream: the response has no body');
  const { createParser } = await import('eventsource-parser');
  let count = 0;
  // A listener that throws must not stop the stream for the others.
  const call = <T>(fn: ((value: T) => void) | undefined, value: T): void => {
    if (!fn) return;
    try {
      fn(value);
    } catch (error) {
      console.error('[adk-status-messenger] a readAdkEventStream callback threw', error);
    }
  };
  const parser = createParser({
    onEvent(message) {
      let event: unknown;
      try {
        event = JSON.parse(message.data);
      } catch {
        return;
      }
      if (typeof event !== 'object' || event === null || Array.isArray(event)) return;
      count += 1;
      call(onEvent, event as Record<string, unknown>);
      const status = parseAdkStatusEvent(event);
      if (status) call(onStatus, status);
    },
  });
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  const onAbort = (): void => {
    reader.cancel().catch(() => {});
  };
  if (signal?.aborted) onAbort();
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    for (;;) {
      let chunk: ReadableStreamReadResult<Uint8Array>;
      try {
        chunk = await reader.read();
      } catch (error) {
        if (signal?.aborted) break;
        throw error;
      }
      if (chunk.done) break;
      parser.feed(decoder.decode(chunk.value, { stream: true }));
    }
    parser.feed(decoder.decode());
    parser.reset({ consume: true });
  } finally {
    signal?.removeEventListener('abort', onAbort);
    reader.releaseLock();
  }
  return count;
}
