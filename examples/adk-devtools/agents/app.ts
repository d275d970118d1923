/**
 * The chat example's research team for ADK's own dev tools:
 *
 *   npx adk web examples/adk-devtools/agents        (dev UI at http://localhost:8000)
 *   npx adk api_server examples/adk-devtools/agents (REST + /run_sse)
 *
 * The devtools server builds the Runner itself; plugins come only from an exported `App`. The
 * StatusPlugin puts every status (the agents' `status_message` calls and the plugin's own tool
 * lifecycle lines) into the run's event stream as partial events, so the dev UI and `/run_sse`
 * clients see them live. With STATUS_HUB_PORT set, the same statuses also go to a StatusHub
 * on that port (`ws://host:PORT/ws/<ADK session id>`), one hub per process however often the
 * devtools re-import this file. Offline model by default; Gemini when GOOGLE_API_KEY is set.
 */
import { App, LogLevel, setLogLevel } from '@google/adk';
import { sharedStatusHub, StatusPlugin } from 'adk-status-messenger';
import { buildTeamFor } from '../../chat/agents.js';
import { chooseModel } from '../../chat/config.js';

setLogLevel(LogLevel.ERROR);

const rootAgent = buildTeamFor(chooseModel(process.env), { offlineDelayMs: Number(process.env.OFFLINE_DELAY_MS ?? 300) });

const hubPort = process.env.STATUS_HUB_PORT;
const plugin = new StatusPlugin({
  // Every status, unthrottled: the offline model paces the run, and the dev UI shows each line.
  throttleMs: 0,
  tools: { knowledge_base_search: { start: 'Searching the knowledge base for “{query}”…', done: 'Search finished' } },
  ...(hubPort ? { hub: sharedStatusHub({ port: Number(hubPort), host: process.env.STATUS_HUB_HOST ?? '127.0.0.1' }) } : {}),
});
// Plugins never run inside AgentTool sub-runs: instrument() covers the reasoning and search agents.
plugin.instrument(rootAgent);

// The devtools use the file's name (`app`) as the app name; the App's name must match it, or runs fail with
// "Session not found" (the Runner looks sessions up under the App's name).
export const app = new App({ name: 'app', rootAgent, plugins: [plugin] });
