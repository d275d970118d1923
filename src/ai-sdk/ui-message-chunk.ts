/**
 * The AI SDK UI message chunks an ADK run is streamed as (the UI message stream protocol v1,
 * which ai 5, 6 and 7 share), and the `data-status` part they carry. Plain object types: the
 * entry has no runtime dependency on `ai`, and each chunk type is a member of `UIMessageChunk`
 * in every supported version (the type tests check it against ai 5, 6 and 7).
 */
import type { StatusEventMetadata } from '../protocol.js';

/**
 * The data of a `data-status` part: the one status shape of every destination
 * (`{ type: 'status', data, ts, level?, progress?, agent?, tool?, state? }`). `data` is the text;
 * `state` is set on the run's end status only.
 */
export type StatusData = StatusEventMetadata;

/**
 * The data part types of an ADK run's messages, for the AI SDK's `UIMessage` type parameter:
 * `useChat<UIMessage<unknown, AdkDataTypes>>({ onData })` gives `onData` a typed `data-status`
 * part. Combine with your own: `UIMessage<MyMetadata, AdkDataTypes & MyDataTypes, MyTools>`.
 */
export type AdkDataTypes = { status: StatusData };

/**
 * The `data-status` chunk (and the part `onData` receives). Always `transient`: `useChat` hands
 * it to `onData` and never saves it in the message, so statuses never reach the history.
 */
export interface StatusDataChunk {
  type: 'data-status';
  data: StatusData;
  transient: true;
}

/** Every chunk `runAsUIMessageStream` sends. */
export type AdkUIMessageChunk =
  | { type: 'start'; messageId?: string }
  | { type: 'finish' }
  | { type: 'abort' }
  | { type: 'error'; errorText: string }
  | { type: 'text-start'; id: string }
  | { type: 'text-delta'; id: string; delta: string }
  | { type: 'text-end'; id: string }
  | { type: 'reasoning-start'; id: string }
  | { type: 'reasoning-delta'; id: string; delta: string }
  | { type: 'reasoning-end'; id: string }
  | { type: 'tool-input-available'; toolCallId: string; toolName: string; input: unknown }
  | { type: 'tool-output-available'; toolCallId: string; output: unknown }
  | { type: 'tool-output-error'; toolCallId: string; errorText: string }
  | StatusDataChunk;
