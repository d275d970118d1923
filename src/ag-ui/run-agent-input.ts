/**
 * What an AG-UI `RunAgentInput` asks of an ADK run: checked with `@ag-ui/core`'s own schema, the
 * thread (the ADK session) and the run's ids, and the message the run answers — the last `user`
 * message, as an ADK `Content` (media only inline: see src/ui/inline-media.ts). Everything else
 * the client sends stays out of the run: the ADK session keeps the conversation, and messages of
 * role `activity` (statuses the client shows) are never given to the model.
 */
import type { ContentPart, Message, RunAgentInput } from '@ag-ui/core';
import { RunAgentInputSchema } from '@ag-ui/core/schemas';
import type { Content, Part } from '@google/genai';
import { inlineData, inlineDataOfUrl } from '../ui/inline-media.js';

/** The fields of a `RunAgentInput` the run reads; `tools`, `context`, `state` may be absent, as on the wire. */
export type AgUiRunInput = Pick<RunAgentInput, 'threadId' | 'runId' | 'messages'> & Partial<RunAgentInput>;

export interface RunRequest {
  threadId: string;
  runId: string;
  /** The last user message, for ADK's `newMessage`. */
  newMessage: Content;
}

/**
 * Reads `input`; a string says what is wrong with it, as a sentence without its full stop (for a
 * 400, or a throw at the call). Never throws.
 */
export function readRunAgentInput(input: unknown): RunRequest | string {
  const checked = RunAgentInputSchema.safeParse(input);
  if (!checked.success) {
    const issue = checked.error.issues[0];
    const where = issue && issue.path.length > 0 ? ` at \`${issue.path.join('.')}\`` : '';
    return `not an AG-UI RunAgentInput${where}: ${issue?.message ?? 'invalid'}`;
  }
  const { threadId, runId, messages } = checked.data as AgUiRunInput;
  if (threadId === '') return '`threadId` is empty';
  if (runId === '') return '`runId` is empty';
  const last = lastTurn(messages);
  if (!last) return '`messages` holds no user message to answer';
  // A history that ends with the answer (a client retrying, a frontend tool's result) has no new
  // question: running its last user message again would put it in the ADK session twice.
  if (last.role !== 'user') return `the last message (\`${last.id}\`, role ${last.role}) is not a user message: nothing new to answer`;
  const parts = toParts(last);
  if (typeof parts === 'string') return parts;
  if (parts.length === 0) return `the last user message (\`${last.id}\`) has no text or media`;
  return { threadId, runId, newMessage: { role: 'user', parts } };
}

/** The last message of the conversation; statuses (`activity`) and reasoning the client kept are not turns. */
function lastTurn(messages: readonly Message[]): Message | undefined {
  if (!messages.some((m) => m.role === 'user')) return undefined;
  return messages.findLast((m) => m.role !== 'activity' && m.role !== 'reasoning');
}

/** A user message's content as genai parts: text, and media carried inline (`data`, or a data URL). */
function toParts(message: Extract<Message, { role: 'user' }>): Part[] | string {
  const { content } = message;
  if (typeof content === 'string') return content.trim() === '' ? [] : [{ text: content }];
  const parts: Part[] = [];
  for (const part of content) {
    if (part.type === 'text') {
      if (part.text.trim() !== '') parts.push({ text: part.text });
      continue;
    }
    const source = part.source;
    // A provider's file id (`source.type: 'file'`) means nothing to ADK's model: left out.
    if (source.type === 'file') continue;
    const inline = source.type === 'data' ? inlineData(source.mimeType, source.value) : inlineDataOfUrl(source.value, source.mimeType);
    if (typeof inline === 'string') {
      const what = source.type === 'data' ? 'data' : 'URL';
      return `the user message \`${message.id}\` has ${part.type === 'image' || part.type === 'audio' ? 'an' : 'a'} ${part.type} whose ${what} ${inline}`;
    }
    parts.push({ inlineData: inline });
  }
  return parts;
}
