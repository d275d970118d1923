/**
 * `toAgUiEvents`: one ADK run as AG-UI events, for any transport. It is an encoder over the one
 * reader of an ADK run (src/ui/adk-run-reader.ts): the reader decides what the UI sees (text
 * once, thoughts, tool calls with ADK's ids, every status of the run live, a failure, the end);
 * this file only says it in AG-UI's words. The mapping, event by event, is in docs/ag-ui.md.
 *
 * - `RUN_STARTED` first; `RUN_FINISHED` (`outcome: cancelled` when the run was aborted) or
 *   `RUN_ERROR` last. A failure's text stays on the server: `RUN_ERROR.message` is what `onError`
 *   makes of it (a generic sentence by default).
 * - Statuses are `ACTIVITY_SNAPSHOT`s of type `STATUS`, one activity message per run (its id
 *   `status-<runId>`, never a text message's): each status replaces the last, the run's end
 *   status (`state`) included, so a chat shows one live status line per run.
 * - Tool calls are `STEP_STARTED` / `STEP_FINISHED` pairs named after the tool, and a
 *   `transfer_to_agent` opens a step named after the agent that takes over, until it hands back.
 */
import { EventType } from '@ag-ui/core';
import type { BaseEvent } from '@ag-ui/core';
import { StreamingMode } from '@google/adk';
import type { BaseSessionService, Event, RunConfig } from '@google/adk';
import { z } from 'zod';
import { runEndMessagesOption } from '../binding/status-run.js';
import type { RunEndMessages } from '../binding/status-run.js';
import { isStatusSink } from '../destinations/hub-session.js';
import type { StatusSink } from '../destinations/hub-session.js';
import { StatusMessengerError } from '../errors.js';
import { getDefaultLogger } from '../logger.js';
import type { Logger } from '../logger.js';
import { defineOptions, opt, parseOptions } from '../options.js';
import type { StatusEventMetadata } from '../protocol.js';
import type { StatusRunnable } from '../runner/run-with-status.js';
import { readAdkRun } from '../ui/adk-run-reader.js';
import type { AdkRunReader, RunPart } from '../ui/adk-run-reader.js';
import { readRunAgentInput } from './run-agent-input.js';
import type { AgUiRunInput } from './run-agent-input.js';

/** The `activityType` of the activity messages that carry a run's statuses. */
export const STATUS_ACTIVITY_TYPE = 'STATUS';

/** What an activity message of type `STATUS` holds: the status wire shape, as every other destination gets it. */
export type AgUiStatusContent = StatusEventMetadata;

/** The part of an ADK `Runner` the AG-UI entry uses; `Runner` and `InMemoryRunner` fit. */
export interface AgUiRunnable extends StatusRunnable {
  readonly appName: string;
  readonly agent?: unknown;
  readonly sessionService: Pick<BaseSessionService, 'getOrCreateSession'>;
}

export interface ToAgUiEventsOptions {
  /** The ADK user the thread belongs to. */
  userId: string;
  /** Also send the run's statuses to every WebSocket/SSE connection of this hub's session `threadId`. @default none */
  hub?: StatusSink;
  /** ADK's run config; `streamingMode` defaults to `StreamingMode.SSE`, so the answer streams. @default { streamingMode: StreamingMode.SSE } */
  runConfig?: RunConfig;
  /**
   * The texts of the run's end status, by how it ended.
   * @default { done: 'Done', failed: 'Something went wrong. Please try again.', aborted: 'Stopped' }
   */
  runEndMessages?: RunEndMessages;
  /**
   * The text the client sees for a failure: `RUN_ERROR.message` for the run, the `error` of a
   * tool's `TOOL_CALL_RESULT`. Server error text never reaches the client unless you return it.
   * @default () => 'An error occurred.' (the run's failure is logged)
   */
  onError?: (error: unknown) => string;
  /** Stops the run from the server's side: the stream ends with the `aborted` status and `RUN_FINISHED` (`outcome: cancelled`). @default none */
  abortSignal?: AbortSignal;
  /** Where run failures are logged when there is no `onError`. @default the default logger */
  logger?: Logger;
}

/** The AG-UI events of one run. `return()` stops the run at once (the client left): nothing is yielded after it. */
export interface AgUiEventStream extends AsyncIterableIterator<BaseEvent> {
  return(): Promise<IteratorResult<BaseEvent, undefined>>;
}

const API = 'toAgUiEvents(runner, input, options)';
export const GENERIC_ERROR_TEXT = 'An error occurred.';
const TRANSFER_TOOL = 'transfer_to_agent';

/** The options both AG-UI functions take, for their schemas. */
export const sharedOptionShapes = {
  hub: z.custom<StatusSink>(isStatusSink, { message: 'a StatusHub' }).optional(),
  runConfig: z.custom<RunConfig>((v) => typeof v === 'object' && v !== null && !Array.isArray(v), { message: 'an ADK RunConfig object' }).optional(),
  runEndMessages: runEndMessagesOption.optional(),
  onError: opt.fn<(error: unknown) => string>().optional(),
  logger: z.custom<Logger>((v) => typeof (v as Logger | undefined)?.error === 'function', { message: 'a Logger' }).optional(),
};

const OPTIONS = defineOptions(API, {
  userId: z.string().min(1),
  ...sharedOptionShapes,
  abortSignal: opt.abortSignal().optional(),
});

/** Throws a wiring bug's error unless `runner` is an ADK runner with a session service. */
export function assertAgUiRunnable(runner: unknown, api: string): asserts runner is AgUiRunnable {
  const r = runner as Partial<AgUiRunnable> | null | undefined;
  if (typeof r?.runAsync === 'function' && typeof r.appName === 'string' && typeof r.sessionService?.getOrCreateSession === 'function') return;
  throw new StatusMessengerError(
    'ERR_INVALID_OPTION',
    `${api}: expected \`runner\` to be an ADK Runner (with \`appName\`, \`sessionService\` and \`runAsync\`), got \`${runner === null ? 'null' : typeof runner}\``,
  );
}

/**
 * The AG-UI events of one ADK run: `input.threadId` is the ADK session (created on first use) and
 * the hub's status session; the last user message of `input.messages` is the run's new message.
 * Wiring bugs and an input that is not a `RunAgentInput` throw here (`ERR_INVALID_OPTION`); what
 * happens in the run arrives as events.
 */
export function toAgUiEvents(runner: AgUiRunnable, input: AgUiRunInput, options: ToAgUiEventsOptions): AgUiEventStream {
  assertAgUiRunnable(runner, API);
  const own = parseOptions(OPTIONS, options);
  const request = readRunAgentInput(input);
  if (typeof request === 'string') throw new StatusMessengerError('ERR_INVALID_OPTION', `${API}: invalid \`input\`: ${request}.`);
  const { threadId, runId, newMessage } = request;
  const logger = own.logger ?? getDefaultLogger();
  const reader = readAdkRun(
    withSession(runner),
    {
      userId: own.userId,
      sessionId: threadId,
      newMessage,
      runConfig: { streamingMode: StreamingMode.SSE, ...own.runConfig },
      hub: own.hub,
      runEndMessages: own.runEndMessages,
      abortSignal: own.abortSignal,
    },
    API,
  );
  const root = (runner.agent as { name?: unknown } | undefined)?.name;
  return new EventStream(reader, {
    threadId,
    runId,
    root: typeof root === 'string' ? root : undefined,
    onError: own.onError,
    logger,
    signal: own.abortSignal,
  });
}

/**
 * The runner with the thread's ADK session made on first use. The session is made inside the run
 * (under its session lock): two first runs of one thread cannot both create it, and the second
 * overwrite the first's history.
 */
function withSession(runner: AgUiRunnable): AgUiRunnable {
  return {
    appName: runner.appName,
    agent: runner.agent,
    sessionService: runner.sessionService,
    runAsync(params) {
      return (async function* (): AsyncGenerator<Event, void, undefined> {
        await runner.sessionService.getOrCreateSession({ appName: runner.appName, userId: params.userId, sessionId: params.sessionId });
        if (params.abortSignal?.aborted) return;
        yield* runner.runAsync(params);
      })();
    },
  };
}

interface StreamContext {
  threadId: string;
  runId: string;
  /** The root agent: a transfer back to it closes the agent step. */
  root: string | undefined;
  onError: ((error: unknown) => string) | undefined;
  logger: Logger;
  /** The caller's abort signal: a run it stopped finishes `cancelled`. */
  signal: AbortSignal | undefined;
}

class EventStream implements AgUiEventStream {
  readonly #reader: AdkRunReader;
  readonly #context: StreamContext;
  readonly #queue: BaseEvent[];
  readonly #steps = new Steps();
  /** The arguments of open `transfer_to_agent` calls: whom they hand over to. */
  readonly #transfers = new Map<string, unknown>();
  #agentStep: string | undefined;
  #ended = false;

  constructor(reader: AdkRunReader, context: StreamContext) {
    this.#reader = reader;
    this.#context = context;
    this.#queue = [{ type: EventType.RUN_STARTED, threadId: context.threadId, runId: context.runId }];
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<BaseEvent> {
    return this;
  }

  async next(): Promise<IteratorResult<BaseEvent, undefined>> {
    for (;;) {
      const event = this.#queue.shift();
      if (event) return { value: event, done: false };
      if (this.#ended) return { value: undefined, done: true };
      const result = await this.#reader.next();
      if (this.#ended) return { value: undefined, done: true }; // stopped while the run was read
      if (result.done) this.#ended = true;
      else this.#encode(result.value);
    }
  }

  async return(): Promise<IteratorResult<BaseEvent, undefined>> {
    this.#ended = true;
    this.#queue.length = 0;
    await this.#reader.cancel();
    return { value: undefined, done: true };
  }

  #push(event: BaseEvent): void {
    this.#queue.push(event);
  }

  #encode(part: RunPart): void {
    switch (part.type) {
      case 'text-start':
        return this.#push({ type: EventType.TEXT_MESSAGE_START, messageId: part.id, role: 'assistant' });
      case 'text-delta':
        return this.#push({ type: EventType.TEXT_MESSAGE_CONTENT, messageId: part.id, delta: part.delta });
      case 'text-end':
        return this.#push({ type: EventType.TEXT_MESSAGE_END, messageId: part.id });
      case 'reasoning-start':
        // One span holding one reasoning message, under one id (as ag_ui_adk does).
        this.#push({ type: EventType.REASONING_START, messageId: part.id });
        return this.#push({ type: EventType.REASONING_MESSAGE_START, messageId: part.id, role: 'reasoning' });
      case 'reasoning-delta':
        return this.#push({ type: EventType.REASONING_MESSAGE_CONTENT, messageId: part.id, delta: part.delta });
      case 'reasoning-end':
        this.#push({ type: EventType.REASONING_MESSAGE_END, messageId: part.id });
        return this.#push({ type: EventType.REASONING_END, messageId: part.id });
      case 'tool-call':
        this.#step(this.#steps.open(part.toolName));
        if (part.toolName === TRANSFER_TOOL) this.#transfers.set(part.toolCallId, part.input.agentName);
        this.#push({ type: EventType.TOOL_CALL_START, toolCallId: part.toolCallId, toolCallName: part.toolName });
        this.#push({ type: EventType.TOOL_CALL_ARGS, toolCallId: part.toolCallId, delta: json(part.input) });
        return this.#push({ type: EventType.TOOL_CALL_END, toolCallId: part.toolCallId });
      case 'tool-result':
      case 'tool-error': {
        const failed = part.type === 'tool-error';
        const content = failed ? json({ error: this.#errorText(part.error, false) }) : json(part.output);
        this.#push({ type: EventType.TOOL_CALL_RESULT, messageId: `result-${part.toolCallId}`, toolCallId: part.toolCallId, content, role: 'tool' });
        this.#step(this.#steps.close(part.toolName));
        const to = this.#transfers.get(part.toolCallId);
        this.#transfers.delete(part.toolCallId);
        if (!failed && typeof to === 'string') this.#handOver(to);
        return;
      }
      case 'status':
        return this.#push({
          type: EventType.ACTIVITY_SNAPSHOT,
          messageId: `status-${this.#context.runId}`,
          activityType: STATUS_ACTIVITY_TYPE,
          content: { ...part.status },
        });
      case 'error':
        this.#closeSteps();
        this.#push({ type: EventType.RUN_ERROR, message: this.#errorText(part.error, true) });
        this.#ended = true;
        return;
      case 'finish':
        this.#closeSteps();
        this.#push({
          type: EventType.RUN_FINISHED,
          threadId: this.#context.threadId,
          runId: this.#context.runId,
          // Stopped from the server's side (the client's leaving sends nothing more).
          ...(this.#context.signal?.aborted ? { outcome: { type: 'cancelled' } } : {}),
        });
        this.#ended = true;
        return;
    }
  }

  /** The agent `to` takes over: its step opens, the previous agent's closes; none for the root agent. */
  #handOver(to: string): void {
    if (this.#agentStep !== undefined) this.#step(this.#steps.close(this.#agentStep));
    this.#agentStep = to === this.#context.root ? undefined : to;
    if (this.#agentStep !== undefined) this.#step(this.#steps.open(this.#agentStep));
  }

  #closeSteps(): void {
    for (const event of this.#steps.closeAll()) this.#push(event);
  }

  #step(event: BaseEvent | undefined): void {
    if (event) this.#push(event);
  }

  /** What the client sees of `error`: `onError`'s text, else the generic one (a run's failure logged). */
  #errorText(error: unknown, ofRun: boolean): string {
    const { onError, logger, threadId } = this.#context;
    if (!onError) {
      if (ofRun) logger.error(`${API}: the run of thread ${JSON.stringify(threadId)} failed:`, error);
      return GENERIC_ERROR_TEXT;
    }
    try {
      const text = onError(error);
      if (typeof text === 'string' && text !== '') return text;
      logger.warn(`${API}: \`onError\` returned ${JSON.stringify(text)}, not a non-empty string; the client gets the generic text.`);
    } catch (thrown) {
      logger.warn(`${API}: \`onError\` threw; the client gets the generic text.`, thrown);
    }
    return GENERIC_ERROR_TEXT;
  }
}

/**
 * Open steps by name. A name opens once however many calls of it overlap (a model can call one
 * tool twice in a turn): AG-UI allows one open step per name.
 */
class Steps {
  readonly #open = new Map<string, number>();

  open(name: string): BaseEvent | undefined {
    const count = this.#open.get(name) ?? 0;
    this.#open.set(name, count + 1);
    return count === 0 ? { type: EventType.STEP_STARTED, stepName: name } : undefined;
  }

  close(name: string): BaseEvent | undefined {
    const count = this.#open.get(name) ?? 0;
    if (count === 0) return undefined;
    if (count > 1) {
      this.#open.set(name, count - 1);
      return undefined;
    }
    this.#open.delete(name);
    return { type: EventType.STEP_FINISHED, stepName: name };
  }

  /** Finishes every open step, the latest first. */
  closeAll(): BaseEvent[] {
    const names = [...this.#open.keys()].reverse();
    this.#open.clear();
    return names.map((stepName) => ({ type: EventType.STEP_FINISHED, stepName }));
  }
}

/** Tool arguments and results as AG-UI carries them: JSON text. Never throws. */
function json(value: unknown): string {
  try {
    return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)) ?? 'null';
  } catch {
    return JSON.stringify(String(value));
  }
}
