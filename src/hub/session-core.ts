/**
 * The session core: what the hub knows about sessions, whatever carries the frames. It keeps
 * the subscribers of each session (connections of any transport), numbers statuses per session
 * (`epoch` + `seq`), keeps each session's history and resumes a reconnecting subscriber from it
 * (gap frames where it cannot), fans each frame out encoded once, and tells the adapter about
 * local statuses / takes remote ones from it. It imports no transport: a transport hands it
 * `Subscriber`s and the core writes `OutboundFrame`s to them.
 *
 * A session's history exists only once a status was sent to it: a connection to a quiet
 * session costs its entry (its subscribers, the epoch they were told), gone when it leaves.
 */
import { randomBytes } from 'node:crypto';
import type { Logger } from '../logger.js';
import { EPOCH_PATTERN, PROTOCOL_VERSION } from '../protocol.js';
import type { GapFrame, HelloFrame, StatusFrame, StatusUpdate } from '../protocol.js';
import type { AdapterHost, HubAdapter, NumberedStatus } from './adapters/hub-adapter.js';
import { InMemoryAdapter } from './adapters/in-memory-adapter.js';
import type { WriteResult } from './frame-writer.js';
import { OutboundFrame } from './outbound-frame.js';
import { StatusHistory, statusJson } from './status-history.js';
import type { ResumePlan } from './status-history.js';

/** One connection of a session, as the core sees it (a WebSocket, an SSE stream, …). */
export interface Subscriber {
  /** Writes one frame; `coalesceKey` lets a slow connection replace it by a newer one with the same key. */
  write(frame: OutboundFrame, coalesceKey: string | undefined): WriteResult;
  /** Frames this connection skipped because a newer one replaced them. */
  readonly coalesced: number;
}

/** Where a (re)connecting subscriber wants to start: `?since=&epoch=` or `Last-Event-ID`. */
export interface ResumeRequest {
  since: number | undefined;
  epoch: string | undefined;
}

export interface SessionCoreOptions {
  historySize: number;
  historyTtlMs: number;
  adapter: HubAdapter;
  /**
   * Called after every status the core accepted, local or remote (the hub's `status` event),
   * when `onStatus.wanted()` says someone listens.
   */
  onStatus: ((status: NumberedStatus) => void) & { wanted(): boolean };
  logger(): Logger;
}

// Fields of a status frame that the core sets itself; a status cannot override them.
const RESERVED = new Set(['message', 'type', 'data', 'seq', 'ts', 'replay']);

/** Every `status` frame shares one coalesce key: a slow tab skips to the newest status. */
const STATUS_COALESCE_KEY = 'status';

const NO_SUBSCRIBERS = Object.freeze([]) as unknown as Subscriber[];

/**
 * All the core holds for one session, in one entry: a status touches one map entry and one
 * object, not one map per concern (with statuses spread over many sessions, each extra lookup
 * is a cache miss). It exists while the session has subscribers or a history.
 */
class Session {
  /**
   * In no particular order. Joining and leaving change it in place (a subscriber knows its
   * index), except during a fan-out over it (`fanning`): then they change a copy, and the
   * fan-out goes on with the list it started with.
   */
  subscribers = NO_SUBSCRIBERS;
  fanning = 0;
  history: StatusHistory | undefined;
  /** Before the first status: the epoch its subscribers were told (the history begins in it). */
  announced: string | undefined;
}

/**
 * A subscriber whose position is not the session's: it was told `epoch` and has every status of
 * it up to `after` (a client that came from an instance ahead of this one, or whose epoch the
 * session left). The next status written to it says what it missed first: nothing (its `seq` is
 * `after + 1`), an `expired` gap (a hole), or a `hello` and a `reset` gap (another epoch).
 */
interface View {
  readonly epoch: string;
  readonly after: number;
}

export class SessionCore implements AdapterHost {
  readonly #options: SessionCoreOptions;
  readonly #limits: { maxEntries: number; maxAgeMs: number };
  readonly #sessions = new Map<string, Session>();
  /** Which session each subscriber belongs to, and where it is in that session's list. */
  readonly #owners = new Map<Subscriber, { readonly sessionId: string; readonly session: Session; index: number }>();
  /** Subscribers whose position is their own (see `View`); statuses they have are not written again. */
  readonly #views = new Map<Subscriber, View>();
  readonly #adapter: HubAdapter;
  /** Whether local statuses go to the adapter: the in-memory default has no one to tell. */
  readonly #publishes: boolean;
  #statusesSent = 0;
  #duplicates = 0;
  #coalescedFromGone = 0;
  #closed = false;
  #lastIsoAt = Number.NaN;
  #lastIso = '';

  constructor(options: SessionCoreOptions) {
    this.#options = options;
    this.#limits = { maxEntries: options.historySize, maxAgeMs: options.historyTtlMs };
    this.#adapter = options.adapter;
    this.#publishes = !(options.adapter instanceof InMemoryAdapter);
  }

  /**
   * Adds a subscriber and writes its opening frames — `hello`, then the resume plan (a gap
   * frame if any, then replayed statuses marked `replay: true`, with a gap frame before any hole
   * in the history) — before any later frame can interleave.
   *
   * A client's `since`/`epoch` is taken as its position only where this instance can vouch for
   * it: the history holds that epoch, or the adapter says every status of it is still on its way
   * here (the client came from an instance ahead of this one). Otherwise the client was in a
   * history this instance does not have: a `reset` gap, as on a single instance. A client never
   * sets the session's numbering: at most its own view is wrong.
   */
  subscribe(sessionId: string, subscriber: Subscriber, resume: ResumeRequest, now: number): void {
    if (this.#owners.has(subscriber)) throw new Error('subscriber is already subscribed');
    const session = this.#session(sessionId);
    if (session.fanning > 0 || session.subscribers === NO_SUBSCRIBERS) session.subscribers = [...session.subscribers];
    this.#owners.set(subscriber, { sessionId, session, index: session.subscribers.push(subscriber) - 1 });
    const { history } = session;
    const { since, epoch: theirs } = resume;
    let epoch: string;
    let lastSeq: number;
    let plan: ResumePlan;
    if (since !== undefined && theirs !== undefined && theirs !== (history?.epoch ?? session.announced) && this.#stillComing(sessionId, theirs)) {
      epoch = theirs;
      lastSeq = since;
      plan = { entries: [], after: since };
    } else if (history) {
      epoch = history.epoch;
      lastSeq = history.lastSeq;
      plan = history.resume(since, theirs, now);
    } else {
      epoch = session.announced ??= this.#newEpoch(sessionId);
      lastSeq = 0;
      // Nothing to replay. A client that names a position elsewhere than "nothing yet, in this
      // epoch" was in a history this instance does not have.
      const known = since === undefined || (theirs === epoch && since === 0);
      plan = known ? { entries: [] } : { gap: { from: 1, to: 0, reason: 'reset' }, entries: [] };
    }
    const hello: HelloFrame = { type: 'hello', v: PROTOCOL_VERSION, epoch, seq: lastSeq };
    // No SSE id: an id names statuses the stream carried, and the replay this hello announces comes after it.
    subscriber.write(new OutboundFrame(JSON.stringify(hello), undefined), undefined);
    if (plan.gap) writeGap(subscriber, plan.gap.from, plan.gap.to, plan.gap.reason);
    if (plan.after !== undefined) this.#views.set(subscriber, { epoch, after: plan.after });
    // After `since` (or the gap), every seq is replayed or named by a gap: holes too.
    let next = since === undefined ? Number.NaN : plan.gap ? plan.gap.to + 1 : since + 1;
    for (const entry of plan.entries) {
      if (entry.seq > next) writeGap(subscriber, next, entry.seq - 1, 'expired');
      next = entry.seq + 1;
      const replay = new OutboundFrame(`${entry.json.slice(0, -1)},"replay":true}`, epoch, entry.seq);
      subscriber.write(replay, STATUS_COALESCE_KEY);
    }
  }

  /** Removes a subscriber; returns its session, if it had one. */
  unsubscribe(subscriber: Subscriber, now: number): string | undefined {
    const membership = this.#owners.get(subscriber);
    this.#views.delete(subscriber);
    if (membership === undefined) return undefined;
    this.#owners.delete(subscriber);
    this.#coalescedFromGone += subscriber.coalesced;
    const { sessionId, session, index } = membership;
    if (session.fanning > 0) session.subscribers = [...session.subscribers];
    // The last one takes its place.
    const last = session.subscribers.pop()!;
    if (last !== subscriber) {
      session.subscribers[index] = last;
      this.#owners.get(last)!.index = index;
    }
    if (session.history) session.history.lastActivity = now;
    else if (session.subscribers.length === 0) this.#sessions.delete(sessionId);
    return sessionId;
  }

  /**
   * A status accepted by this process: numbered here (after the highest seq seen), stored,
   * fanned out, then told to the adapter. Returns the connections written.
   */
  publish(sessionId: string, update: StatusUpdate, at: number, now: number): number {
    if (this.#closed) return 0;
    const session = this.#session(sessionId);
    const history = session.history ?? this.#startHistory(session, sessionId, now);
    const seq = history.lastSeq + 1;
    // Every detail the status carries, in its order, encoded once (the entry keeps it for replays).
    let details = '';
    for (const key in update) {
      if (RESERVED.has(key) || !Object.hasOwn(update, key)) continue;
      const encoded = JSON.stringify((update as unknown as Record<string, unknown>)[key]);
      if (encoded !== undefined) details += `,${JSON.stringify(key)}:${encoded}`;
    }
    const ts = this.#isoTime(at);
    history.appendStatus(update.message, ts, details, now);
    const json = statusJson(update.message, seq, ts, details);
    const written = this.#fanOut(session, json, history.epoch, seq, STATUS_COALESCE_KEY);
    this.#statusesSent += 1;
    const { onStatus } = this.#options;
    // The frame object is for the adapter and the `status` event only; most hubs have neither.
    if (!this.#publishes && !onStatus.wanted()) return written;
    const frame: StatusFrame = JSON.parse(json) as StatusFrame;
    const status: NumberedStatus = { sessionId, epoch: history.epoch, seq, frame, origin: undefined };
    if (this.#publishes) {
      try {
        this.#adapter.published(status);
      } catch (error) {
        this.#options.logger().error('The hub adapter threw in `published`; the status stays delivered here.', error);
      }
    }
    onStatus(status);
    return written;
  }

  /** A status numbered by another instance; see `AdapterHost.deliver` for the rules. */
  deliver(status: NumberedStatus): number {
    if (this.#closed) return 0;
    const now = Date.now();
    const { sessionId, epoch, seq } = status;
    const session = this.#session(sessionId);
    const previous = session.history;
    const history = previous?.epoch === epoch ? previous : new StatusHistory(epoch, this.#limits, now);
    const { replay: _replay, ...fields } = status.frame as StatusFrame;
    const frame = { ...fields, type: 'status', seq } as StatusFrame;
    const json = JSON.stringify(frame);
    const lastSeq = history.lastSeq;
    if (!history.adopt(seq, json, now)) {
      this.#duplicates += 1;
      return 0;
    }
    if (history !== previous) {
      // Open connections were told another epoch: each gets a `hello` for this one, and a reset
      // gap for what it cannot have, before this status (see `View`).
      const told = previous?.epoch ?? session.announced;
      session.history = history;
      session.announced = undefined;
      if (told !== epoch) for (const subscriber of session.subscribers) if (!this.#views.has(subscriber)) this.#views.set(subscriber, { epoch: told ?? '', after: 0 });
    } else if (seq > lastSeq + 1) {
      // Statuses this instance never got (dropped on the way, or skipped after waiting for them): say so at once.
      this.#fanOutGap(session, lastSeq + 1, seq - 1);
    }
    const written = this.#fanOut(session, json, epoch, seq, STATUS_COALESCE_KEY);
    this.#statusesSent += 1;
    if (this.#options.onStatus.wanted()) this.#options.onStatus({ sessionId, epoch, seq, frame, origin: status.origin });
    return written;
  }

  /** Any other frame (not numbered, not replayed) to every subscriber of `sessionId`. */
  broadcast(sessionId: string, json: string, coalesceKey: string | undefined): number {
    const session = this.#sessions.get(sessionId);
    if (this.#closed || !session) return 0;
    return this.#fanOut(session, json, undefined, 0, coalesceKey);
  }

  /** `epoch` + `seq` name the frame for SSE (`undefined` epoch: a frame without an id). */
  #fanOut(session: Session, json: string, epoch: string | undefined, seq: number, coalesceKey: string | undefined): number {
    const { subscribers } = session;
    if (subscribers.length === 0) return 0;
    const frame = new OutboundFrame(json, epoch, seq, subscribers.length);
    let written = 0;
    // (A write that threw would leave `fanning` raised: joins and leaves would then copy the list, still correct.)
    session.fanning += 1;
    for (const subscriber of subscribers) {
      // Only numbered statuses meet a view (hello frames carry a seq too).
      if (coalesceKey === STATUS_COALESCE_KEY && this.#views.size > 0) {
        const view = this.#views.get(subscriber);
        if (view !== undefined) {
          if (view.epoch === epoch && seq <= view.after) continue;
          this.#views.delete(subscriber);
          catchUp(subscriber, view, epoch!, seq);
        }
      }
      if (subscriber.write(frame, coalesceKey) !== 'dropped') written += 1;
    }
    session.fanning -= 1;
    return written;
  }

  /** A hole in the session's numbering, to every subscriber at the session's position (a view says its own). */
  #fanOutGap(session: Session, from: number, to: number): void {
    session.fanning += 1;
    for (const subscriber of session.subscribers) if (!this.#views.has(subscriber)) writeGap(subscriber, from, to, 'expired');
    session.fanning -= 1;
  }

  /** Subscribers of `sessionId`. */
  countOf(sessionId: string): number {
    return this.#sessions.get(sessionId)?.subscribers.length ?? 0;
  }

  get subscriberCount(): number {
    return this.#owners.size;
  }

  subscribers(): IterableIterator<Subscriber> {
    return this.#owners.keys();
  }

  /** Sessions the core holds anything for: a history, or open subscribers. */
  get sessionCount(): number {
    return this.#sessions.size;
  }

  stats(): { statusesSent: number; coalesced: number; duplicates: number } {
    let coalesced = this.#coalescedFromGone;
    for (const subscriber of this.#owners.keys()) coalesced += subscriber.coalesced;
    return { statusesSent: this.#statusesSent, coalesced, duplicates: this.#duplicates };
  }

  /** Prunes histories of connected sessions; forgets idle ones after `historyTtlMs`. */
  sweep(now: number): void {
    for (const [sessionId, session] of this.#sessions) {
      const { history } = session;
      if (!history) continue;
      if (session.subscribers.length > 0) history.prune(now);
      else if (now - history.lastActivity >= this.#options.historyTtlMs) this.#sessions.delete(sessionId);
    }
  }

  /** Stops numbering and forgets every history (subscribers are the transports' to close). */
  close(): void {
    this.#closed = true;
    for (const [sessionId, session] of this.#sessions) {
      if (session.subscribers.length === 0) this.#sessions.delete(sessionId);
      session.history = session.announced = undefined;
    }
    this.#views.clear();
  }

  #session(sessionId: string): Session {
    let session = this.#sessions.get(sessionId);
    if (!session) this.#sessions.set(sessionId, (session = new Session()));
    return session;
  }

  #newEpoch(sessionId: string): string {
    const adapter = this.#adapter;
    if (adapter.newEpoch) {
      try {
        const epoch = adapter.newEpoch(sessionId);
        if (typeof epoch === 'string' && EPOCH_PATTERN.test(epoch)) return epoch;
        this.#options.logger().error(`The hub adapter's newEpoch returned an unusable epoch; using a random one.`);
      } catch (error) {
        this.#options.logger().error(`The hub adapter's newEpoch threw; using a random one.`, error);
      }
    }
    return randomBytes(6).toString('base64url');
  }

  /** Whether the adapter vouches that every status of `epoch` is still on its way here (see `HubAdapter.stillComing`). */
  #stillComing(sessionId: string, epoch: string): boolean {
    const adapter = this.#adapter;
    if (!adapter.stillComing || !EPOCH_PATTERN.test(epoch)) return false;
    try {
      return adapter.stillComing(sessionId, epoch) === true;
    } catch (error) {
      this.#options.logger().error(`The hub adapter's stillComing threw; answering as if it said no.`, error);
      return false;
    }
  }

  /** A session's first status: its history begins in the epoch its subscribers were told, if any, else a new one. */
  #startHistory(session: Session, sessionId: string, now: number): StatusHistory {
    const history = new StatusHistory(session.announced ?? this.#newEpoch(sessionId), this.#limits, now);
    session.announced = undefined;
    return (session.history = history);
  }

  // Statuses come in bursts within one millisecond; format the time once per millisecond.
  #isoTime(at: number): string {
    if (at !== this.#lastIsoAt) {
      this.#lastIsoAt = at;
      this.#lastIso = new Date(at).toISOString();
    }
    return this.#lastIso;
  }
}

function writeGap(subscriber: Subscriber, from: number, to: number, reason: GapFrame['reason']): void {
  const gap: GapFrame = { type: 'gap', from, to, reason };
  subscriber.write(new OutboundFrame(JSON.stringify(gap), undefined), undefined);
}

/** What a subscriber with its own view missed before the status `epoch`/`seq` (see `View`). */
function catchUp(subscriber: Subscriber, view: View, epoch: string, seq: number): void {
  if (view.epoch === epoch) {
    if (seq > view.after + 1) writeGap(subscriber, view.after + 1, seq - 1, 'expired');
    return;
  }
  const hello: HelloFrame = { type: 'hello', v: PROTOCOL_VERSION, epoch, seq: seq - 1 };
  subscriber.write(new OutboundFrame(JSON.stringify(hello), undefined), undefined);
  if (seq > 1) writeGap(subscriber, 1, seq - 1, 'reset');
}
