/**
 * The ai-sdk entry's types against the AI SDK's own, for ai 5, 6 and 7: every chunk we send is
 * a `UIMessageChunk` of each, the stream fits each version's server helpers, and `useChat`'s
 * `onData` gets the `data-status` part typed. Checked by the compiler (`npm run typecheck`; jest
 * only transpiles); the assertions restate it at run time.
 */
import type { ChatOnDataCallback as OnData5, UIMessage as UIMessage5, UIMessageChunk as Chunk5, createUIMessageStreamResponse as response5 } from 'ai-v5';
import type { UIMessage as UIMessage6, UIMessageChunk as Chunk6, pipeUIMessageStreamToResponse as pipe6 } from 'ai-v6';
import type { ChatInit, InferUIMessageChunk, UIMessage as UIMessage7, UIMessageChunk as Chunk7, createUIMessageStreamResponse as response7, pipeUIMessageStreamToResponse as pipe7 } from 'ai';
import type { AdkDataTypes, AdkUIMessage, AdkUIMessageChunk, StatusData, StatusDataChunk } from '../../src/ai-sdk/index.js';
import { runAsUIMessageStream, toAdkContent } from '../../src/ai-sdk/index.js';

type Is<A, B> = [A] extends [B] ? true : false;

// Every chunk we send is a chunk of each version, with our data parts and with the defaults.
const chunk5: Is<AdkUIMessageChunk, Chunk5<unknown, AdkDataTypes>> = true;
const chunk6: Is<AdkUIMessageChunk, Chunk6<unknown, AdkDataTypes>> = true;
const chunk7: Is<AdkUIMessageChunk, Chunk7<unknown, AdkDataTypes>> = true;
const chunk7Default: Is<AdkUIMessageChunk, Chunk7> = true;
const chunkOfMessage: Is<AdkUIMessageChunk, InferUIMessageChunk<AdkUIMessage>> = true;

// The stream goes straight into each version's helpers.
type Stream = ReturnType<typeof runAsUIMessageStream>;
const response5Fits: Is<Stream, Parameters<typeof response5>[0]['stream']> = true;
const pipe6Fits: Is<Stream, Parameters<typeof pipe6>[0]['stream']> = true;
const response7Fits: Is<Stream, Parameters<typeof response7>[0]['stream']> = true;
const pipe7Fits: Is<Stream, Parameters<typeof pipe7>[0]['stream']> = true;

// `toAdkContent` takes each version's UIMessage, with any data and tools, and a literal.
type Message = Parameters<typeof toAdkContent>[0];
const takes5: Is<UIMessage5<{ createdAt: number }, AdkDataTypes>, Message> = true;
const takes6: Is<UIMessage6, Message> = true;
const takes7: Is<UIMessage7<unknown, AdkDataTypes, { lookup: { input: { q: string }; output: number } }>, Message> = true;
const literal = () => toAdkContent({ id: 'm', role: 'user', parts: [{ type: 'text', text: 'hi', state: 'done' }] });

// `useChat<AdkUIMessage>({ onData })` (its options are ai's `ChatInit`): the part is typed, its
// data is the wire shape. (Type `useChat` with the `ai` copy `@ai-sdk/react` itself resolves.)
const options: ChatInit<AdkUIMessage> = {
  onData: (part) => {
    if (part.type !== 'data-status') return;
    const text: string = part.data.data;
    const state: 'done' | 'failed' | 'aborted' | undefined = part.data.state;
    const progress: number | undefined = part.data.progress;
    // @ts-expect-error a status has no `message` field: its text is `data`
    void part.data.message;
    void [text, state, progress];
  },
};
const onData5: OnData5<UIMessage5<unknown, AdkDataTypes>> = (part) => void (part.data.level satisfies StatusData['level']);
const message6: UIMessage6<unknown, AdkDataTypes>['parts'][number] = { type: 'data-status', data: { type: 'status', data: 'x', ts: '' } };
const statusChunk: Is<StatusDataChunk, Chunk7<unknown, AdkDataTypes>> = true;

describe('the ai-sdk entry’s types', () => {
  it('fit the AI SDK’s own types in ai 5, 6 and 7 (checked by the compiler)', () => {
    expect([chunk5, chunk6, chunk7, chunk7Default, chunkOfMessage, response5Fits, pipe6Fits, response7Fits, pipe7Fits, statusChunk, takes5, takes6, takes7]).not.toContain(false);
    expect(literal().parts).toEqual([{ text: 'hi' }]);
    expect(typeof options.onData).toBe('function');
    expect(typeof onData5).toBe('function');
    expect(message6.type).toBe('data-status');
  });
});
