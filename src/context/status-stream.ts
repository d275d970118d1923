/**
 * `streamStatusUpdates()`: the seed's async stream of `(session id, message)` pairs, for code
 * that wants to see or forward every status added through a binding (tool, `addStatusMessage`).
 * Each consumer has its own bounded buffer; a slow consumer loses its oldest items, counted.
 */
import { invalidOption } from '../errors.js';
import type { StatusUpdate } from '../protocol.js';
import { processRegistry } from '../process-registry.js';

export interface StatusStreamItem extends StatusUpdate {
  sessionId: string;
}

export interface StreamStatusUpdatesOptions {
  /** Ends the stream when aborted. */
  signal?: AbortSignal;
  /**
   * Items held for a consumer that has not pulled them yet; beyond it the oldest are dropped
   * and counted in `droppedCount()` of the returned stream.
   * @default 1000
   */
  bufferSize?: number;
}

export interface StatusUpdateStream extends AsyncIterableIterator<StatusStreamItem> {
  /** Items dropped because this consumer fell more than `bufferSize` behind. */
  droppedCount(): number;
}

type Listener = (item: StatusStreamItem) => void;
// Shared by every copy of the package, so a stream opened by the host sees statuses a bundled agent makes.
const listeners = processRegistry('status-listeners.v1', () => new Set<Listener>());

export function statusListenerCount(): number {
  return listeners.size;
}

/** Hands `item` to every open stream; returns how many received it. */
export function emitStatusUpdate(item: StatusStreamItem): number {
  for (const listener of listeners) listener(item);
  return listeners.size;
}

export function streamStatusUpdates(options: StreamStatusUpdatesOptions = {}): StatusUpdateStream {
  const { signal, bufferSize = 1000 } = options;
  if (!Number.isSafeInteger(bufferSize) || bufferSize < 1) invalidOption('bufferSize', 'a positive integer', bufferSize);
  const buffer: StatusStreamItem[] = [];
  // Callers may ask for several items before any arrives: one waiter each, served in order.
  const waiting: ((result: IteratorResult<StatusStreamItem>) => void)[] = [];
  let done = false;
  let dropped = 0;

  const listener: Listener = (item) => {
    const resolve = waiting.shift();
    if (resolve) {
      resolve({ value: item, done: false });
      return;
    }
    buffer.push(item);
    if (buffer.length > bufferSize) {
      buffer.shift();
      dropped += 1;
    }
  };
  const finish = (): IteratorResult<StatusStreamItem> => {
    if (!done) {
      done = true;
      listeners.delete(listener);
      signal?.removeEventListener('abort', onAbort);
      buffer.length = 0;
      for (const resolve of waiting.splice(0)) resolve({ value: undefined, done: true });
    }
    return { value: undefined, done: true };
  };
  const onAbort = (): void => {
    finish();
  };

  if (signal?.aborted) done = true;
  else {
    listeners.add(listener);
    signal?.addEventListener('abort', onAbort, { once: true });
  }

  const stream: StatusUpdateStream = {
    next() {
      const item = buffer.shift();
      if (item) return Promise.resolve({ value: item, done: false });
      if (done) return Promise.resolve({ value: undefined, done: true });
      return new Promise((resolve) => {
        waiting.push(resolve);
      });
    },
    return() {
      return Promise.resolve(finish());
    },
    droppedCount: () => dropped,
    [Symbol.asyncIterator]() {
      return stream;
    },
  };
  return stream;
}
