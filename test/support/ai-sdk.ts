/**
 * The real `ai` packages, 5, 6 and 7, for tests that check our UI message streams against the
 * AI SDK's own server helpers, chunk schema and stream reader.
 *
 * ai 5 and 6 ship CommonJS and are required as they are. ai 7 is ESM only, which Jest's
 * CommonJS runtime cannot load before Node 24.9; it is bundled, unchanged, into one CommonJS
 * file with esbuild (its code and its dependencies', nothing stubbed) and required from there.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';

/** What the tests use of an `ai` package (the same names in 5, 6 and 7). */
export type AiSdk = Pick<
  typeof import('ai'),
  | 'createUIMessageStream'
  | 'createUIMessageStreamResponse'
  | 'pipeUIMessageStreamToResponse'
  | 'readUIMessageStream'
  | 'uiMessageChunkSchema'
  | 'parseJsonEventStream'
  | 'JsonToSseTransformStream'
  | 'validateUIMessages'
>;

export const AI_SDK_VERSIONS = [5, 6, 7] as const;
export type AiSdkVersion = (typeof AI_SDK_VERSIONS)[number];

const loaded = new Map<AiSdkVersion, Promise<AiSdk>>();

export function loadAiSdk(version: AiSdkVersion): Promise<AiSdk> {
  let module = loaded.get(version);
  if (!module) loaded.set(version, (module = load(version)));
  return module;
}

async function load(version: AiSdkVersion): Promise<AiSdk> {
  if (version === 5) return require('ai-v5') as AiSdk;
  if (version === 6) return require('ai-v6') as AiSdk;
  const dir = mkdtempSync(path.join(tmpdir(), 'ai7-'));
  const outfile = path.join(dir, 'ai.cjs');
  try {
    await build({
      stdin: { contents: "export * from 'ai';", resolveDir: path.resolve(__dirname, '..', '..'), loader: 'js' },
      bundle: true,
      format: 'cjs',
      platform: 'node',
      target: 'node22',
      outfile,
      logLevel: 'silent',
    });
    return require(outfile) as AiSdk;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A `ReadableStream`'s chunks, read to the end. */
export async function readAll<T>(stream: ReadableStream<T>): Promise<T[]> {
  const chunks: T[] = [];
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return chunks;
    chunks.push(value);
  }
}
