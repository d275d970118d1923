/**
 * `npm run example:minimal` → http://localhost:8080: one page, one agent, live statuses.
 * Gemini when GOOGLE_API_KEY is set, otherwise a scripted offline model (./offline-model.ts).
 * The README's server quickstart is the region below, verbatim (test/integration/readme.test.ts).
 */
// #region quickstart
import { fileURLToPath } from 'node:url';
import { InMemoryRunner, LlmAgent, isFinalResponse, stringifyContent } from '@google/adk';
import express from 'express';
import { StatusHub, runWithStatus, statusMessageTool } from 'adk-status-messenger';
import { OfflineModel } from './offline-model.js';

const gemini = Boolean(process.env.GOOGLE_API_KEY);
const agent = new LlmAgent({
  name: 'assistant',
  model: gemini ? 'gemini-2.5-flash' : new OfflineModel(), // offline: a scripted stand-in, no key needed
  instruction: 'Before each step, call status_message with one short line saying what you are doing.',
  tools: [statusMessageTool],
});
const runner = new InMemoryRunner({ agent, appName: 'demo' });
const hub = new StatusHub(); // same-origin sockets only; add `authorize` to tie a socket to its user

const app = express();
app.use(express.json());
app.get('/', (_req, res) => res.sendFile(fileURLToPath(new URL('index.html', import.meta.url))));
app.get('/status-messenger.js', (_req, res) =>
  res.sendFile(fileURLToPath(import.meta.resolve('adk-status-messenger/status-messenger.js'))),
);

// A new ADK session. Its id (a random UUID) is also the status session the page listens to.
app.post('/api/sessions', async (_req, res) => {
  const session = await runner.sessionService.createSession({ appName: 'demo', userId: 'user' });
  res.json({ sessionId: session.id });
});

// One question. While the agent works, its statuses reach every socket of the session.
app.post('/api/sessions/:sessionId/messages', async (req, res) => {
  const { sessionId } = req.params;
  if (!(await runner.sessionService.getSession({ appName: 'demo', userId: 'user', sessionId }))) {
    return void res.status(404).json({ error: 'No such session' });
  }
  const newMessage = { role: 'user', parts: [{ text: String(req.body?.text ?? '') }] };
  let answer = '';
  for await (const event of runWithStatus(runner, { hub, userId: 'user', sessionId, newMessage })) {
    if (isFinalResponse(event)) answer = stringifyContent(event);
  }
  res.json({ answer });
});

const port = Number(process.env.PORT ?? 8080);
const server = app.listen(port, (error) => {
  if (error) {
    console.error(`Cannot listen on port ${port}: ${error.message}. Try another: PORT=8081 npm run example:minimal`);
    process.exit(1);
  }
  console.log(`http://localhost:${port} (model: ${gemini ? 'Gemini' : 'OFFLINE scripted model; set GOOGLE_API_KEY for Gemini'})`);
});
hub.attach(server, { path: '/ws' }); // the page connects to ws://host/ws/<sessionId>
// #endregion
