/**
 * One reader of an ADK run, for the UI streams (the AI SDK's UI message stream, AG-UI): it runs
 * the runner bound like `runWithStatus` does, with a destination of its own for the run's
 * statuses, and turns what happens into a few facts — text, thoughts, tool calls and results,
 * statuses, a failure, the end — that each encoder maps to its protocol. It decides once what
 * the UI sees, so the two encoders never disagree:
 *
 * - The answer appears exactly once: with `StreamingMode.SSE` each `partial` text event is a
 *   delta, and the aggregated event that repeats the whole text afterwards is not read again;
 *   without streaming, each text is one delta. Parts with `thought: true` are reasoning.
 * - Tools other than the status tools are tool calls, with ADK's function-call id; the status
 *   tools' own calls and responses are not (their argument IS the status text).
 * - Every status of the run reaches the reader once, live, through the run's `UiStream`
 *   destination; the copies ADK's event stream carries (`customMetadata.status_messenger`) are
 *   skipped. The run's end status (`state`) is the last status.
 * - A failure is the runner throwing, or ADK's own failure report: a run whose last event carries
 *   `errorCode` (a model that threw; ADK 2.0 does not throw then). Its text stays on the server:
 *   the part carries the error for the encoder's `onError` to map.
 * - The run advances only as the reader is read (a slow UI is not buffered without bound);
 *   statuses come as they are made. `cancel()` (the UI's client left, or stopped) aborts the
 *   run — the running tool sees its `abortSignal` — and nothing is read after it.
 */
import type { BaseAgent, Event } from '@google/adk';
import type { Part } from '@google/genai';
import type { StatusSink } from '../destinations/hub-session.js';
import { UiStream } from '../destinations/ui-stream.js';
import type { RunEndMessages } from '../binding/status-run.js';
import { STATUS_EVENT_METADATA_KEY, toStatusPayload } from '../protocol.js';
import type { StatusEventMetadata } from '../protocol.js';
import { runWithDestinations } from '../runner/run-with-status.js';
import type { StatusRunnable } from '../runner/run-with-status.js';
import { statusToolNamesIn } from '../tools/status-message-tool.js';

type RunAsyncParams = Parameters<StatusRunnable['runAsync']>[0];

/** `runWithStatus`'s parameters, with `hub` optional: a UI stream binds the run itself. */
export type ReadAdkRunParams = RunAsyncParams & {
  /** Also send the run's statuses to every connection of this hub session (other tabs, devices). */
  hub?: StatusSink;
  /** The hub's session id for the run. @default the ADK `sessionId` */
  statusSessionId?: string;
  /** The texts of the run's end status. */
  runEndMessages?: RunEndMessages;
};

/** What an ADK run told its UI, in order. */
export type RunPart =
  | { type: 'text-start' | 'text-end' | 'reasoning-start' | 'reasoning-end'; id: string }
  | { type: 'text-delta' | 'reasoning-delta'; id: string; delta: string }
  | { type: 'tool-call'; toolCallId: string; toolName: string; input: Record<string, unknown> }
  | { type: 'tool-result'; toolCallId: string; toolName: string; output: unknown }
  | { type: 'tool-error'; toolCallId: string; toolName: string; error: unknown }
  | { type: 'status'; status: StatusEventMetadata }
  /** The run failed; nothing follows. `error` is for the server (logs, `onError`), never shown as is. */
  | { type: 'error'; error: unknown }
  /** The run completed; nothing follows. */
  | { type: 'finish' };

/** ADK's report of a failure (a model that threw): an event with `errorCode` and `errorMessage`. */
export class AdkRunError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = 'AdkRunError';
    this.code = code;
  }
}

export interface AdkRunReader extends AsyncIterableIterator<RunPart> {
  /** Aborts the run (the running tool sees its `abortSignal`); nothing is read after it. Resolves once the run let go. */
  cancel(): Promise<void>;
}

type Block = { kind: 'text' | 'reasoning'; id: string; author: string | undefined };

/** Reads one run of `runner`; see the top of this file. Throws wiring bugs (bad params) at the call. */
export function readAdkRun(runner: StatusRunnable & { agent?: unknown }, params: ReadAdkRunParams, api: string): AdkRunReader {
  return new Reader(runner, params, api);
}

class Reader implements AdkRunReader {
  readonly #events: AsyncGenerator<Event, void, undefined>;
  readonly #controller = new AbortController();
  readonly #ui: UiStream;
  readonly #statusTools: ReadonlySet<string>;
  readonly #queue: RunPart[] = [];
  readonly #toolCalls = new Set<string>();
  #wake: (() => void) | undefined;
  #pending: Promise<IteratorResult<Event, void>> | undefined;
  #block: Block | undefined;
  #blocks = 0;
  /** Partial text was read since the last complete event: the next complete one repeats it. */
  #streamedBy: string | undefined | null = null;
  /** ADK's failure report, held until we know it was the run's last event. */
  #heldError: AdkRunError | undefined;
  #done = false;
  #cancelled: Promise<void> | undefined;

  constructor(runner: StatusRunnable & { agent?: unknown }, params: ReadAdkRunParams, api: string) {
    const agent = runner?.agent;
    this.#statusTools = new Set(statusToolNamesIn(typeof agent === 'object' && agent !== null ? (agent as BaseAgent) : undefined));
    this.#ui = new UiStream((status) => this.#push({ type: 'status', status: toStatusPayload(status) }));
    const own = this.#controller.signal;
    const abortSignal = params?.abortSignal ? AbortSignal.any([params.abortSignal, own]) : own;
    this.#events = runWithDestinations(runner, { ...params, abortSignal }, [this.#ui], api);
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<RunPart> {
    return this;
  }

  async next(): Promise<IteratorResult<RunPart, undefined>> {
    for (;;) {
      const part = this.#queue.shift();
      if (part) return { value: part, done: false };
      if (this.#done) return { value: undefined, done: true };
      this.#pending ??= this.#events.next();
      const pending = this.#pending;
      const statusCame = new Promise<'status'>((resolve) => (this.#wake = () => resolve('status')));
      let outcome: IteratorResult<Event, void> | 'status';
      try {
        outcome = await Promise.race([pending, statusCame]);
      } catch (error) {
        this.#pending = undefined;
        this.#finish({ type: 'error', error });
        continue;
      } finally {
        this.#wake = undefined;
      }
      if (outcome === 'status') continue;
      this.#pending = undefined;
      if (outcome.done) this.#finish(this.#heldError ? { type: 'error', error: this.#heldError } : { type: 'finish' });
      else this.#read(outcome.value);
    }
  }

  async return(): Promise<IteratorResult<RunPart, undefined>> {
    await this.cancel();
    return { value: undefined, done: true };
  }

  cancel(): Promise<void> {
    this.#cancelled ??= (async () => {
      // Nothing reaches the UI from here on: not a status, not the run's end.
      this.#ui.close();
      this.#done = true;
      this.#queue.length = 0;
      this.#controller.abort();
      // A step in flight ends once ADK sees the abort; then the run lets go of its session.
      await this.#pending?.catch(() => undefined);
      await this.#events.return(undefined).catch(() => undefined);
    })();
    return this.#cancelled;
  }

  #push(part: RunPart): void {
    if (this.#done) return;
    this.#queue.push(part);
    this.#wake?.();
  }

  #finish(last: RunPart): void {
    this.#endBlock();
    this.#push(last);
    this.#done = true;
  }

  #read(event: Event): void {
    if (event.customMetadata?.[STATUS_EVENT_METADATA_KEY] !== undefined) return; // the UiStream has it
    if (event.errorCode !== undefined || event.errorMessage !== undefined) {
      this.#endBlock();
      this.#heldError = new AdkRunError(String(event.errorCode ?? 'UNKNOWN_ERROR'), String(event.errorMessage ?? ''));
      return;
    }
    const parts = event.content?.parts ?? [];
    if (parts.length === 0) return; // usage metadata, a turn's end
    // Anything after ADK's failure report means the run went on (ADK retries after some errors).
    this.#heldError = undefined;
    const author = event.author;
    if (this.#block && this.#block.author !== author) this.#endBlock();
    if (this.#streamedBy !== null && this.#streamedBy !== author) this.#streamedBy = null;
    // With streaming, the complete event after the partials repeats their whole text: shown already.
    const repeats = !event.partial && this.#streamedBy !== null;
    for (const part of parts) this.#readPart(part, event, author, repeats);
    // A complete event ends whatever text it carried.
    if (!event.partial) {
      this.#streamedBy = null;
      this.#endBlock();
    }
  }

  #readPart(part: Part, event: Event, author: string | undefined, repeats: boolean): void {
    const call = part.functionCall;
    if (call) {
      const name = call.name ?? '';
      if (this.#statusTools.has(name)) return;
      const id = call.id ?? `${event.id}-${name}`;
      // With streaming, a call can come in a partial event and again in the aggregated one.
      if (this.#toolCalls.has(id)) return;
      this.#toolCalls.add(id);
      this.#endBlock();
      this.#push({ type: 'tool-call', toolCallId: id, toolName: name, input: call.args ?? {} });
      return;
    }
    const response = part.functionResponse;
    if (response) {
      const name = response.name ?? '';
      if (this.#statusTools.has(name)) return;
      const id = response.id ?? `${event.id}-${name}`;
      this.#endBlock();
      const output = response.response;
      // ADK hands a tool's throw to the model as `{ error: "Error in tool 'x': …" }`.
      const failed = typeof output === 'object' && output !== null && Object.keys(output).length === 1 && typeof (output as { error?: unknown }).error === 'string';
      if (failed) this.#push({ type: 'tool-error', toolCallId: id, toolName: name, error: new Error((output as { error: string }).error) });
      else this.#push({ type: 'tool-result', toolCallId: id, toolName: name, output });
      return;
    }
    if (typeof part.text !== 'string' || part.text === '' || repeats) return;
    if (event.partial) this.#streamedBy = author;
    const kind = part.thought === true ? 'reasoning' : 'text';
    if (this.#block?.kind !== kind) {
      this.#endBlock();
      this.#blocks += 1;
      const id = `${kind}-${event.invocationId || 'run'}-${this.#blocks}`;
      this.#block = { kind, id, author };
      this.#push({ type: kind === 'text' ? 'text-start' : 'reasoning-start', id });
    }
    this.#push({ type: kind === 'text' ? 'text-delta' : 'reasoning-delta', id: this.#block!.id, delta: part.text });
  }

  #endBlock(): void {
    const block = this.#block;
    if (!block) return;
    this.#block = undefined;
    this.#push({ type: block.kind === 'text' ? 'text-end' : 'reasoning-end', id: block.id });
  }
}
