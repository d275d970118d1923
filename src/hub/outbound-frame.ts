import { formatEventId } from '../protocol.js';

// Every hello frame the core makes starts so (`JSON.stringify` of an object whose first key is `type`).
const HELLO_PREFIX = '{"type":"hello"';

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

  /** `epoch` and `seq` number the frame (hello, status); frames without one (gap, others) pass `undefined`. */
  constructor(json: string, epoch: string | undefined, seq = 0, fanout = 1) {
    this.json = json;
    this.#epoch = epoch;
    this.#seq = seq;
    this.fanout = fanout;
  }

  /**
   * `<epoch>:<seq>` for a status frame (the SSE `id:`); `undefined` for others. A browser sends
   * its last id back when it reconnects, so an id must never name a status the stream has not
   * carried yet: a `hello` is numbered too, but it goes out before the replay it announces, and
   * a browser that dropped right after it would resume past the replay. Made when asked:
   * WebSocket never asks.
   */
  get eventId(): string | undefined {
    if (this.#epoch === undefined || this.json.startsWith(HELLO_PREFIX)) return undefined;
    return formatEventId(this.#epoch, this.#seq);
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
