/**
 * A run's statuses into a UI stream the run itself feeds (the AI SDK's UI message stream, AG-UI
 * events): every status of the run — tool, `addStatusMessage` (also outside any tool call),
 * `StatusPlugin`, a remote A2A agent's — reaches the stream live, exactly once, in order. Once
 * the stream's reader has left (or the run ended) nothing more is taken.
 */
import type { StatusUpdate } from '../protocol.js';
import type { StatusDestination } from './destination.js';

export class UiStream implements StatusDestination {
  readonly kind = 'ui';
  readonly #push: (status: Readonly<StatusUpdate>) => void;
  #closed = false;

  constructor(push: (status: Readonly<StatusUpdate>) => void) {
    this.#push = push;
  }

  deliver(status: Readonly<StatusUpdate>): number {
    if (this.#closed) return 0;
    this.#push(status);
    return 1;
  }

  close(): void {
    this.#closed = true;
  }
}
