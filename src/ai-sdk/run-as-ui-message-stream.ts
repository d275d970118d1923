/**
 * One ADK run as an AI SDK UI message stream: the encoder over the shared reader of a run
 * (src/ui/adk-run-reader.ts), which decides what the UI sees. This file only maps each part to
 * its chunk and owns the stream's life:
 *
 * - pull-based: the run advances as the stream is read (a slow client is not buffered for);
 * - `cancel()` (the client left: `pipeUIMessageStreamToResponse` and fetch servers cancel the
 *   body) aborts the run through the reader, and nothing is sent after it;
 * - the run's `abortSignal` firing ends the stream with one `abort` chunk, as `streamText` does;
 * - a failure ends it with one `error` chunk whose text is `onError`'s, never the server's;
 * - nothing in here throws into the server once the stream exists.
 */
import { z } from 'zod';
import { StatusMessengerError } from '../errors.js';
import { getDefaultLogger } from '../logger.js';
import { defineOptions, opt, parseOptions } from '../options.js';
import type { StatusRunnable } from '../runner/run-with-status.js';
import { readAdkRun } from '../ui/adk-run-reader.js';
import type { AdkRunReader, ReadAdkRunParams, RunPart } from '../ui/adk-run-reader.js';
import type { AdkUIMessageChunk } from './ui-message-chunk.js';

const API = 'runAsUIMessageStream(runner, params, options)';

/** `runWithStatus`'s parameters, with `hub` optional: the stream binds the run itself. */
export type RunAsUIMessageStreamParams = ReadAdkRunParams;

/** How the run is written as chunks. Apart from `params`, so no key can collide with ADK's. */
export interface RunAsUIMessageStreamOptions {
  /**
   * Maps a failure to the text the user sees: a run that failed (the `error` chunk; the model
   * threw, ADK reported an `errorCode`, the runner threw) or a tool that threw (its
   * `tool-output-error`). As the AI SDK's own `onError`, it decides what may be shown; the
   * server's error text is never sent otherwise. A failed run is logged when this is not given.
   * @default () => 'An error occurred.'
   */
  onError?: (error: unknown) => string;
  /** Send ADK's thoughts (`thought: true` parts) as `reasoning-*` chunks. @default true */
  sendReasoning?: boolean;
  /** Send the run's end status (`state`: done, failed) as a last transient `data-status`. @default true */
  sendEndStatus?: boolean;
  /** Send the `start` chunk; turn off when merging this stream into one of your own. @default true */
  sendStart?: boolean;
  /** Send the `finish` chunk; turn off when merging this stream into one of your own. @default true */
  sendFinish?: boolean;
  /** The assistant message's id, sent in `start` (for apps that save messages). @default the client's own id */
  generateMessageId?: () => string;
}

const OPTIONS = defineOptions(API, {
  onError: opt.fn<(error: unknown) => string>().optional(),
  sendReasoning: z.boolean().optional(),
  sendEndStatus: z.boolean().optional(),
  sendStart: z.boolean().optional(),
  sendFinish: z.boolean().optional(),
  generateMessageId: opt.fn<() => string>().optional(),
});
const OPTION_KEYS = Object.keys(OPTIONS.schema.shape);

/** The text of a failure when no `onError` says otherwise: the AI SDK's own masked text. */
export const GENERIC_ERROR_TEXT = 'An error occurred.';

/**
 * Streams one run of `runner` as AI SDK UI message chunks (a `ReadableStream` of plain objects),
 * for `createUIMessageStreamResponse({ stream })` or `pipeUIMessageStreamToResponse({ response,
 * stream })`. `params` are `runWithStatus`'s (`hub` optional); `options` are the stream's own.
 * Throws wiring bugs (bad params or options) here, at the call; the run starts at the first read.
 */
export function runAsUIMessageStream(
  runner: StatusRunnable,
  params: RunAsUIMessageStreamParams,
  options?: RunAsUIMessageStreamOptions,
): ReadableStream<AdkUIMessageChunk> {
  const own = parseOptions(OPTIONS, options);
  if (typeof params === 'object' && params !== null) {
    const misplaced = Object.keys(params).find((key) => OPTION_KEYS.includes(key));
    if (misplaced) {
      throw new StatusMessengerError(
        'ERR_INVALID_OPTION',
        `${API}: \`${misplaced}\` is an option of the stream: pass it in \`options\` (the third argument), not in \`params\`.`,
      );
    }
  }
  const reader = readAdkRun(runner, params, 'runAsUIMessageStream(runner, params)');
  return new RunChunkStream(reader, own, params.abortSignal).stream;
}

type ParsedOptions = z.output<typeof OPTIONS.schema>;

class RunChunkStream {
  readonly stream: ReadableStream<AdkUIMessageChunk>;
  readonly #reader: AdkRunReader;
  readonly #options: ParsedOptions;
  readonly #signal: AbortSignal | undefined;
  readonly #onAbort = () => this.#abort();
  /** Tool calls sent so far: a result is only sent after its call. */
  readonly #toolCalls = new Set<string>();
  #controller!: ReadableStreamDefaultController<AdkUIMessageChunk>;
  #started = false;
  #closed = false;

  constructor(reader: AdkRunReader, options: ParsedOptions, signal: AbortSignal | undefined) {
    this.#reader = reader;
    this.#options = options;
    this.#signal = signal;
    this.stream = new ReadableStream<AdkUIMessageChunk>(
      {
        start: (controller) => {
          this.#controller = controller;
          if (signal?.aborted) this.#abort();
          else signal?.addEventListener('abort', this.#onAbort, { once: true });
        },
        pull: () => this.#pull(),
        cancel: () => this.#cancel(),
      },
      // Nothing is read ahead: the run takes its next step when the client asks for a chunk.
      { highWaterMark: 0 },
    );
  }

  async #pull(): Promise<void> {
    if (this.#closed) return;
    if (!this.#started) {
      this.#started = true;
      if (this.#options.sendStart !== false) {
        const messageId = this.#messageId();
        this.#enqueue(messageId === undefined ? { type: 'start' } : { type: 'start', messageId });
        return;
      }
    }
    // Until one chunk is out (some parts send none): a pull that enqueues nothing is called again
    // only while a read waits, and it does; this loop just saves the round trips.
    for (;;) {
      let next: IteratorResult<RunPart, undefined>;
      try {
        next = await this.#reader.next();
      } catch (error) {
        // The reader reports failures as parts; this is a bug of ours, still never the server's problem.
        next = { value: { type: 'error', error }, done: false };
      }
      if (this.#closed) return;
      if (next.done) {
        this.#close();
        return;
      }
      if (this.#write(next.value)) return;
    }
  }

  /** Writes one part's chunks; false when the part sends none. */
  #write(part: RunPart): boolean {
    switch (part.type) {
      case 'text-start':
      case 'text-end':
        return this.#enqueue({ type: part.type, id: part.id });
      case 'text-delta':
        return this.#enqueue({ type: 'text-delta', id: part.id, delta: part.delta });
      case 'reasoning-start':
      case 'reasoning-end':
        return this.#options.sendReasoning !== false && this.#enqueue({ type: part.type, id: part.id });
      case 'reasoning-delta':
        return this.#options.sendReasoning !== false && this.#enqueue({ type: 'reasoning-delta', id: part.id, delta: part.delta });
      case 'tool-call':
        this.#toolCalls.add(part.toolCallId);
        return this.#enqueue({ type: 'tool-input-available', toolCallId: part.toolCallId, toolName: part.toolName, input: part.input });
      case 'tool-result':
        this.#ensureToolCall(part);
        return this.#enqueue({ type: 'tool-output-available', toolCallId: part.toolCallId, output: part.output });
      case 'tool-error':
        this.#ensureToolCall(part);
        return this.#enqueue({ type: 'tool-output-error', toolCallId: part.toolCallId, errorText: this.#errorText(part.error, false) });
      case 'status':
        if (part.status.state !== undefined && this.#options.sendEndStatus === false) return false;
        return this.#enqueue({ type: 'data-status', data: part.status, transient: true });
      case 'error':
        this.#enqueue({ type: 'error', errorText: this.#errorText(part.error, true) });
        this.#close();
        return true;
      case 'finish':
        if (this.#options.sendFinish !== false) this.#enqueue({ type: 'finish' });
        this.#close();
        return true;
    }
  }

  /** The AI SDK's reader rejects a result for a call it never saw: send the call first. */
  #ensureToolCall(part: { toolCallId: string; toolName: string }): void {
    if (this.#toolCalls.has(part.toolCallId)) return;
    this.#toolCalls.add(part.toolCallId);
    this.#enqueue({ type: 'tool-input-available', toolCallId: part.toolCallId, toolName: part.toolName, input: {} });
  }

  #errorText(error: unknown, runFailed: boolean): string {
    const onError = this.#options.onError;
    if (!onError) {
      if (runFailed) getDefaultLogger().error('An ADK run streamed as a UI message stream failed; the client was sent a generic error.', error);
      return GENERIC_ERROR_TEXT;
    }
    try {
      const text = onError(error);
      return typeof text === 'string' ? text : GENERIC_ERROR_TEXT;
    } catch (thrown) {
      getDefaultLogger().warn('runAsUIMessageStream: `onError` threw; the client was sent a generic error.', thrown);
      return GENERIC_ERROR_TEXT;
    }
  }

  #messageId(): string | undefined {
    const generate = this.#options.generateMessageId;
    if (!generate) return undefined;
    try {
      const id = generate();
      return typeof id === 'string' && id !== '' ? id : undefined;
    } catch (error) {
      getDefaultLogger().warn('runAsUIMessageStream: `generateMessageId` threw; the client picks the message id.', error);
      return undefined;
    }
  }

  #enqueue(chunk: AdkUIMessageChunk): true {
    if (!this.#closed) this.#controller.enqueue(chunk);
    return true;
  }

  /** The run's abort signal fired: one `abort` chunk, as `streamText` sends, then the end. */
  #abort(): void {
    if (this.#closed) return;
    this.#enqueue({ type: 'abort' });
    this.#close();
    void this.#reader.cancel();
  }

  #close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#signal?.removeEventListener('abort', this.#onAbort);
    try {
      this.#controller.close();
    } catch {
      // Already closed or cancelled by its reader.
    }
  }

  /** The stream's reader left (the client disconnected or stopped): abort the run, send nothing more. */
  #cancel(): Promise<void> {
    this.#closed = true;
    this.#signal?.removeEventListener('abort', this.#onAbort);
    return this.#reader.cancel();
  }
}
