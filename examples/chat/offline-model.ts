/**
 * The example's offline model: a real ADK `BaseLlm` that plays the three research agents
 * without any API key. It is stateless — every call reads the agent's name from the system
 * instruction and the turn from the request history — and follows the same instructions a
 * Gemini model gets: a status before each step, the sub-agent calls, a markdown answer.
 */
import { BaseLlm } from '@google/adk';
import type { BaseLlmConnection, LlmRequest, LlmResponse } from '@google/adk';
import type { Content, Part } from '@google/genai';
import { AGENT_NAMES, KEY_FINDING_EVENT } from './agent-names.js';

interface Turn {
  agent: string;
  /** The text of the latest user message: the question, or an AgentTool's request. */
  question: string;
  /** Function responses since that message, by tool name (the latest of each). */
  responses: Map<string, Record<string, unknown>>;
  /** How many responses of each tool arrived since that message. */
  counts: Map<string, number>;
}

const countCalls = (turn: Turn, name: string): number => turn.counts.get(name) ?? 0;

function readTurn(request: LlmRequest): Turn {
  const contents: Content[] = request.contents ?? [];
  let start = contents.length;
  for (let i = contents.length - 1; i >= 0; i -= 1) {
    const parts = contents[i]!.parts ?? [];
    if (contents[i]!.role === 'user' && parts.some((part) => typeof part.text === 'string' && part.text.trim() !== '')) {
      start = i;
      break;
    }
  }
  const question = (contents[start]?.parts ?? []).map((part: Part) => part.text ?? '').join('').trim();
  const responses = new Map<string, Record<string, unknown>>();
  const counts = new Map<string, number>();
  for (const content of contents.slice(start + 1)) {
    for (const part of content.parts ?? []) {
      const name = part.functionResponse?.name;
      if (!name) continue;
      responses.set(name, (part.functionResponse!.response ?? {}) as Record<string, unknown>);
      counts.set(name, (counts.get(name) ?? 0) + 1);
    }
  }
  const system = request.config?.systemInstruction;
  const systemText = typeof system === 'string' ? system : JSON.stringify(system ?? '');
  const agent = /internal name is \\?"([^"\\]+)\\?"/.exec(systemText)?.[1] ?? '';
  return { agent, question, responses, counts };
}

const status = (message: string, progress: number): LlmResponse => call('status_message', { message, progress });
const call = (name: string, args: Record<string, unknown>): LlmResponse => ({
  content: { role: 'model', parts: [{ functionCall: { name, args } }] },
});

function resultText(response: Record<string, unknown> | undefined): string {
  const value = response?.result ?? response?.output ?? '';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

const short = (text: string, max = 60) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

interface Source {
  title: string;
  url: string;
  snippet: string;
}

/** Parses the search agent's reply: `1. [Title](url) — snippet` per line. */
function parseSources(text: string): Source[] {
  const sources: Source[] = [];
  for (const match of text.matchAll(/^\s*\d+\.\s*\[([^\]]+)\]\(([^)\s]+)\)\s*[—-]\s*(.+)$/gm)) {
    sources.push({ title: match[1]!, url: match[2]!, snippet: match[3]!.trim() });
  }
  return sources;
}

export interface OfflineModelOptions {
  /** Pause before each response, so people can read the statuses. @default 400 */
  delayMs?: number;
}

export class OfflineResearchModel extends BaseLlm {
  readonly #delayMs: number;

  constructor(options: OfflineModelOptions = {}) {
    super({ model: 'offline-research' });
    this.#delayMs = options.delayMs ?? 400;
  }

  async *generateContentAsync(request: LlmRequest, stream = false, abortSignal?: AbortSignal): AsyncGenerator<LlmResponse, void> {
    await this.#pause(abortSignal);
    const turn = readTurn(request);
    const next = this.#respond(turn);
    if (typeof next !== 'string') {
      yield next;
      return;
    }
    // A text answer. Streamed word by word in SSE mode, like a real model.
    if (stream) {
      const words = next.split(/(?<=\s)/);
      for (let i = 0; i < words.length; i += 6) {
        const chunk = words.slice(i, i + 6).join('');
        yield { content: { role: 'model', parts: [{ text: chunk }] }, partial: true };
        await this.#pause(abortSignal, this.#delayMs / 10);
      }
    }
    yield { content: { role: 'model', parts: [{ text: next }] }, turnComplete: true };
  }

  #respond(turn: Turn): LlmResponse | string {
    switch (turn.agent) {
      case AGENT_NAMES.coordinator:
        return this.#coordinator(turn);
      case AGENT_NAMES.reasoning:
        return this.#reasoning(turn);
      case AGENT_NAMES.search:
        return this.#search(turn);
      default:
        return `I am the offline model and do not know the agent "${turn.agent}".`;
    }
  }

  #coordinator({ question, responses }: Turn): LlmResponse | string {
    if (!question) return 'Ask me anything about agents, WebSockets, Pub/Sub or travel laptops.';
    if (!responses.has('status_message')) return status(`Understanding your question: “${short(question)}”`, 10);
    if (!responses.has(AGENT_NAMES.reasoning)) return call(AGENT_NAMES.reasoning, { request: question });
    const findings = resultText(responses.get(AGENT_NAMES.reasoning));
    return `${findings}\n\n---\n_Answered offline from the example's knowledge base. Set \`GOOGLE_API_KEY\` to use Gemini._`;
  }

  #reasoning(turn: Turn): LlmResponse | string {
    const { question, responses } = turn;
    const statuses = countCalls(turn, 'status_message');
    if (statuses === 0) return status('Planning the research…', 30);
    if (!responses.has(AGENT_NAMES.search)) return call(AGENT_NAMES.search, { request: question });
    const sources = parseSources(resultText(responses.get(AGENT_NAMES.search)));
    if (sources.length > 0 && !responses.has('read_sources')) return call('read_sources', { urls: sources.map((source) => source.url) });
    if (statuses === 1 && sources.length > 0) {
      return status(`Comparing ${sources.length} source${sources.length === 1 ? '' : 's'}…`, 70);
    }
    if (sources.length === 0) {
      return `### Nothing found\nThe knowledge base has nothing on “${question}”. Try asking about ADK, WebSockets, Pub/Sub, Cloud Run or travel laptops.`;
    }
    if (!responses.has('publish_agent_event')) {
      const top = sources[0]!;
      return call('publish_agent_event', {
        event_type: KEY_FINDING_EVENT,
        event_data_json: JSON.stringify({ query: question, finding: top.snippet, source: top.url }),
      });
    }
    const lines = sources.map((source) => `- **${source.title}** — ${source.snippet} ([source](${source.url}))`);
    return [`### What I found about “${question}”`, '', ...lines, '', `**Key finding:** ${sources[0]!.snippet}`].join('\n');
  }

  #search({ question, responses }: Turn): LlmResponse | string {
    const searched = responses.get('knowledge_base_search');
    if (!searched) return call('knowledge_base_search', { query: question });
    const hits = (searched.results ?? []) as { title: string; url: string; snippet: string }[];
    if (hits.length === 0) return 'No results.';
    return hits.map((hit, i) => `${i + 1}. [${hit.title}](${hit.url}) — ${hit.snippet}`).join('\n');
  }

  async #pause(signal: AbortSignal | undefined, ms = this.#delayMs): Promise<void> {
    if (ms <= 0 || signal?.aborted) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        resolve();
      }
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  async connect(): Promise<BaseLlmConnection> {
    throw new Error('The offline model does not support live (bidirectional) mode.');
  }
}
