/**
 * A local stand-in for the Gemini API (no Gemini endpoint is reachable here). Point ADK's
 * `Gemini` model at it with `GOOGLE_GEMINI_BASE_URL=http://127.0.0.1:<port>` (ADK-NOTES §6).
 * Handles `:generateContent` and `:streamGenerateContent?alt=sse`; the reply comes from a
 * script that sees the request body.
 */
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface GeminiRequestBody {
  contents: { role: string; parts: Record<string, unknown>[] }[];
  systemInstruction?: { parts: { text: string }[] };
  tools?: { functionDeclarations?: { name: string }[] }[];
}

/** Returns the parts of the model's reply. */
export type GeminiScript = (body: GeminiRequestBody, info: { model: string; apiKey: string | undefined }) => Record<string, unknown>[];

export interface FakeGemini {
  url: string;
  requests: { path: string; body: GeminiRequestBody; apiKey: string | undefined }[];
  close(): Promise<void>;
}

/** The default script: call `status_message` once per user turn, then answer in text. */
export const statusThenAnswer: GeminiScript = (body) => {
  const last = body.contents.at(-1);
  if (last?.parts.some((part) => 'functionResponse' in part)) {
    return [{ text: 'Here is what I found.' }];
  }
  const question = last?.parts.map((part) => (typeof part.text === 'string' ? part.text : '')).join('') ?? '';
  return [{ functionCall: { name: 'status_message', args: { message: `Looking into: ${question}` } } }];
};

export async function startFakeGemini(script: GeminiScript = statusThenAnswer): Promise<FakeGemini> {
  const requests: FakeGemini['requests'] = [];
  const server = http.createServer((req, res) => {
    let raw = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (raw += chunk));
    req.on('end', () => {
      const match = /\/models\/([^:]+):(generateContent|streamGenerateContent)/.exec(req.url ?? '');
      if (req.method !== 'POST' || !match) {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { code: 404, message: 'not found', status: 'NOT_FOUND' } }));
        return;
      }
      let body: GeminiRequestBody;
      try {
        body = JSON.parse(raw) as GeminiRequestBody;
      } catch {
        res.writeHead(400).end();
        return;
      }
      const apiKey = req.headers['x-goog-api-key'] as string | undefined;
      requests.push({ path: req.url ?? '', body, apiKey });
      let parts: Record<string, unknown>[];
      try {
        parts = script(body, { model: match[1]!, apiKey });
      } catch (error) {
        // A script that throws stands for a failing API: Gemini's error shape, status 500.
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { code: 500, message: (error as Error).message, status: 'INTERNAL' } }));
        return;
      }
      const response = {
        candidates: [{ content: { role: 'model', parts }, finishReason: 'STOP', index: 0 }],
        usageMetadata: { promptTokenCount: 10, candidatesTokenCount: 5, totalTokenCount: 15 },
        modelVersion: match[1],
      };
      if (match[2] === 'streamGenerateContent') {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.end(`data: ${JSON.stringify(response)}\r\n\r\n`);
      } else {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(response));
      }
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
