/**
 * `npm run example:ai-sdk` → http://localhost:8010: the research team (examples/chat) in a React
 * page built on the Vercel AI SDK's `useChat`. One POST per message; the answer streams back as
 * AI SDK UI message chunks, with the tool calls and the agents' live statuses in the same stream.
 * Offline (a scripted model, no key) unless GOOGLE_API_KEY / GEMINI_API_KEY (or Vertex AI
 * settings) are set; CHAT_MODEL=offline forces it.
 */
import { fileURLToPath } from 'node:url';
import { InMemoryRunner, LogLevel, StreamingMode, setLogLevel } from '@google/adk';
import { pipeUIMessageStreamToResponse } from 'ai';
import { build } from 'esbuild';
import express from 'express';
import { StatusMessengerError } from 'adk-status-messenger';
import { runAsUIMessageStream, toAdkContent } from 'adk-status-messenger/ai-sdk';
import { buildTeamFor } from '../chat/agents.js';
import { chooseModel } from '../chat/config.js';

setLogLevel(LogLevel.ERROR);
const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));

const choice = chooseModel(process.env);
const agent = buildTeamFor(choice, { offlineDelayMs: Number(process.env.OFFLINE_MODEL_DELAY_MS ?? 400) });
const runner = new InMemoryRunner({ agent, appName: 'research' });

// The page: React + @ai-sdk/react, bundled once at startup (no CDN).
const page = await build({
  entryPoints: [here('page.tsx')],
  bundle: true,
  minify: true,
  format: 'esm',
  target: 'es2022',
  jsx: 'automatic',
  define: { 'process.env.NODE_ENV': '"production"' },
  write: false,
  logLevel: 'warning',
});
const pageScript = page.outputFiles[0]!.text;

const app = express();
app.use(express.json({ limit: '8mb' })); // room for an attached image (file parts are data URLs)
app.get('/', (_req, res) => res.sendFile(here('index.html')));
app.get('/page.js', (_req, res) => res.type('text/javascript').send(pageScript));

// One chat message. `useChat` POSTs { id, messages, trigger }: `id` is the chat's id, which is the
// ADK session id; the ADK session keeps the conversation, so only the last message goes to ADK.
app.post('/api/chat', async (req, res) => {
  const { id, messages } = req.body ?? {};
  if (typeof id !== 'string' || !/^[\w-]{1,100}$/.test(id) || !Array.isArray(messages)) {
    return void res.status(400).json({ error: 'Expected { id, messages }' });
  }
  let newMessage;
  try {
    newMessage = toAdkContent(messages.at(-1));
  } catch (error) {
    if (StatusMessengerError.isInstance(error, 'ERR_INVALID_MESSAGE')) return void res.status(400).json({ error: error.message });
    throw error;
  }
  // In your app, userId comes from your authentication, never from the request body.
  const userId = 'demo-user';
  // The first message of a chat creates its ADK session (runAsync throws "Session not found" otherwise).
  await runner.sessionService.getOrCreateSession({ appName: 'research', userId, sessionId: id });

  // The client's Stop (or a closed tab) shows as the response closing before it finished: abort the run.
  const stop = new AbortController();
  res.on('close', () => {
    if (!res.writableFinished) stop.abort();
  });
  const stream = runAsUIMessageStream(runner, {
    userId,
    sessionId: id,
    newMessage,
    runConfig: { streamingMode: StreamingMode.SSE }, // the answer streams word by word
    abortSignal: stop.signal,
  });
  pipeUIMessageStreamToResponse({ response: res, stream });
});

const port = Number(process.env.PORT ?? 8010);
const server = app.listen(port, (error) => {
  if (error) {
    console.error(`Cannot listen on port ${port}: ${error.message}. Try another: PORT=8011 npm run example:ai-sdk`);
    process.exit(1);
  }
  const address = server.address();
  const actual = typeof address === 'object' && address ? address.port : port;
  const model = choice.kind === 'gemini' ? `Gemini ${choice.name}` : `OFFLINE scripted model (${choice.reason})`;
  console.log(`[ai-sdk] listening on http://localhost:${actual} (model: ${model})`);
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    server.closeAllConnections();
    server.close(() => process.exit(0));
  });
}
