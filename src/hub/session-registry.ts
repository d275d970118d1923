/**
 * Who is connected to which session: a two-way index (session → sockets, socket → session)
 * with no I/O, after socket.io's in-memory adapter. Generic over the socket type so it is
 * tested with plain values.
 */
const EMPTY: ReadonlySet<never> = new Set<never>();

export class SessionRegistry<S> {
  readonly #sockets = new Map<string, Set<S>>();
  readonly #owners = new Map<S, string>();

  /** Adds `socket` to `sessionId`. A socket belongs to one session; adding it twice throws. */
  add(sessionId: string, socket: S): void {
    if (this.#owners.has(socket)) throw new Error('socket is already registered');
    let set = this.#sockets.get(sessionId);
    if (!set) this.#sockets.set(sessionId, (set = new Set()));
    set.add(socket);
    this.#owners.set(socket, sessionId);
  }

  /** Removes `socket`; returns the session it belonged to, if any. */
  remove(socket: S): string | undefined {
    const sessionId = this.#owners.get(socket);
    if (sessionId === undefined) return undefined;
    this.#owners.delete(socket);
    const set = this.#sockets.get(sessionId);
    if (set) {
      set.delete(socket);
      if (set.size === 0) this.#sockets.delete(sessionId);
    }
    return sessionId;
  }

  /** The live set of sockets of `sessionId` (empty when none); do not mutate it. */
  socketsOf(sessionId: string): ReadonlySet<S> {
    return this.#sockets.get(sessionId) ?? EMPTY;
  }

  sessionOf(socket: S): string | undefined {
    return this.#owners.get(socket);
  }

  countOf(sessionId: string): number {
    return this.#sockets.get(sessionId)?.size ?? 0;
  }

  /** Sessions with at least one socket. */
  get sessionCount(): number {
    return this.#sockets.size;
  }

  get socketCount(): number {
    return this.#owners.size;
  }

  sockets(): IterableIterator<S> {
    return this.#owners.keys();
  }
}
