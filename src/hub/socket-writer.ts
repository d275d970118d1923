/**
 * Writes frames to one socket without letting a slow reader grow memory.
 *
 * While the socket's `bufferedAmount` is under `maxBufferedBytes`, frames go straight out.
 * Past it, frames wait in a small pending map keyed by a coalesce key: a newer frame with
 * the same key (every `status` frame shares one) replaces the older one, so a slow tab skips
 * intermediate statuses and always ends on the newest. Frames without a key queue in order;
 * if pending bytes pass the cap too, the socket is closed as a slow consumer (4008).
 */
import type { WebSocket } from 'ws';

export type WriteResult = 'sent' | 'queued' | 'dropped';

export class SocketWriter {
  readonly #socket: WebSocket;
  readonly #maxBufferedBytes: number;
  readonly #onOverflow: () => void;
  readonly #pending = new Map<string, string>();
  #pendingBytes = 0;
  #uniqueKey = 0;
  /** Frames replaced by a newer one of the same key while the socket was slow. */
  coalesced = 0;

  constructor(socket: WebSocket, maxBufferedBytes: number, onOverflow: () => void) {
    this.#socket = socket;
    this.#maxBufferedBytes = maxBufferedBytes;
    this.#onOverflow = onOverflow;
  }

  write(data: string, coalesceKey?: string): WriteResult {
    const socket = this.#socket;
    if (socket.readyState !== socket.OPEN) return 'dropped';
    if (this.#pending.size === 0 && socket.bufferedAmount < this.#maxBufferedBytes) {
      socket.send(data, this.#onSent);
      return 'sent';
    }
    const key = coalesceKey ?? `\u0000${this.#uniqueKey++}`;
    const previous = this.#pending.get(key);
    if (previous !== undefined) {
      this.#pendingBytes -= previous.length;
      this.#pending.delete(key); // re-insert at the end: order by latest occurrence
      this.coalesced += 1;
    }
    this.#pending.set(key, data);
    this.#pendingBytes += data.length;
    if (this.#pendingBytes > this.#maxBufferedBytes) {
      this.clear();
      this.#onOverflow();
      return 'dropped';
    }
    return 'queued';
  }

  /** Bytes (UTF-16 units) waiting because the socket is slow. */
  get pendingBytes(): number {
    return this.#pendingBytes;
  }

  clear(): void {
    this.#pending.clear();
    this.#pendingBytes = 0;
  }

  // Called by ws when a frame has been handed to the OS; room may have opened up.
  readonly #onSent = (error?: Error): void => {
    if (error || this.#pending.size === 0) return;
    const socket = this.#socket;
    for (const [key, data] of this.#pending) {
      if (socket.readyState !== socket.OPEN || socket.bufferedAmount >= this.#maxBufferedBytes) return;
      this.#pending.delete(key);
      this.#pendingBytes -= data.length;
      socket.send(data, this.#onSent);
    }
  };
}
