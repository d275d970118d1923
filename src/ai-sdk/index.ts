/**
 * `adk-status-messenger/ai-sdk`: an ADK run in the Vercel AI SDK's `useChat` — the answer
 * streaming, the tool calls and the run's live statuses in one UI message stream.
 *
 * ```ts
 * const { id, messages } = await req.json();
 * await runner.sessionService.getOrCreateSession({ appName, userId, sessionId: id });
 * return createUIMessageStreamResponse({
 *   stream: runAsUIMessageStream(runner, { userId, sessionId: id, newMessage: toAdkContent(messages.at(-1)), abortSignal: req.signal }),
 * });
 * ```
 *
 * No runtime dependency on `ai`: the chunks are plain objects. `ai` (5, 6 or 7) is an optional
 * peer, for the types below.
 */
import type { UIMessage, UITools } from 'ai';
import type { AdkDataTypes } from './ui-message-chunk.js';

export { runAsUIMessageStream, GENERIC_ERROR_TEXT } from './run-as-ui-message-stream.js';
export type { RunAsUIMessageStreamOptions, RunAsUIMessageStreamParams } from './run-as-ui-message-stream.js';
export { toAdkContent } from './to-adk-content.js';
export type { UIMessageLike } from './to-adk-content.js';
export type { AdkDataTypes, AdkUIMessageChunk, StatusData, StatusDataChunk } from './ui-message-chunk.js';
export { AdkRunError } from '../ui/adk-run-reader.js';

/**
 * An AI SDK `UIMessage` of an ADK chat: `useChat<AdkUIMessage>({ onData })` types the
 * `data-status` parts `onData` receives. With data parts of your own:
 * `UIMessage<MyMetadata, AdkDataTypes & MyDataTypes, MyTools>`.
 */
export type AdkUIMessage<METADATA = unknown, TOOLS extends UITools = UITools> = UIMessage<METADATA, AdkDataTypes, TOOLS>;
