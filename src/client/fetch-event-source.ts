/**
 * `FetchEventSource`: the slice of the browser's `EventSource` the client uses, built on `fetch`
 * and `eventsource-parser`, for runtimes without `EventSource` (Node 22–26). Pass it as the
 * `EventSource` option: `connectStatusUpdates(url, { EventSource: FetchEventSource })`.
 *
 * Unlike the browser's, it never reconnects by itself: a refused request (any status but 200
 * with `text/event-stream`) or a stream that ends calls `onerror` once and the source is closed;
 * `connectStatusUpdates` closes on the first error anyway and retries with its own backoff.
 * Not part of the drop-in script (browsers have `EventSource`), so the script stays small; and
 * `eventsource-parser` is imported only when a stream opens, so a page that loads the ESM entry
 * without a bundler (bare specifiers do not resolve there) is not broken by it.
 */
import type { EventSourceLike } from './transports.js';

type Listener<E> = ((event: E) => void) | null;

export class FetchEventSource implements EventSourceLike {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSED = 2;

  readonly url: string;
  readonly withCredentials: boolean;
  /** 0 connecting, 1 open, 2 closed (as `EventSource.readyState`). */
  readyState = 0;
  onopen: Listener<{ type: 'open' }> = null;
  onmessage: Listener<{ type: 'message'; data: string; lastEventId: string }> = null;
  onerror: Listener<{ type: 'error'; status?: number; error?: unknown }> = null;
  readonly #abort = new AbortController();

  constructor(url: string, init: { withCredentials?: boolean } = {}) {
    this.url = url;
    this.withCredentials = init.withCredentials === true;
    void this.#run();
  }

  close(): void {
    this.readyState = 2;
    this.#abort.abort();
  }

  async #run(): Promise<void> {
    let status: number | undefined;
    try {
      const response = await fetch(this.url, {
        headers: { accept: 'text/event-stream' },
        credentials: this.withCredentials ? 'include' : 'same-origin',
        cache: 'no-store',
        signal: this.#abort.signal,
      });
      status = response.status;
      const type = response.headers.get('content-type') ?? '';
      if (response.status !== 200 || !/^text\/event-stream\b/i.test(type) || !response.body) {
        await response.body?.cancel().catch(() => {});
        throw new Error(`not an event stream (HTTP ${response.status}, ${type || 'no content type'})`);
      }
      if (this.readyState === 2) return;
      const { createParser } = await import('eventsource-parser');
      if (this.readyState === 2) return;
      this.readyState = 1;
      this.onopen?.({ type: 'open' });
      const parser = createParser({
        onEvent: (event) => {
          // Only unnamed events are "message" events, as in EventSource.
          if (this.readyState !== 1 || (event.event !== undefined && event.event !== 'message')) return;
          this.onmessage?.({ type: 'message', data: event.data, lastEventId: event.id ?? '' });
        },
      });
      const reader = response.body.getReader();
      const decoder = new TextDecoder();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        parser.feed(decoder.decode(value, { stream: true }));
      }
      throw new Error('the event stream ended');
    } catch (error) {
      if (this.readyState === 2) return; // closed by us: no error to report
      this.readyState = 2;
      const event: { type: 'error'; status?: number; error?: unknown } = { type: 'error', error };
      if (status !== undefined) event.status = status;
      this.onerror?.(event);
    }
  }
}
