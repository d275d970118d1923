/**
 * One frame on its way to the connections of a session: its JSON text, its SSE event id, and
 * every encoding a transport made of it, memoised so that a frame fanned out to many
 * connections is encoded once per transport (a UTF-8 Buffer for WebSocket, an event block for
 * SSE), not once per connection.
 */
export class OutboundFrame {
  /** The frame's JSON, exactly as WebSocket sends it. */
  readonly json: string;
  /** `<epoch>:<seq>` for `hello` and `status` frames (the SSE `id:`); `undefined` for others. */
  readonly eventId: string | undefined;
  /** How many connections it is written to; past one, encodings are worth sharing. */
  readonly fanout: number;
  #encoder: unknown;
  #encoded: unknown;
  #more: Map<unknown, unknown> | undefined;

  constructor(json: string, eventId: string | undefined, fanout = 1) {
    this.json = json;
    this.eventId = eventId;
    this.fanout = fanout;
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
