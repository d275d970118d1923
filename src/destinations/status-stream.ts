/**
 * `streamStatusUpdates()`: the seed's async stream of `(session id, message)` pairs, for code
 * that wants to see or forward every status of every run in the process (tool,
 * `addStatusMessage`, plugin, end of run). Every run has this destination. Each consumer has its
 * own bounded buffer; a slow consumer loses its oldest items, counted.
 */
import { z } from 'zod';
import { defineOptions, opt, parseOptions } from '../options.js';
import { processRegistry } from '../process-registry.js';
import type { StatusUpdate } from '../protocol.js';
import type { StatusDestination } from './destination.js';

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

/** The destination every run has: the run's statuses, with its session id, to every open stream. */
export class StatusListeners implements StatusDestination {
  readonly kind = 'listeners';
  readonly #sessionId: string;

  constructor(sessionId: string) {
    this.#sessionId = sessionId;
  }

  deliver(status: Readonly<StatusUpdate>): number {
    if (listeners.size === 0) return 0;
    const item: StatusStreamItem = { sessionId: this.#sessionId, ...status };
    for (const listener of listeners) listener(item);
    return listeners.size;
  }
}

const OPTIONS = defineOptions('streamStatusUpdates(options)', {
  signal: opt.abortSignal().optional(),
  bufferSize: opt.positiveInt().optional(),
});

export function streamStatusUpdates(options: StreamStatusUpdatesOptions = {}): StatusUpdateStream {
  const { signal, bufferSize = 1000 } = parseOptions(OPTIONS, options);
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
