import { formatEventId } from '../protocol.js';

/**
 * One frame on its way to the connections of a session: its JSON text, its SSE event id, and
 * every encoding a transport made of it, memoised so that a frame fanned out to many
 * connections is encoded once per transport (a UTF-8 Buffer for WebSocket, an event block for
 * SSE), not once per connection.
 */
export class OutboundFrame {
  /** The frame's JSON, exactly as WebSocket sends it. */
  readonly json: string;
  /** How many connections it is written to; past one, encodings are worth sharing. */
  readonly fanout: number;
  readonly #epoch: string | undefined;
  readonly #seq: number;
  #encoder: unknown;
  #encoded: unknown;
  #more: Map<unknown, unknown> | undefined;

  /** `epoch` and `seq` number a status frame; other frames (hello, gap, the app's) pass `undefined`. */
  constructor(json: string, epoch: string | undefined, seq = 0, fanout = 1) {
    this.json = json;
    this.#epoch = epoch;
    this.#seq = seq;
    this.fanout = fanout;
  }

  /**
   * `<epoch>:<seq>` for a status frame (the SSE `id:`); `undefined` for others. A browser sends
   * its last id back when it reconnects, so an id only ever names a status the stream carried (a
   * `hello` has none: it goes out before the replay it announces). Made when asked: WebSocket
   * never asks.
   */
  get eventId(): string | undefined {
    return this.#epoch === undefined ? undefined : formatEventId(this.#epoch, this.#seq);
  }

  /** `encode(this)`, computed once per frame and encoder (the encoder's identity is the key). */
  encoded<T>(encode: (frame: OutboundFrame) => T): T {
    if (this.#encoder === encode) return this.#encoded as T;
    if (this.#encoder === undefined) {
      this.#encoder = encode;
      return (this.#encoded = encode(this)) as T;
    }
    this.#more ??= new Map();
    if (!this.#more.has(encode)) this.#more.set(encode, encode(this));
    return this.#more.get(encode) as T;
  }
}
