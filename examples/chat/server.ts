/**
 * `npm start`: the chat example at http://localhost:8000. Works offline with no API key; uses
 * Gemini when GOOGLE_API_KEY (or GEMINI_API_KEY, or the Vertex AI variables) is set.
 */
import { LogLevel, setLogLevel } from '@google/adk';
import { consoleLogger } from 'adk-status-messenger';
import { createChatApp } from './app.js';
import { loadConfig, loadDotEnv } from './config.js';

const envFile = loadDotEnv();
const config = loadConfig();
setLogLevel(LogLevel.ERROR);

const log = (line: string) => console.log(`[chat] ${line}`);
if (config.model.kind === 'gemini') {
  log(`model: Gemini ${config.model.name} (${config.model.via === 'vertex' ? 'Vertex AI' : 'API key'}). Unset the key, or set CHAT_MODEL=offline, to run offline.`);
} else {
  log(`model: offline (${config.model.reason}). Set GOOGLE_API_KEY (or GEMINI_API_KEY) to use Gemini.`);
}
log(`env: ${envFile ? `loaded ${envFile}` : 'no .env file (see .env.example)'}; session secret: ${config.secretSource}`);
log(
  config.pubsub.enabled
    ? `Pub/Sub: publishing agent events to ${config.pubsub.topicName} (project ${config.pubsub.projectId}${process.env.PUBSUB_EMULATOR_HOST ? `, emulator ${process.env.PUBSUB_EMULATOR_HOST}` : ''})`
    : `Pub/Sub: off (${config.pubsub.reason})`,
);

const app = createChatApp(config, consoleLogger);
const port = await app.listen().catch((error: NodeJS.ErrnoException) => {
  // The common first-run mistake (a second `npm start`) deserves one line, not a stack.
  const reason =
    error.code === 'EADDRINUSE' ? 'is already in use (is another `npm start` running?)'
    : error.code === 'EACCES' ? 'needs more privileges'
    : `cannot be used (${error.message})`;
  console.error(`[chat] port ${config.port} on ${config.host} ${reason}. Stop that process, or pick another port: PORT=${config.port + 1} npm start`);
  process.exit(1);
});
log(`listening on http://localhost:${port}`);

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  log(`${signal}: closing sockets (1001) and flushing events…`);
  const timer = setTimeout(() => {
    log('shutdown took too long; exiting');
    process.exit(1);
  }, 10_000);
  timer.unref();
  try {
    await app.close();
    log('bye');
    process.exit(0);
  } catch (error) {
    console.error('[chat] shutdown failed', error);
    process.exit(1);
  }
}
process.once('SIGINT', () => void shutdown('SIGINT'));
process.once('SIGTERM', () => void shutdown('SIGTERM'));
