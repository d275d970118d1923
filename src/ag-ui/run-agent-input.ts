/**
 * What an AG-UI `RunAgentInput` asks of an ADK run: checked with `@ag-ui/core`'s own schema, the
 * thread (the ADK session) and the run's ids, and the message the run answers — the last `user`
 * message, as an ADK `Content`. Everything else the client sends stays out of the run: the ADK
 * session keeps the conversation, and messages of role `activity` (statuses the client shows)
 * are never given to the model.
 */
import type { ContentPart, Message, RunAgentInput } from '@ag-ui/core';
import { RunAgentInputSchema } from '@ag-ui/core/schemas';
import type { Content, Part } from '@google/genai';

/** The fields of a `RunAgentInput` the run reads; `tools`, `context`, `state` may be absent, as on the wire. */
export type AgUiRunInput = Pick<RunAgentInput, 'threadId' | 'runId' | 'messages'> & Partial<RunAgentInput>;

export interface RunRequest {
  threadId: string;
  runId: string;
  /** The last user message, for ADK's `newMessage`. */
  newMessage: Content;
}

/** Reads `input`; a string says what is wrong with it (for a 400, or a throw at the call). Never throws. */
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
  const last = lastUserMessage(messages);
  if (!last) return '`messages` holds no user message to answer';
  const parts = toParts(last.content);
  if (parts.length === 0) return `the last user message (\`${last.id}\`) has no text or media`;
  return { threadId, runId, newMessage: { role: 'user', parts } };
}

function lastUserMessage(messages: readonly Message[]): Extract<Message, { role: 'user' }> | undefined {
  for (let i = messages.length - 1; i >= 0; i -= 1) {
    const message = messages[i]!;
    if (message.role === 'user') return message;
  }
  return undefined;
}

/** A user message's content as genai parts: text, and media carried inline (`data`) or by URL. */
function toParts(content: string | ContentPart[]): Part[] {
  if (typeof content === 'string') return content === '' ? [] : [{ text: content }];
  const parts: Part[] = [];
  for (const part of content) {
    if (part.type === 'text') {
      if (part.text !== '') parts.push({ text: part.text });
      continue;
    }
    const source = part.source;
    if (source.type === 'data') parts.push({ inlineData: { mimeType: source.mimeType, data: source.value } });
    else if (source.type === 'url') parts.push({ fileData: { fileUri: source.value, ...(source.mimeType ? { mimeType: source.mimeType } : {}) } });
    // A provider's file id (`source.type: 'file'`) means nothing to ADK's model: left out.
  }
  return parts;
}
