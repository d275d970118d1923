/**
 * The minimal example's OFFLINE model, used when no GOOGLE_API_KEY is set: a scripted ADK
 * `BaseLlm` that does what the instruction asks Gemini to do — one `status_message` call, a
 * pause, then a canned answer that says it is offline. No network, no key.
 */
import { BaseLlm } from '@google/adk';
import type { BaseLlmConnection, LlmRequest, LlmResponse } from '@google/adk';

export class OfflineModel extends BaseLlm {
  constructor(readonly delayMs = Number(process.env.OFFLINE_MODEL_DELAY_MS ?? 800)) {
    super({ model: 'offline-scripted' });
  }

  async *generateContentAsync(request: LlmRequest): AsyncGenerator<LlmResponse, void> {
    const last = request.contents.at(-1);
    const question = last?.parts?.map((part) => part.text ?? '').join('') ?? '';
    await new Promise((resolve) => setTimeout(resolve, this.delayMs)); // so a human sees the status
    if (last?.parts?.some((part) => part.functionResponse)) {
      yield { content: { role: 'model', parts: [{ text: '(Offline model) Done. Set GOOGLE_API_KEY to ask Gemini.' }] } };
      return;
    }
    yield { content: { role: 'model', parts: [{ functionCall: { name: 'status_message', args: { message: `Looking into: ${question}` } } }] } };
  }

  async connect(): Promise<BaseLlmConnection> {
    throw new Error('The offline model has no live mode');
  }
}
