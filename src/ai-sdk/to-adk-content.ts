/**
 * An AI SDK `UIMessage` (the last user message of `useChat`'s POST body) as the ADK `Content` a
 * run takes as `newMessage`. Only what a user message holds is read: text parts, and file parts
 * as inline data. Everything else a client may send (tool, reasoning, data parts) is not the
 * user's words and is left out. ADK's session keeps the conversation, so the earlier messages of
 * the body are not read at all.
 *
 * The message comes from the browser, so it is checked here, not trusted: a message ADK cannot
 * take (not a user message, nothing to send, a file that is not a data URL) throws
 * `ERR_INVALID_MESSAGE` — answer 400. An empty message never reaches `runAsync` (it throws on
 * empty parts).
 */
import type { Content, Part } from '@google/genai';
import { StatusMessengerError } from '../errors.js';
import { inlineDataOfUrl } from '../ui/inline-media.js';

/** The part of an AI SDK `UIMessage` that is read; the `UIMessage` of ai 5, 6 and 7 fits, and so does a literal. */
export interface UIMessageLike {
  readonly id?: string;
  readonly role: string;
  readonly metadata?: unknown;
  readonly parts: readonly { readonly type: string; readonly [field: string]: unknown }[];
}

function invalid(reason: string): never {
  throw new StatusMessengerError('ERR_INVALID_MESSAGE', `toAdkContent(message): ${reason}`);
}

/** The ADK `Content` of a user `UIMessage`. Throws `ERR_INVALID_MESSAGE` for one ADK cannot take. */
export function toAdkContent(message: UIMessageLike): Content {
  if (typeof message !== 'object' || message === null) invalid('expected a UIMessage object');
  if (message.role !== 'user') invalid(`expected a user message, got role ${JSON.stringify(String(message.role))}`);
  if (!Array.isArray(message.parts)) invalid('expected `parts` to be an array');
  const parts: Part[] = [];
  for (const part of message.parts as readonly Record<string, unknown>[]) {
    if (typeof part !== 'object' || part === null) continue;
    if (part.type === 'text') {
      if (typeof part.text !== 'string') invalid('a text part has no `text` string');
      if (part.text.trim() !== '') parts.push({ text: part.text });
    } else if (part.type === 'file') {
      parts.push(filePart(part));
    }
  }
  if (parts.length === 0) invalid('the message has no text or file to send');
  return { role: 'user', parts };
}

/** A file part as inline data: only data URLs (see src/ui/inline-media.ts). */
function filePart(part: Record<string, unknown>): Part {
  const { url, mediaType } = part;
  if (typeof url !== 'string') invalid('a file part has no `url` string');
  const inline = inlineDataOfUrl(url, mediaType);
  if (typeof inline === 'string') invalid(`a file part's url ${inline}`);
  return { inlineData: inline };
}
