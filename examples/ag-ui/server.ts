/**
 * The AG-UI example at http://localhost:8001: the chat example's research team served over AG-UI,
 * with its live statuses as activity messages. Offline with no API key; Gemini when
 * GOOGLE_API_KEY (or GEMINI_API_KEY, or the Vertex AI variables) is set.
 * Run: `node scripts/build.mjs --if-stale && node --import tsx examples/ag-ui/server.ts`.
 */
import { LogLevel, setLogLevel } from '@google/adk';
import { chooseModel, loadDotEnv } from '../chat/config.js';
import { createAgUiExample } from './app.js';

loadDotEnv();
setLogLevel(LogLevel.ERROR);
const model = chooseModel(process.env);
const port = process.env.PORT === undefined || process.env.PORT === '' ? 8001 : Number(process.env.PORT);
const example = await createAgUiExample({ model, port, host: process.env.HOST || '127.0.0.1' });
const listening = await example.listen().catch((error: NodeJS.ErrnoException) => {
  console.error(error.code === 'EADDRINUSE' ? `[ag-ui] port ${port} is in use: set PORT to another one.` : `[ag-ui] ${error.message}`);
  process.exit(1);
});
console.log(`[ag-ui] model: ${model.kind === 'gemini' ? `Gemini ${model.name}` : `offline (${model.reason})`}`);
console.log(`[ag-ui] http://localhost:${listening}  (AG-UI endpoint: POST /agui)`);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void example.close().then(() => process.exit(0)));
}
