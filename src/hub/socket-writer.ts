/**
 * Writes frames to one socket, fast and without letting a slow reader grow memory.
 *
 * Fast: the frames written in one synchronous burst go out in one write. The first write corks
 * the TCP socket and a microtask uncorks it, so a burst of statuses costs one system call instead
 * of one per frame (most of a frame's cost on Linux). A microtask rather than `nextTick`: under
 * load ADK runs long chains of promise jobs, and `nextTick` would hold frames until all finish.
 *
 * Bounded: while the socket's `bufferedAmount` is under `maxBufferedBytes`, frames go straight
 * out. Past it, frames wait in a small pending queue. A frame with a coalesce key (every `status`
 * frame shares one) replaces the pending frame with the same key, in its place, so a slow tab
 * skips intermediate statuses and always ends on the newest; but never across a frame without a
 * key (such as `agent_turn_complete`), which keeps its order relative to everything. If pending
 * bytes pass the cap too, the socket is closed as a slow consumer (4008). Pending frames go out
 * when the TCP socket drains.
 */
import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';

export type WriteResult = 'sent' | 'queued' | 'dropped';

/** A frame: a JSON string, or the same already encoded as UTF-8 (sent as a text frame). */
export type FrameData = string | Buffer;

const AS_TEXT = { binary: false } as const;
const FLUSH_CORKED_AT = 64 * 1024;

// Every writer corked in this burst; one microtask uncorks them all (not one callback per socket).
const corkedInBurst: SocketWriter[] = [];
function uncorkAll(): void {
  const writers = corkedInBurst.splice(0);
  for (const writer of writers) writer.uncork();
}

export class SocketWriter {
  readonly #socket: WebSocket;
  readonly #raw: Duplex | undefined;
  readonly #maxBufferedBytes: number;
  readonly #onOverflow: () => void;
  readonly #pending: { key: string | undefined; data: FrameData }[] = [];
  #pendingBytes = 0;
  #corked = false;
  #awaitingDrain = false;
  /** Frames replaced by a newer one of the same key while the socket was slow. */
  coalesced = 0;

  /**
   * @param raw the TCP socket under `socket` (what the HTTP `upgrade` event handed over), used
   * to batch the writes of a burst and to learn when it drains; without it each frame is written alone.
   */
  constructor(socket: WebSocket, raw: Duplex | undefined, maxBufferedBytes: number, onOverflow: () => void) {
    this.#socket = socket;
    this.#raw = raw;
    this.#maxBufferedBytes = maxBufferedBytes;
    this.#onOverflow = onOverflow;
  }

  write(data: FrameData, coalesceKey?: string): WriteResult {
    const socket = this.#socket;
    if (socket.readyState !== socket.OPEN) return 'dropped';
    if (this.#pending.length === 0 && socket.bufferedAmount < this.#maxBufferedBytes) {
      this.#send(data);
      return 'sent';
    }
    const replaced = coalesceKey === undefined ? undefined : this.#coalescable(coalesceKey);
    if (replaced) {
      this.#pendingBytes -= replaced.data.length;
      replaced.data = data;
      this.coalesced += 1;
    } else {
      this.#pending.push({ key: coalesceKey, data });
    }
    this.#pendingBytes += data.length;
    if (this.#pendingBytes > this.#maxBufferedBytes) {
      this.clear();
      this.#onOverflow();
      return 'dropped';
    }
    this.#waitForDrain();
    return 'queued';
  }

  /** Bytes (or UTF-16 units, for strings) waiting because the socket is slow. */
  get pendingBytes(): number {
    return this.#pendingBytes;
  }

  clear(): void {
    this.#pending.length = 0;
    this.#pendingBytes = 0;
  }

  /** The pending frame with `key` that nothing without a key has been queued after, if any. */
  #coalescable(key: string): { key: string | undefined; data: FrameData } | undefined {
    for (let i = this.#pending.length - 1; i >= 0; i -= 1) {
      const entry = this.#pending[i]!;
      if (entry.key === key) return entry;
      if (entry.key === undefined) return undefined;
    }
    return undefined;
  }

  #send(data: FrameData): void {
    const raw = this.#raw;
    if (raw && !this.#corked && !raw.destroyed) {
      this.#corked = true;
      raw.cork();
      corkedInBurst.push(this);
      if (corkedInBurst.length === 1) queueMicrotask(uncorkAll);
    }
    if (typeof data === 'string') this.#socket.send(data);
    else this.#socket.send(data, AS_TEXT);
    // A big burst goes to the kernel now rather than piling up in user space until the burst ends.
    if (this.#corked && raw && raw.writableLength >= FLUSH_CORKED_AT) this.uncork();
  }

  /** @internal Ends this burst: the corked frames go out in one write. */
  uncork(): void {
    if (!this.#corked) return;
    this.#corked = false;
    this.#raw?.uncork();
  }

  #waitForDrain(): void {
    if (this.#awaitingDrain) return;
    this.#awaitingDrain = true;
    const raw = this.#raw;
    // 'drain' only follows a write that filled the buffer; with a cap below the stream's
    // high-water mark that may not have happened, so look again shortly instead.
    if (raw && raw.writableNeedDrain) raw.once('drain', this.#flush);
    else setTimeout(this.#flush, 10).unref();
  }

  readonly #flush = (): void => {
    this.#awaitingDrain = false;
    const socket = this.#socket;
    if (socket.readyState !== socket.OPEN) return this.clear();
    while (this.#pending.length > 0 && socket.bufferedAmount < this.#maxBufferedBytes) {
      const { data } = this.#pending.shift()!;
      this.#pendingBytes -= data.length;
      this.#send(data);
    }
    if (this.#pending.length > 0) this.#waitForDrain();
  };
}
