/**
 * `toAdkContent`: the last user message of `useChat`'s POST body as the ADK `Content` of a run —
 * text parts, file parts as inline data — checked, since it comes from the browser; and a real
 * ADK run taking it, the model seeing exactly those parts.
 */
import { InMemoryRunner, LlmAgent } from '@google/adk';
import type { Content } from '@google/genai';
import type { UIMessage } from 'ai';
import { runAsUIMessageStream, toAdkContent } from '../../src/ai-sdk/index.js';
import { StatusMessengerError } from '../../src/errors.js';
import { loadAiSdk, readAll } from '../support/ai-sdk.js';
import { reply, ScriptedLlm } from '../support/scripted-llm.js';

const PNG_BASE64 = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';

const user = (parts: UIMessage['parts']): UIMessage => ({ id: 'm1', role: 'user', parts });

function invalid(message: unknown): string {
  try {
    toAdkContent(message as UIMessage);
  } catch (error) {
    expect(StatusMessengerError.isInstance(error, 'ERR_INVALID_MESSAGE')).toBe(true);
    return (error as Error).message;
  }
  throw new Error('expected toAdkContent to throw');
}

describe('toAdkContent', () => {
  it('takes the text parts, in order, and leaves out what is not the user’s words', () => {
    const message = user([
      { type: 'step-start' },
      { type: 'text', text: 'Compare these' },
      { type: 'data-status', data: { type: 'status', data: 'Planning', ts: '' } } as never,
      { type: 'reasoning', text: 'hmm', state: 'done' } as never,
      { type: 'text', text: '   ' },
      { type: 'text', text: 'two laptops.' },
    ]);
    expect(toAdkContent(message)).toEqual({ role: 'user', parts: [{ text: 'Compare these' }, { text: 'two laptops.' }] });
  });

  it('takes a file part with a base64 data URL as inline data, with the data URL’s exact media type', () => {
    const content = toAdkContent(
      user([
        { type: 'file', mediaType: 'image', filename: 'dot.png', url: `data:image/png;base64,${PNG_BASE64}` },
        { type: 'text', text: 'What is this?' },
      ]),
    );
    expect(content.parts).toEqual([{ inlineData: { mimeType: 'image/png', data: PNG_BASE64 } }, { text: 'What is this?' }]);
  });

  it('encodes a percent-encoded data URL, and takes the part’s media type when the URL has none', () => {
    const content = toAdkContent(
      user([
        { type: 'file', mediaType: 'text/plain', url: 'data:text/plain;charset=utf-8,caf%C3%A9%20au%20lait' },
        { type: 'file', mediaType: 'application/pdf', url: 'data:;base64,JVBERi0xLjQK' },
      ]),
    );
    expect(content.parts).toEqual([
      { inlineData: { mimeType: 'text/plain', data: Buffer.from('café au lait').toString('base64') } },
      { inlineData: { mimeType: 'application/pdf', data: 'JVBERi0xLjQK' } },
    ]);
  });

  it('refuses what ADK cannot take, with ERR_INVALID_MESSAGE', () => {
    expect(invalid(undefined)).toMatch(/expected a UIMessage object/);
    expect(invalid({ id: 'a', role: 'assistant', parts: [{ type: 'text', text: 'hi' }] })).toMatch(/expected a user message, got role "assistant"/);
    expect(invalid({ id: 'a', role: 'user' })).toMatch(/`parts` to be an array/);
    // An empty message never reaches runAsync (which throws on empty parts).
    expect(invalid(user([]))).toMatch(/no text or file to send/);
    expect(invalid(user([{ type: 'text', text: ' \n ' }]))).toMatch(/no text or file to send/);
    expect(invalid(user([{ type: 'file', mediaType: 'image/png', url: 'https://example.com/cat.png' }]))).toMatch(/must be a data URL/);
    expect(invalid(user([{ type: 'file', mediaType: 'image/png', url: 'gs://private-bucket/file.png' }]))).toMatch(/must be a data URL/);
    expect(invalid(user([{ type: 'file', mediaType: 'image/png', url: 'blob:http://localhost/1234' }]))).toMatch(/must be a data URL/);
    expect(invalid(user([{ type: 'file', mediaType: 'image', url: 'data:;base64,AAAA' }]))).toMatch(/full media type/);
    expect(invalid(user([{ type: 'file', mediaType: 'image/png', url: 'data:image/png;base64,***' }]))).toMatch(/not valid base64/);
    expect(invalid(user([{ type: 'file', mediaType: 'text/plain', url: 'data:text/plain,%E0%A4%A' }]))).toMatch(/percent-encoding/);
    expect(invalid(user([{ type: 'file', mediaType: 'image/png', url: 'data:image/png;base64,' }]))).toMatch(/is empty/);
  });

  it('is what a real run takes: the model sees the text and the inline data, and answers', async () => {
    let seen: Content | undefined;
    const agent = new LlmAgent({
      name: 'viewer',
      model: new ScriptedLlm(({ request }) => {
        seen = request.contents.at(-1);
        return reply('A dot.');
      }),
      instruction: 'x',
    });
    const runner = new InMemoryRunner({ agent, appName: 'viewer' });
    await runner.sessionService.createSession({ appName: 'viewer', userId: 'u', sessionId: 'files' });
    const body: UIMessage[] = [
      user([{ type: 'text', text: 'Earlier question' }]),
      { id: 'a1', role: 'assistant', parts: [{ type: 'text', text: 'Earlier answer' }] },
      user([
        { type: 'file', mediaType: 'image/png', url: `data:image/png;base64,${PNG_BASE64}` },
        { type: 'text', text: 'What is this?' },
      ]),
    ];
    const ai = await loadAiSdk(7);
    await ai.validateUIMessages({ messages: body });
    const chunks = await readAll(runAsUIMessageStream(runner, { userId: 'u', sessionId: 'files', newMessage: toAdkContent(body.at(-1)!) }));
    expect(chunks.at(-1)).toEqual({ type: 'finish' });
    expect(seen).toEqual({ role: 'user', parts: [{ inlineData: { mimeType: 'image/png', data: PNG_BASE64 } }, { text: 'What is this?' }] });
  });
});
