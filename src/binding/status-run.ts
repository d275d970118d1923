/**
 * A run's statuses, from whoever makes them to the run's destinations. `StatusRun.send` is the
 * one path a status takes: checked once (`normalizeStatus`: bad fields throw), cut with `…` to the
 * smallest limit of the run's destinations, then handed to each destination (src/destinations/).
 * Whoever opens a run — `runWithStatus`, `withStatusSession`, `StatusPlugin`, `withA2AStatus`, the
 * UI streams — gives it its destinations and ends it with one `state` status.
 *
 * The end of a run (see the top of src/protocol.ts for why it is a status): `done` and `aborted`
 * are sent only after a run that showed at least one status, so a tab that opens late never
 * shows a finished run's working status as current and a run that showed nothing adds nothing;
 * `failed` is always sent, since the user must learn that their request failed. The texts are
 * generic on purpose (server internals never reach a viewer) and can be replaced
 * (`runEndMessages`, for apps not in English). After its end, or once its abort signal fired, a run
 * takes no more statuses.
 */
import type { Context } from '@google/adk';
import { z } from 'zod';
import { ADK_EVENT_STREAM, hasLiveChannel } from '../destinations/adk-event-stream.js';
import type { StatusDestination, StatusOrigin } from '../destinations/destination.js';
import { getDefaultLogger } from '../logger.js';
import type { Logger } from '../logger.js';
import { DEFAULT_MAX_STATUS_LENGTH } from '../protocol.js';
import type { RunEndState, StatusInput, StatusLevel, StatusUpdate } from '../protocol.js';
import { cutStatus, normalizeStatus } from '../status.js';
import { currentStatusSession, currentToolCall } from './context.js';
import type { AdkRunIds, StatusDelivery, StatusSendOptions, StatusSession } from './context.js';
import { enclosingToolCall, latestToolCall, routeForToolCall } from './routes.js';

/** The texts of the end-of-run statuses, by how the run ended. */
export type RunEndMessages = Partial<Record<RunEndState, string>>;

/** The default end-of-run statuses. */
export const RUN_END_STATUSES: Readonly<Record<RunEndState, Readonly<{ message: string; level: StatusLevel }>>> = Object.freeze({
  done: Object.freeze({ message: 'Done', level: 'success' }),
  failed: Object.freeze({ message: 'Something went wrong. Please try again.', level: 'error' }),
  aborted: Object.freeze({ message: 'Stopped', level: 'warning' }),
} as const);

/** The `runEndMessages` option, for the APIs that open runs. */
export const runEndMessagesOption = z.strictObject({
  done: z.string().trim().min(1).optional(),
  failed: z.string().trim().min(1).optional(),
  aborted: z.string().trim().min(1).optional(),
});

export interface StatusRunInit {
  /** The status session id (the hub's `/ws/<sessionId>`, the listeners' `sessionId`). */
  sessionId: string;
  adk?: AdkRunIds | undefined;
  destinations: readonly StatusDestination[];
  runEndMessages?: RunEndMessages | undefined;
  /** The run's abort signal: once it fires the run takes no more statuses (its end status aside). */
  signal?: AbortSignal | undefined;
}

/** How many AgentTool calls deep a sub-run's status climbs to the stream that is forwarded. */
const MAX_NESTING = 8;

interface Held {
  status: StatusUpdate;
  origin: StatusOrigin;
  skipEvents: boolean;
  timer: NodeJS.Timeout;
}

export class StatusRun implements StatusSession {
  readonly sessionId: string;
  readonly adk: Readonly<AdkRunIds> | undefined;
  readonly #destinations: readonly StatusDestination[];
  readonly #maxLength: number;
  readonly #endMessages: RunEndMessages;
  readonly #warned = new Set<StatusDestination>();
  readonly #viewable: boolean;
  readonly #signal: AbortSignal | undefined;
  #shown = false;
  #ended: RunEndState | undefined;
  #lastThrottled = Number.NEGATIVE_INFINITY;
  #held: Held | undefined;

  constructor(init: StatusRunInit) {
    this.sessionId = init.sessionId;
    this.adk = init.adk ? Object.freeze({ ...init.adk }) : undefined;
    this.#destinations = Object.freeze([...init.destinations]);
    let maxLength = DEFAULT_MAX_STATUS_LENGTH;
    for (const destination of this.#destinations) if (destination.maxLength !== undefined) maxLength = Math.min(maxLength, destination.maxLength);
    this.#maxLength = maxLength;
    this.#endMessages = { ...init.runEndMessages };
    this.#viewable = this.#destinations.some((d) => d.kind !== 'adk-events' && d.kind !== 'listeners');
    this.#signal = init.signal;
  }

  /** Whether the run showed a status (its own end status aside). */
  get shown(): boolean {
    return this.#shown;
  }

  /** How the run ended, once it did. */
  get ended(): RunEndState | undefined {
    return this.#ended;
  }

  send(status: StatusInput, options: StatusSendOptions = {}): StatusDelivery {
    const { update, truncated } = cutStatus(normalizeStatus(status, Number.POSITIVE_INFINITY), this.#maxLength);
    // A run that ended, or was aborted (nobody waits for it any more), shows nothing new.
    if (this.#ended !== undefined || this.#signal?.aborted === true) return { viewers: 0, delivered: false, viewable: this.#viewable, eventStream: false };
    this.#shown = true;
    const skipEvents = options.eventStream === false;
    const origin: StatusOrigin = skipEvents ? {} : { toolCall: streamTarget(options.toolContext, this.adk) };
    const throttleMs = options.throttleMs ?? 0;
    let delivery: StatusDelivery;
    if (throttleMs > 0 && update.level !== 'error') delivery = this.#throttled(update, origin, skipEvents, throttleMs);
    else {
      this.flush();
      delivery = this.#deliver(update, origin, skipEvents, 'all');
    }
    if (truncated) delivery.truncated = true;
    return delivery;
  }

  /** Sends what a throttle holds back now (nothing, once the run was aborted: nobody waits for it). */
  flush(): void {
    const held = this.#held;
    if (!held) return;
    this.#held = undefined;
    clearTimeout(held.timer);
    if (this.#signal?.aborted === true) return;
    this.#lastThrottled = Date.now();
    this.#deliver(held.status, held.origin, held.skipEvents, 'others');
  }

  /**
   * Ends the run: what is held goes out, then the end status (see the top of this file), then
   * the destinations close. Later calls do nothing. Never throws.
   */
  end(state: RunEndState): void {
    if (this.#ended !== undefined) return;
    this.flush();
    this.#ended = state;
    if (state === 'failed' || this.#shown) {
      const { message, level } = RUN_END_STATUSES[state];
      const text = this.#endMessages[state] ?? message;
      const { update } = cutStatus({ message: text, level, state }, this.#maxLength);
      this.#deliver(update, {}, false, 'all');
    }
    for (const destination of this.#destinations) {
      try {
        destination.close?.();
      } catch (error) {
        getDefaultLogger().warn(`A ${destination.kind} status destination threw in close(); the run ended all the same.`, error);
      }
    }
  }

  #throttled(update: StatusUpdate, origin: StatusOrigin, skipEvents: boolean, throttleMs: number): StatusDelivery {
    const now = Date.now();
    const eventStream = this.#deliver(update, origin, skipEvents, 'every');
    if (this.#held) {
      this.#held.status = update;
      this.#held.origin = origin;
      this.#held.skipEvents = skipEvents;
      return { ...eventStream, held: true };
    }
    if (now - this.#lastThrottled >= throttleMs) {
      this.#lastThrottled = now;
      const others = this.#deliver(update, origin, skipEvents, 'others');
      return { ...others, eventStream: eventStream.eventStream };
    }
    const timer = setTimeout(() => this.flush(), this.#lastThrottled + throttleMs - now);
    timer.unref();
    this.#held = { status: update, origin, skipEvents, timer };
    return { ...eventStream, held: true };
  }

  /** Hands `update` to the destinations `which` names; a destination that throws is logged once and skipped. */
  #deliver(update: StatusUpdate, origin: StatusOrigin, skipEvents: boolean, which: 'all' | 'every' | 'others'): StatusDelivery {
    let viewers = 0;
    let eventStream = false;
    for (const destination of this.#destinations) {
      const every = destination.every === true;
      if ((which === 'every' && !every) || (which === 'others' && every)) continue;
      if (skipEvents && destination.kind === 'adk-events') continue;
      let reached = 0;
      try {
        reached = destination.deliver(update, origin);
      } catch (error) {
        this.#warnOnce(destination, error);
        continue;
      }
      if (destination.kind === 'adk-events') eventStream ||= reached > 0;
      else viewers += reached;
    }
    return { viewers, delivered: viewers > 0, viewable: this.#viewable, eventStream };
  }

  #warnOnce(destination: StatusDestination, error: unknown): void {
    if (this.#warned.has(destination)) return;
    this.#warned.add(destination);
    (getDefaultLogger() as Logger).warn(`A ${destination.kind} status destination threw; its statuses are skipped, the run goes on.`, error);
  }
}

/**
 * The run the current code is part of: the one bound to the async context, else the one
 * registered for tool call `ctx` (or, in an AgentTool's sub-run, for the call that encloses it).
 */
export function statusSessionFor(ctx?: Context): StatusSession | undefined {
  return currentStatusSession() ?? routeForToolCall(ctx);
}

/**
 * The tool call whose run's event stream a status made in `ctx` belongs to: the outermost call a
 * wrapper bound, or the open call that encloses an AgentTool's sub-run (its own stream is read by
 * AgentTool and dropped), else `ctx` itself. Without `ctx`: the bound call, else the newest open
 * call of the run's ADK session.
 */
export function streamTarget(ctx: Context | undefined, adk?: AdkRunIds): Context | undefined {
  const bound = currentToolCall();
  const call = ctx ?? bound ?? latestToolCall(adk);
  if (!call) return undefined;
  if (bound && bound.invocationId !== call.invocationId) return bound;
  let target = call;
  for (let depth = 0; depth < MAX_NESTING; depth += 1) {
    // A call left open by a run that died (aborted mid-tool) has no live channel: not a parent.
    const enclosing = enclosingToolCall(target);
    if (!enclosing || !hasLiveChannel(enclosing)) break;
    target = enclosing;
  }
  return target;
}

/**
 * A status made in a tool call of a run nobody bound (a plain `runner.runAsync`, `adk api_server`
 * without the plugin): only that run's own event stream can take it. Checked like any other.
 */
export function sendToEventStream(ctx: Context | undefined, status: StatusInput): StatusDelivery {
  const { update, truncated } = cutStatus(normalizeStatus(status, Number.POSITIVE_INFINITY), DEFAULT_MAX_STATUS_LENGTH);
  const toolCall = streamTarget(ctx);
  const eventStream = toolCall ? ADK_EVENT_STREAM.deliver(update, { toolCall }) > 0 : false;
  const delivery: StatusDelivery = { viewers: 0, delivered: false, viewable: false, eventStream };
  if (truncated) delivery.truncated = true;
  return delivery;
}
