/**
 * A real ADK `BaseLlm` driven by a script, for tests and benches: no network, no state. Each
 * call derives its turn from the request history (ADK-NOTES §1: keep it stateless).
 */
import { BaseLlm } from '@google/adk';
import type { BaseLlmConnection, LlmRequest, LlmResponse } from '@google/adk';
import type { Content, FunctionResponse, Part } from '@google/genai';

export interface ScriptTurn {
  /** Text of the latest user message (the run's input, or an AgentTool's request). */
  userText: string;
  /** Model turns taken since that message: 0 on the first call. */
  step: number;
  /** The function responses in the last content, if it holds any. */
  functionResponses: FunctionResponse[];
  /** The calling agent's name, read from the system instruction ADK builds. */
  agentName: string;
  request: LlmRequest;
}

/**
 * One model call: a response, or several yielded in order (a streamed answer: partial chunks,
 * then the complete response, as `streamReply` makes them).
 */
export type Script = (turn: ScriptTurn) => LlmResponse | LlmResponse[] | Promise<LlmResponse | LlmResponse[]>;

function isUserText(content: Content): boolean {
  return content.role === 'user' && (content.parts ?? []).some((part) => typeof part.text === 'string');
}

export function readTurn(request: LlmRequest): ScriptTurn {
  const contents = request.contents ?? [];
  let start = -1;
  for (let i = contents.length - 1; i >= 0; i -= 1) {
    if (isUserText(contents[i]!)) {
      start = i;
      break;
    }
  }
  const userText =
    start === -1 ? '' : (contents[start]!.parts ?? []).map((part: Part) => part.text ?? '').join('');
  const step = contents.slice(start + 1).filter((content) => content.role === 'model').length;
  const last = contents.at(-1);
  const functionResponses = (last?.parts ?? []).flatMap((part) => (part.functionResponse ? [part.functionResponse] : []));
  const system = request.config?.systemInstruction;
  const systemText = typeof system === 'string' ? system : JSON.stringify(system ?? '');
  const agentName = /internal name is \\?"([^"\\]+)\\?"/.exec(systemText)?.[1] ?? '';
  return { userText, step, functionResponses, agentName, request };
}

export class ScriptedLlm extends BaseLlm {
  readonly #script: Script;
  readonly #delayMs: number;

  constructor(script: Script, options: { model?: string; delayMs?: number } = {}) {
    super({ model: options.model ?? 'scripted-test' });
    this.#script = script;
    this.#delayMs = options.delayMs ?? 0;
  }

  async *generateContentAsync(request: LlmRequest): AsyncGenerator<LlmResponse, void> {
    if (this.#delayMs > 0) await new Promise((resolve) => setTimeout(resolve, Math.random() * this.#delayMs));
    const responses = await this.#script(readTurn(request));
    for (const response of Array.isArray(responses) ? responses : [responses]) yield response;
  }

  async connect(): Promise<BaseLlmConnection> {
    throw new Error('ScriptedLlm does not support live mode');
  }
}

/** A model response calling one or more tools. */
export function callTools(...calls: { name: string; args?: Record<string, unknown> }[]): LlmResponse {
  return {
    content: { role: 'model', parts: calls.map(({ name, args = {} }) => ({ functionCall: { name, args } })) },
  };
}

/** A final text response. */
export function reply(text: string): LlmResponse {
  return { content: { role: 'model', parts: [{ text }] }, turnComplete: true };
}

/**
 * A final text response streamed as ADK's `StreamingMode.SSE` does it: each chunk a partial
 * response, then the complete one repeating the whole text. `thought` is streamed first, as
 * reasoning parts (`thought: true`).
 */
export function streamReply(chunks: string[], options: { thought?: string } = {}): LlmResponse[] {
  const thought = options.thought ? [{ text: options.thought, thought: true }] : [];
  const partials: LlmResponse[] = [
    ...thought.map((part) => ({ content: { role: 'model', parts: [part] }, partial: true })),
    ...chunks.map((text) => ({ content: { role: 'model', parts: [{ text }] }, partial: true })),
  ];
  return [...partials, { content: { role: 'model', parts: [...thought, { text: chunks.join('') }] }, turnComplete: true }];
}
