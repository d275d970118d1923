/**
 * The research team, as in the seed: a coordinator that talks to the user, a reasoning agent it
 * consults through AgentTool, and a search agent the reasoning agent consults in turn. Every
 * agent tells the user what it is doing with `status_message`; the reasoning agent reads its
 * sources with an MCP tool whose progress the user sees too.
 */
import { AgentTool, Gemini, GOOGLE_SEARCH, LlmAgent } from '@google/adk';
import type { BaseLlm } from '@google/adk';
import { createPublishAgentEventTool, createStatusMessageTool } from 'adk-status-messenger';
import type { PubSubEventPublisher } from 'adk-status-messenger';
import { AGENT_NAMES, KEY_FINDING_EVENT } from './agent-names.js';
import type { ModelChoice } from './config.js';
import { knowledgeBaseSearchTool } from './knowledge-base-tool.js';
import { OfflineResearchModel } from './offline-model.js';
import { sourceReaderToolset } from './source-reader.js';

export interface TeamModels {
  /** A model instance, or a Gemini model name such as 'gemini-2.5-flash'. */
  model: BaseLlm | string;
  /** Gemini has Google Search built in; offline, the knowledge base stands in for it. */
  search: 'google' | 'knowledge_base';
  /** Where `publish_agent_event` publishes; without one the tool reports publishing as off. */
  publisher?: PubSubEventPublisher | undefined;
  /** How long the MCP source reader takes per page. @default 400 */
  readDelayMs?: number;
}

// status_message with an optional `progress` (0–100): the page shows it as a progress bar.
const statusTool = createStatusMessageTool({ fields: { progress: true } });

export function buildResearchTeam({ model, search, publisher, readDelayMs = 400 }: TeamModels): LlmAgent {
  const publishAgentEventTool = createPublishAgentEventTool({ publisher });
  const searchAgent = new LlmAgent({
    name: AGENT_NAMES.search,
    description: 'Finds sources on the web (or in the knowledge base) for a research request.',
    model,
    instruction:
      search === 'google'
        ? 'Search the web for the request with Google Search. Reply with a numbered list of the best 3 sources, ' +
          'one per line, formatted exactly as `1. [Title](url) — one-sentence summary`.'
        : 'Call knowledge_base_search with the request. Reply with a numbered list of the results, one per line, ' +
          'formatted exactly as `1. [Title](url) — snippet`.',
    tools: search === 'google' ? [GOOGLE_SEARCH] : [knowledgeBaseSearchTool],
  });

  const reasoningAgent = new LlmAgent({
    name: AGENT_NAMES.reasoning,
    description: 'Researches a question: gathers sources through the search agent and distils the key findings.',
    model,
    instruction:
      'You research the request you are given.\n' +
      '1. Call status_message with one short line about your plan (progress 30).\n' +
      `2. Call ${AGENT_NAMES.search} with a focused search request.\n` +
      '3. Call read_sources with the URLs of the sources it found.\n' +
      '4. Call status_message saying how many sources you are comparing (progress 70).\n' +
      `5. When you have identified the single most important finding, call publish_agent_event with event_type "${KEY_FINDING_EVENT}" ` +
      'and event_data_json set to a JSON object {"query", "finding", "source"}.\n' +
      '6. Reply in markdown: a heading, a bullet list of findings with source links, and a bold "Key finding:" line.',
    // read_sources comes from a local MCP server; StatusPlugin shows its progress notifications.
    tools: [statusTool, publishAgentEventTool, new AgentTool({ agent: searchAgent }), sourceReaderToolset({ delayMs: readDelayMs })],
  });

  return new LlmAgent({
    name: AGENT_NAMES.coordinator,
    description: 'Answers the user by consulting the reasoning agent.',
    model,
    instruction:
      'You help the user research a question.\n' +
      '1. First call status_message with one short line saying what you understood (progress 10).\n' +
      `2. Call ${AGENT_NAMES.reasoning} with the user's question as the request.\n` +
      '3. Answer the user in markdown, based on what the reasoning agent found, keeping its source links.',
    tools: [statusTool, new AgentTool({ agent: reasoningAgent })],
  });
}

/**
 * The team on the model `chooseModel` picked: Gemini with Google Search, or the offline model with
 * the knowledge base. Shared by the chat app and the ADK devtools example.
 */
export function buildTeamFor(
  choice: ModelChoice,
  { offlineDelayMs, publisher }: { offlineDelayMs: number; publisher?: PubSubEventPublisher | undefined },
): LlmAgent {
  if (choice.kind !== 'gemini') {
    const model = new OfflineResearchModel({ delayMs: offlineDelayMs });
    return buildResearchTeam({ model, search: 'knowledge_base', publisher, readDelayMs: offlineDelayMs });
  }
  const model =
    choice.via === 'api-key'
      ? new Gemini({ model: choice.name, apiKey: choice.apiKey })
      : new Gemini({ model: choice.name, vertexai: true, project: choice.project, location: choice.location });
  return buildResearchTeam({ model, search: 'google', publisher });
}
