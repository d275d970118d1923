/**
 * WebSocket text frames written by the hub itself (RFC 6455 §5.2: FIN + opcode 1, unmasked as a
 * server's are, a 7-, 16- or 64-bit length, then the UTF-8), and the burst buffer a socket's
 * frames are gathered in until the burst ends.
 */

/** Header bytes for a payload of `bytes` bytes. */
function headerSize(bytes: number): number {
  return bytes < 126 ? 2 : bytes < 65_536 ? 4 : 10;
}

function writeHeader(buffer: Buffer, at: number, bytes: number, size: number): void {
  buffer[at] = 0x81;
  if (size === 2) {
    buffer[at + 1] = bytes;
  } else if (size === 4) {
    buffer[at + 1] = 126;
    buffer.writeUInt16BE(bytes, at + 2);
  } else {
    buffer[at + 1] = 127;
    buffer.writeUInt32BE(Math.floor(bytes / 2 ** 32), at + 2);
    buffer.writeUInt32BE(bytes >>> 0, at + 6);
  }
}

/** One whole text frame carrying `json`: built once, shared by every socket of a session. */
export function textFrame(json: string): Buffer {
  const bytes = Buffer.byteLength(json, 'utf8');
  const size = headerSize(bytes);
  const buffer = Buffer.allocUnsafe(size + bytes);
  writeHeader(buffer, 0, bytes, size);
  buffer.write(json, size, 'utf8');
  return buffer;
}

/**
 * The frames one socket is sent during one burst, framed straight into one buffer: at the end
 * of the burst the socket gets one write of one buffer, rather than two stream writes per frame
 * (header, payload) that Node gathers into a `writev`.
 */
export class FrameBurst {
  #buffer: Buffer | undefined;
  #used = 0;

  /** Bytes gathered so far. */
  get size(): number {
    return this.#used;
  }

  /** Frames `json` as a text frame at the end of the burst. */
  appendText(json: string): void {
    if (this.#used === 0) {
      // The first frame of a burst (often the only one: one status for each of many sessions)
      // gets a buffer of its exact size, written as it is.
      this.#buffer = textFrame(json);
      this.#used = this.#buffer.length;
      return;
    }
    const at = this.#reserve(json.length * 3 + 10);
    const buffer = this.#buffer!;
    // The header size follows from the byte length, known only once written: guess it from
    // the UTF-16 length, and move the payload in the rare case the guess was short.
    const guess = headerSize(json.length);
    const bytes = buffer.write(json, at + guess, 'utf8');
    const size = headerSize(bytes);
    if (size !== guess) buffer.copyWithin(at + size, at + guess, at + guess + bytes);
    writeHeader(buffer, at, bytes, size);
    this.#used = at + size + bytes;
  }

  /** Appends a whole frame built by `textFrame` (a first frame is kept as it is: it is never written to). */
  appendFrame(frame: Buffer): void {
    if (this.#used === 0) {
      this.#buffer = frame;
      this.#used = frame.length;
      return;
    }
    const at = this.#reserve(frame.length);
    frame.copy(this.#buffer!, at);
    this.#used = at + frame.length;
  }

  /** The burst's bytes, and a fresh burst (the stream keeps the buffer it is given). */
  take(): Buffer | undefined {
    const buffer = this.#buffer;
    if (!buffer || this.#used === 0) return undefined;
    const bytes = this.#used === buffer.length ? buffer : buffer.subarray(0, this.#used);
    this.#buffer = undefined;
    this.#used = 0;
    return bytes;
  }

  /** Room for `bytes` more; returns where they go. */
  #reserve(bytes: number): number {
    const used = this.#used;
    const buffer = this.#buffer;
    if (buffer && buffer.length - used >= bytes) return used;
    const grown = Buffer.allocUnsafe(Math.max(used + bytes, buffer ? buffer.length * 2 : 0, 512));
    if (buffer) buffer.copy(grown, 0, 0, used);
    this.#buffer = grown;
    return used;
  }
}
