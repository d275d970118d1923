/**
 * The wire contract between the hub (Node) and the browser client.
 *
 * Every frame the server can send is defined here, and `parseServerFrame` is the one
 * function that turns untrusted text into a frame. This file has no Node imports: the
 * browser bundle compiles it too.
 *
 * Server → browser frames are JSON text. `status` keeps the seed's `type` and `data`
 * fields so the seed's own client keeps working; everything else is additive.
 *
 * End of a run: a `status` frame with `state: 'done' | 'failed' | 'aborted'` (`runWithStatus`,
 * `runLiveWithStatus` and `StatusPlugin` send one when a run ends), not a frame type of its own.
 * Why a status: it keeps `seq`, history, replay and the relay for free, so a tab opened (or
 * reloaded) after the run ended gets the end of the run from the normal replay of the latest
 * status, and never presents the run's last working status as current. The seed's client knows
 * only `type` and `data`: it shows the end text ("Done") as one more status, which is harmless.
 */

/** Bumped only for breaking changes to the frames below. */
export const PROTOCOL_VERSION = 1;

/** The longest session id the hub accepts (characters). */
export const SESSION_ID_MAX_LENGTH = 256;

/**
 * Session ids that the hub accepts in `/ws/<sessionId>` and in `hub.send`: anything that is safe
 * as one URL path segment without encoding — RFC 3986 unreserved characters, sub-delims, `:` and
 * `@` (so `alice@example.com`, `tenant:42:chat`, ADK's UUIDs) — 1 to 256 characters, except `.`
 * and `..`. A percent-encoded path segment is decoded before it is checked.
 */
export const SESSION_ID_PATTERN = /^(?!\.\.?$)[A-Za-z0-9\-._~!$&'()*+,;=:@]{1,256}$/;

/**
 * A session history's name (the `hello` frame's `epoch`): 1 to 64 of `[A-Za-z0-9_-]`. The hub
 * draws them; a client only echoes one back (`?epoch=`, `Last-Event-ID`).
 */
export const EPOCH_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/** The longest status text the hub and the tool accept by default (characters). */
export const DEFAULT_MAX_STATUS_LENGTH = 500;

/** Query parameters a reconnecting client adds to its WebSocket URL to resume. */
export const RESUME_PARAMS = {
  /** The last `seq` the client saw. */
  since: 'since',
  /** The `epoch` from the last `hello` frame the client saw. */
  epoch: 'epoch',
} as const;

/**
 * Close codes the hub uses. An SSE stream has none on the wire: the hub ends it, and
 * `hub.stats().closedByHub` counts it under the code of the same reason (1001, 4008, 4009).
 */
export const CLOSE_CODES = {
  /** The server is shutting down (`hub.close()`). */
  GOING_AWAY: 1001,
  /** The client sent a binary frame; only text is accepted. */
  UNSUPPORTED_DATA: 1003,
  /** The client sent messages faster than `inboundRateLimit` allows. */
  POLICY_VIOLATION: 1008,
  /** The client sent a frame larger than `maxPayload`. */
  MESSAGE_TOO_BIG: 1009,
  /** The client stopped reading and its pending frames passed `maxBufferedBytes`. */
  SLOW_CONSUMER: 4008,
  /**
   * SSE only: the session had no free slot (`maxSocketsPerSession`) and a new connection took
   * this stream's, the session's oldest open for at least one SSE heartbeat interval. A stream
   * cannot be probed, so one whose client vanished without a FIN never holds a slot a live
   * connection needs; a live browser reconnects and resumes with `Last-Event-ID`.
   */
  SSE_REPLACED: 4009,
} as const;

export const STATUS_LEVELS = ['info', 'success', 'warning', 'error'] as const;
export type StatusLevel = (typeof STATUS_LEVELS)[number];

/** How a run ended; carried by the run's last status. */
export const RUN_END_STATES = ['done', 'failed', 'aborted'] as const;
export type RunEndState = (typeof RUN_END_STATES)[number];

/** What a producer hands to `hub.send`: a plain text, or text with details. */
export type StatusInput = string | StatusUpdate;

export interface StatusUpdate {
  /** The one-line text shown to the user. */
  message: string;
  /** How the client styles it. */
  level?: StatusLevel;
  /** Completion in percent, 0–100. */
  progress?: number;
  /** The ADK agent that produced the status. */
  agent?: string;
  /** The tool the status is about. */
  tool?: string;
  /** Present on the last status of a run only: how the run ended. */
  state?: RunEndState;
}

/** `{"type":"status","data":"Searching…","seq":12,"ts":"2026-…Z"}` */
export interface StatusFrame {
  type: 'status';
  /** The status text (the seed's field name). */
  data: string;
  /** Increases by one per status of the session, starting at 1 in each epoch. */
  seq: number;
  /** ISO-8601 time the hub accepted the status. */
  ts: string;
  level?: StatusLevel;
  progress?: number;
  agent?: string;
  tool?: string;
  /** Present on the last status of a run only: how it ended (see the top of this file). */
  state?: RunEndState;
  /** Present and `true` when the frame is a replay of an earlier status. */
  replay?: true;
}

/**
 * One status shape on every wire besides the hub's numbered frames: ADK's event stream (a
 * partial, content-less event whose `customMetadata.status_messenger` holds it), A2A (a `working`
 * update whose message's `metadata.status_messenger` holds it), the AI SDK (`data` of a transient
 * `data-status` chunk) and AG-UI (`content` of a `STATUS` activity). It is the status frame
 * without `seq` (each of those streams has its own order). Made by `toStatusPayload`, read by
 * `parseStatusPayload`.
 */
export const STATUS_EVENT_METADATA_KEY = 'status_messenger';

export interface StatusEventMetadata {
  type: 'status';
  data: string;
  /** ISO-8601 time the status was made. */
  ts: string;
  level?: StatusLevel;
  progress?: number;
  agent?: string;
  tool?: string;
  /** Present on the last status of a run only: how it ended. */
  state?: RunEndState;
}

/** The wire shape of a status made at `ts`. */
export function toStatusPayload(update: StatusUpdate, ts = new Date().toISOString()): StatusEventMetadata {
  const payload: StatusEventMetadata = { type: 'status', data: update.message, ts };
  if (update.level !== undefined) payload.level = update.level;
  if (update.progress !== undefined) payload.progress = update.progress;
  if (update.agent !== undefined) payload.agent = update.agent;
  if (update.tool !== undefined) payload.tool = update.tool;
  if (update.state !== undefined) payload.state = update.state;
  return payload;
}

/**
 * Reads a status payload from untrusted input (another process's ADK event, a remote A2A agent),
 * keeping only well-formed known fields; `undefined` for anything else. Never throws. A
 * `{ message, … }` object (what A2A metadata carried before the shapes were made one) is read too.
 */
export function parseStatusPayload(value: unknown): StatusEventMetadata | undefined {
  if (!isRecord(value)) return undefined;
  const data = value.type === 'status' ? value.data : value.type === undefined ? value.message : undefined;
  if (typeof data !== 'string') return undefined;
  const payload: StatusEventMetadata = { type: 'status', data, ts: typeof value.ts === 'string' ? value.ts : '' };
  if (isStatusLevel(value.level)) payload.level = value.level;
  if (isProgress(value.progress)) payload.progress = value.progress;
  if (typeof value.agent === 'string') payload.agent = value.agent;
  if (typeof value.tool === 'string') payload.tool = value.tool;
  if (isRunEndState(value.state)) payload.state = value.state;
  return payload;
}

/**
 * The first frame on every connection. `epoch` names the session's status history:
 * when it changes (the server restarted or forgot the session), `seq` starts again.
 */
export interface HelloFrame {
  type: 'hello';
  v: number;
  epoch: string;
  /** The session's latest `seq` (0 when it has none). */
  seq: number;
}

/**
 * Statuses `from`…`to` (inclusive) cannot be replayed: they fell out of the
 * history window (`expired`) or belong to a history the server no longer has (`reset`).
 * Never a silent partial replay: this frame always precedes whatever is replayed. A gap may also
 * come between statuses, live or replayed, where statuses numbered by another instance never
 * reached this one (a hole in the numbers).
 *
 * With `reset`, the client's `since`/`epoch` are void and `seq` restarted in a new epoch;
 * `from`…`to` is the part of the new history that cannot be replayed, and is empty
 * (`to < from`, e.g. `{from: 1, to: 0}`) when all of it follows.
 */
export interface GapFrame {
  type: 'gap';
  from: number;
  to: number;
  reason: 'expired' | 'reset';
}

/** The seed's chat frames, used by the example app. */
export interface AgentMessageFrame {
  type: 'agent_message';
  message: string;
}
export interface AgentTurnCompleteFrame {
  type: 'agent_turn_complete';
  turn_complete: true;
}
export interface AgentInterruptedFrame {
  type: 'agent_interrupted';
  interrupted: true;
}
/** A generic failure notice; never carries server internals. */
export interface ErrorFrame {
  type: 'error';
  message: string;
}

export type ServerFrame =
  | StatusFrame
  | HelloFrame
  | GapFrame
  | AgentMessageFrame
  | AgentTurnCompleteFrame
  | AgentInterruptedFrame
  | ErrorFrame;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isSeq(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

export function isStatusLevel(value: unknown): value is StatusLevel {
  return typeof value === 'string' && (STATUS_LEVELS as readonly string[]).includes(value);
}

export function isRunEndState(value: unknown): value is RunEndState {
  return typeof value === 'string' && (RUN_END_STATES as readonly string[]).includes(value);
}

export function isProgress(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 && value <= 100;
}

function parseStatus(raw: Record<string, unknown>): StatusFrame | undefined {
  if (typeof raw.data !== 'string' || !isSeq(raw.seq) || typeof raw.ts !== 'string') return undefined;
  const frame: StatusFrame = { type: 'status', data: raw.data, seq: raw.seq, ts: raw.ts };
  if (isStatusLevel(raw.level)) frame.level = raw.level;
  if (isProgress(raw.progress)) frame.progress = raw.progress;
  if (typeof raw.agent === 'string') frame.agent = raw.agent;
  if (typeof raw.tool === 'string') frame.tool = raw.tool;
  if (isRunEndState(raw.state)) frame.state = raw.state;
  if (raw.replay === true) frame.replay = true;
  return frame;
}

/**
 * Turns untrusted text (or an already-parsed value) into a known frame, or `undefined`.
 * Never throws. The result is a fresh object holding only the known fields, so hostile
 * input such as `{"__proto__": …}` cannot reach the caller's prototypes.
 *
 * A seed-era status frame without `seq`/`ts` is accepted with `seq: 0` and an empty `ts`.
 */
export function parseServerFrame(input: unknown): ServerFrame | undefined {
  let raw: unknown = input;
  if (typeof input === 'string') {
    try {
      raw = JSON.parse(input);
    } catch {
      return undefined;
    }
  }
  if (!isRecord(raw)) return undefined;
  switch (raw.type) {
    case 'status':
      if (raw.seq === undefined && raw.ts === undefined && typeof raw.data === 'string') {
        return parseStatus({ ...raw, seq: 0, ts: '' });
      }
      return parseStatus(raw);
    case 'hello':
      if (!isSeq(raw.v) || typeof raw.epoch !== 'string' || !isSeq(raw.seq)) return undefined;
      return { type: 'hello', v: raw.v, epoch: raw.epoch, seq: raw.seq };
    case 'gap':
      if (!isSeq(raw.from) || !isSeq(raw.to) || (raw.reason !== 'expired' && raw.reason !== 'reset')) {
        return undefined;
      }
      return { type: 'gap', from: raw.from, to: raw.to, reason: raw.reason };
    case 'agent_message':
      return typeof raw.message === 'string' ? { type: 'agent_message', message: raw.message } : undefined;
    case 'agent_turn_complete':
      return { type: 'agent_turn_complete', turn_complete: true };
    case 'agent_interrupted':
      return { type: 'agent_interrupted', interrupted: true };
    case 'error':
      return typeof raw.message === 'string' ? { type: 'error', message: raw.message } : undefined;
    default:
      return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// Server-Sent Events: the same frames over `text/event-stream`.
//
// `GET <path>/<sessionId>` with `Accept: text/event-stream`. Each frame is one event without an
// `event:` field (so `EventSource.onmessage` gets them all) whose `data:` is exactly the
// WebSocket frame's JSON. `status` events carry `id: <epoch>:<seq>` (an id never names a status
// not yet sent, so the `hello`, sent before the replay, has none); the browser
// sends the last one back as `Last-Event-ID` when it reconnects, which resumes exactly like
// `?since=<seq>&epoch=<epoch>` (that query works on SSE too). The stream opens with a `retry:`
// hint and carries a comment line every `sseHeartbeatMs`.
// ---------------------------------------------------------------------------------------------

/** The media type of an SSE stream (and what the request's `Accept` must name). */
export const SSE_CONTENT_TYPE = 'text/event-stream';

export const SSE_DEFAULTS = {
  /** A comment line this often keeps proxies from closing an idle stream. */
  heartbeatMs: 15_000,
  /** The `retry:` hint: how long a browser waits before it reconnects. */
  retryMs: 2_000,
} as const;

/** The SSE event id of a frame: `<epoch>:<seq>`. */
export function formatEventId(epoch: string, seq: number): string {
  return `${epoch}:${seq}`;
}

/** Reads `<epoch>:<seq>` (from `Last-Event-ID`); `undefined` for anything else. Never throws. */
export function parseEventId(id: unknown): { epoch: string; since: number } | undefined {
  if (typeof id !== 'string' || id.length > 128) return undefined;
  const colon = id.lastIndexOf(':');
  if (colon <= 0) return undefined;
  const seq = id.slice(colon + 1);
  if (!/^\d{1,15}$/.test(seq)) return undefined;
  return { epoch: id.slice(0, colon), since: Number(seq) };
}
