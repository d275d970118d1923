/**
 * The example's configuration, from the environment (and `.env` when present). Every variable
 * is listed with a comment in `.env.example` at the repository root.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { readPubSubEnv } from 'adk-status-messenger';
import type { PubSubEnvConfig } from 'adk-status-messenger';

export type ModelChoice =
  | { kind: 'offline'; reason: string }
  | { kind: 'gemini'; name: string; via: 'api-key'; apiKey: string }
  | { kind: 'gemini'; name: string; via: 'vertex'; project: string; location: string };

export interface ChatConfig {
  port: number;
  host: string;
  /** Signs session tokens. */
  secret: Buffer;
  /** The secret before a rotation: still verifies the tokens it signed (STATUS_MESSENGER_PREVIOUS_SECRET). */
  previousSecret: Buffer | undefined;
  /** How long a session token is valid (SESSION_TOKEN_TTL_HOURS, default 24). */
  tokenTtlMs: number;
  secretSource: 'STATUS_MESSENGER_SECRET' | 'random per process';
  model: ModelChoice;
  /** The offline model's pause before each step (ms). */
  offlineDelayMs: number;
  /** Origins allowed to open sockets besides the page's own (comma-separated in the env). */
  allowedOrigins: string[] | undefined;
  /** Agent events to Pub/Sub: the seed's variables (STATUS_MESSENGER_PUBSUB_ENABLED, …). */
  pubsub: PubSubEnvConfig;
}

const truthy = (value: string | undefined) => /^(1|true|yes|on)$/i.test(value?.trim() ?? '');

/** Loads `.env` from `dir` into `process.env` (existing variables win), as dotenv does. */
export function loadDotEnv(dir = process.cwd()): string | undefined {
  const file = path.join(dir, '.env');
  if (!existsSync(file)) return undefined;
  process.loadEnvFile(file);
  return file;
}

export function chooseModel(env: NodeJS.ProcessEnv): ModelChoice {
  if (env.CHAT_MODEL?.trim().toLowerCase() === 'offline') return { kind: 'offline', reason: 'CHAT_MODEL=offline' };
  const name = env.GEMINI_MODEL?.trim() || 'gemini-2.5-flash';
  const apiKey = env.GOOGLE_GENAI_API_KEY || env.GOOGLE_API_KEY || env.GEMINI_API_KEY;
  if (apiKey) return { kind: 'gemini', name, via: 'api-key', apiKey };
  const vertex = truthy(env.GOOGLE_GENAI_USE_ENTERPRISE) || truthy(env.GOOGLE_GENAI_USE_VERTEXAI);
  if (vertex && env.GOOGLE_CLOUD_PROJECT && env.GOOGLE_CLOUD_LOCATION) {
    return { kind: 'gemini', name, via: 'vertex', project: env.GOOGLE_CLOUD_PROJECT, location: env.GOOGLE_CLOUD_LOCATION };
  }
  if (vertex) return { kind: 'offline', reason: 'Vertex AI is selected but GOOGLE_CLOUD_PROJECT or GOOGLE_CLOUD_LOCATION is missing' };
  return { kind: 'offline', reason: 'no GOOGLE_API_KEY / GEMINI_API_KEY and no Vertex AI settings' };
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): ChatConfig {
  const port = env.PORT === undefined || env.PORT === '' ? 8000 : Number(env.PORT);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`PORT must be a port number, got "${env.PORT}"`);
  const secretText = env.STATUS_MESSENGER_SECRET?.trim();
  if (secretText !== undefined && secretText !== '' && secretText.length < 16) {
    throw new Error('STATUS_MESSENGER_SECRET must be at least 16 characters');
  }
  const previousText = env.STATUS_MESSENGER_PREVIOUS_SECRET?.trim();
  if (previousText && previousText.length < 16) throw new Error('STATUS_MESSENGER_PREVIOUS_SECRET must be at least 16 characters');
  const ttlHours = env.SESSION_TOKEN_TTL_HOURS === undefined || env.SESSION_TOKEN_TTL_HOURS === '' ? 24 : Number(env.SESSION_TOKEN_TTL_HOURS);
  if (!(ttlHours > 0)) throw new Error(`SESSION_TOKEN_TTL_HOURS must be a positive number of hours, got "${env.SESSION_TOKEN_TTL_HOURS}"`);
  const delay = env.OFFLINE_MODEL_DELAY_MS === undefined ? 400 : Number(env.OFFLINE_MODEL_DELAY_MS);
  const origins = env.ALLOWED_ORIGINS?.split(',').map((origin) => origin.trim()).filter(Boolean);
  return {
    port,
    host: env.HOST?.trim() || '0.0.0.0',
    secret: secretText ? Buffer.from(secretText, 'utf8') : randomBytes(32),
    previousSecret: previousText ? Buffer.from(previousText, 'utf8') : undefined,
    tokenTtlMs: Math.round(ttlHours * 3_600_000),
    secretSource: secretText ? 'STATUS_MESSENGER_SECRET' : 'random per process',
    model: chooseModel(env),
    offlineDelayMs: Number.isFinite(delay) && delay >= 0 ? delay : 400,
    allowedOrigins: origins?.length ? origins : undefined,
    pubsub: readPubSubEnv(env),
  };
}
