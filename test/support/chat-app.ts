/**
 * The chat example's server in-process on port 0 (offline model), and a session of it, for the
 * chat example's test files.
 */
import { createChatApp } from '../../examples/chat/app.js';
import type { ChatApp } from '../../examples/chat/app.js';
import { loadConfig } from '../../examples/chat/config.js';
import { silentLogger } from '../../src/logger.js';

export async function startChat(env: Record<string, string> = {}): Promise<{ app: ChatApp; origin: string }> {
  const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', CHAT_MODEL: 'offline', OFFLINE_MODEL_DELAY_MS: '120', ...env });
  const app = createChatApp(config, silentLogger);
  const port = await app.listen();
  return { app, origin: `http://127.0.0.1:${port}` };
}

export async function createSession(origin: string): Promise<{ sessionId: string; token: string; wsUrl: string }> {
  const response = await fetch(`${origin}/api/sessions`, { method: 'POST' });
  expect(response.status).toBe(201);
  return (await response.json()) as { sessionId: string; token: string; wsUrl: string };
}
