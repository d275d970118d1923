/**
 * Ping/pong liveness for every socket of a hub, with two timers in all (not one per socket).
 * Each tick pings every socket; a socket that has shown no sign of life (pong or message)
 * `timeoutMs` after its ping is terminated. So a silent peer is gone within
 * `intervalMs + timeoutMs`.
 */
export interface HeartbeatSocket {
  ping(): void;
  terminate(): void;
}

export class Heartbeat<S extends HeartbeatSocket> {
  readonly #intervalMs: number;
  readonly #timeoutMs: number;
  readonly #sockets: () => Iterable<S>;
  readonly #onTerminate: (socket: S) => void;
  #awaiting = new Set<S>();
  #interval: NodeJS.Timeout | undefined;
  #deadline: NodeJS.Timeout | undefined;

  constructor(intervalMs: number, timeoutMs: number, sockets: () => Iterable<S>, onTerminate: (socket: S) => void) {
    this.#intervalMs = intervalMs;
    this.#timeoutMs = timeoutMs;
    this.#sockets = sockets;
    this.#onTerminate = onTerminate;
  }

  start(): void {
    if (this.#interval || this.#intervalMs <= 0) return;
    this.#interval = setInterval(() => this.#tick(), this.#intervalMs);
    this.#interval.unref();
  }

  stop(): void {
    clearInterval(this.#interval);
    clearTimeout(this.#deadline);
    this.#interval = undefined;
    this.#deadline = undefined;
    this.#awaiting.clear();
  }

  /** The peer showed it is alive (pong, or any message). */
  alive(socket: S): void {
    this.#awaiting.delete(socket);
  }

  #tick(): void {
    const awaiting = new Set<S>();
    for (const socket of this.#sockets()) {
      awaiting.add(socket);
      try {
        socket.ping();
      } catch {
        // not open any more; its close handler cleans up
      }
    }
    this.#awaiting = awaiting;
    clearTimeout(this.#deadline);
    this.#deadline = setTimeout(() => {
      for (const socket of this.#awaiting) {
        this.#onTerminate(socket);
        socket.terminate();
      }
      this.#awaiting.clear();
    }, this.#timeoutMs);
    this.#deadline.unref();
  }
}
