/**
 * The core's backpressure policy for one connection, whatever the transport: write fast, and
 * never let a slow reader grow memory.
 *
 * Fast: the frames written in one synchronous burst go out in one write. The first write corks
 * the channel and a microtask uncorks it, so a burst of statuses costs one system call instead
 * of one per frame (most of a frame's cost on Linux). A microtask rather than `nextTick`: under
 * load ADK runs long chains of promise jobs, and `nextTick` would hold frames until all finish.
 *
 * Bounded: while the channel's buffered bytes are under `maxBufferedBytes`, frames go straight
 * out. Past it, frames wait in a small pending queue. A frame with a coalesce key (every
 * `status` frame shares one) replaces the pending frame with the same key, in its place, so a
 * slow tab skips intermediate statuses and always ends on the newest; but never across a frame
 * without a key (such as `agent_turn_complete`), which keeps its order relative to everything.
 * If pending bytes pass the cap too (twice the cap in all), `onOverflow` ends the connection
 * (a socket closes with 4008, an SSE stream ends). Pending frames go out when the channel drains.
 *
 * Every size is in bytes as they go on the wire (UTF-8), never in UTF-16 units: for non-ASCII
 * text those are two to three times fewer, and the cap would be that far off.
 */
export type WriteResult = 'sent' | 'queued' | 'dropped';

/** What a transport gives the writer: one connection's outbound side. `D` is what it writes (a frame). */
export interface FrameChannel<D> {
  /** False once the peer is gone or the connection is closing: writes are dropped. */
  isOpen(): boolean;
  /**
   * Bytes written but not yet taken by the peer (the transport's and the OS's user-space
   * buffers); an upper bound is fine while a burst is corked, never less than the truth.
   */
  bufferedAmount(): number;
  /** The bytes `data` takes on the wire (asked only of frames that wait). */
  size(data: D): number;
  send(data: D): void;
  /** Holds sends until `uncork` (one write per burst). */
  cork(): void;
  uncork(): void;
  /** Calls back once the channel can take more: on its `drain`, or shortly when it has none pending. */
  whenDrained(callback: () => void): void;
}

/**
 * Corked bytes after which a burst goes to the kernel before it ends, so corking never brings a
 * healthy connection near its cap (corked bytes count in `bufferedAmount`): a quarter of the
 * cap, between 64 KiB and 256 KiB. Not lower: every early flush is one more system call.
 */
function flushThreshold(maxBufferedBytes: number): number {
  return Math.min(256 * 1024, Math.max(64 * 1024, Math.floor(maxBufferedBytes / 4)));
}

interface PendingFrame<D> {
  key: string | undefined;
  data: D;
  size: number;
}

interface Corkable {
  uncork(): void;
}
// Every writer corked in this burst; one microtask uncorks them all (not one callback per connection).
const corkedInBurst: Corkable[] = [];
function uncorkAll(): void {
  const writers = corkedInBurst.splice(0);
  for (const writer of writers) writer.uncork();
}

export class FrameWriter<D> {
  readonly #channel: FrameChannel<D>;
  readonly #maxBufferedBytes: number;
  readonly #flushAt: number;
  readonly #onOverflow: () => void;
  readonly #pending: PendingFrame<D>[] = [];
  #pendingBytes = 0;
  #corked = false;
  /** `bufferedAmount()` when this burst was corked. */
  #corkedAt = 0;
  #awaitingDrain = false;
  /** Frames replaced by a newer one of the same key while the connection was slow. */
  coalesced = 0;

  constructor(channel: FrameChannel<D>, maxBufferedBytes: number, onOverflow: () => void) {
    this.#channel = channel;
    this.#maxBufferedBytes = maxBufferedBytes;
    this.#flushAt = flushThreshold(maxBufferedBytes);
    this.#onOverflow = onOverflow;
  }

  write(data: D, coalesceKey?: string): WriteResult {
    const channel = this.#channel;
    if (!channel.isOpen()) return 'dropped';
    if (this.#pending.length === 0 && this.#trySend(data)) return 'sent';
    const size = channel.size(data);
    const replaced = coalesceKey === undefined ? undefined : this.#coalescable(coalesceKey);
    if (replaced) {
      this.#pendingBytes -= replaced.size;
      replaced.data = data;
      replaced.size = size;
      this.coalesced += 1;
    } else {
      this.#pending.push({ key: coalesceKey, data, size });
    }
    this.#pendingBytes += size;
    if (this.#pendingBytes > this.#maxBufferedBytes) {
      this.clear();
      this.#onOverflow();
      return 'dropped';
    }
    this.#waitForDrain();
    return 'queued';
  }

  /** Bytes waiting because the connection is slow. */
  get pendingBytes(): number {
    return this.#pendingBytes;
  }

  clear(): void {
    this.#pending.length = 0;
    this.#pendingBytes = 0;
  }

  /** The pending frame with `key` that nothing without a key has been queued after, if any. */
  #coalescable(key: string): PendingFrame<D> | undefined {
    for (let i = this.#pending.length - 1; i >= 0; i -= 1) {
      const entry = this.#pending[i]!;
      if (entry.key === key) return entry;
      if (entry.key === undefined) return undefined;
    }
    return undefined;
  }

  /** Sends `data` if the channel has room under the cap; false (nothing sent) otherwise. */
  #trySend(data: D): boolean {
    const channel = this.#channel;
    let buffered = channel.bufferedAmount();
    // A big burst goes to the kernel now rather than piling up in user space until the burst ends.
    if (this.#corked && buffered - this.#corkedAt >= this.#flushAt) {
      this.uncork();
      buffered = channel.bufferedAmount();
    }
    if (buffered >= this.#maxBufferedBytes) return false;
    if (!this.#corked) {
      this.#corked = true;
      this.#corkedAt = buffered;
      channel.cork();
      corkedInBurst.push(this);
      if (corkedInBurst.length === 1) queueMicrotask(uncorkAll);
    }
    channel.send(data);
    return true;
  }

  /** @internal Ends this burst: the corked frames go out in one write. */
  uncork(): void {
    if (!this.#corked) return;
    this.#corked = false;
    this.#channel.uncork();
  }

  #waitForDrain(): void {
    if (this.#awaitingDrain) return;
    this.#awaitingDrain = true;
    this.#channel.whenDrained(this.#flush);
  }

  readonly #flush = (): void => {
    this.#awaitingDrain = false;
    const channel = this.#channel;
    if (!channel.isOpen()) return this.clear();
    while (this.#pending.length > 0 && this.#trySend(this.#pending[0]!.data)) {
      this.#pendingBytes -= this.#pending.shift()!.size;
    }
    if (this.#pending.length > 0) this.#waitForDrain();
  };
}
