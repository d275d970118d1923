/**
 * `agUiHandler`: an AG-UI endpoint for an ADK runner, as an Express / `node:http` request
 * handler. It takes a `POST` whose body is a `RunAgentInput` (parsed by `express.json()`, or read
 * here), answers in the format the client accepts (`@ag-ui/encoder`: SSE, or AG-UI's protobuf
 * framing), and stops the ADK run when the client leaves (`agent.abortRun()`, a closed tab).
 *
 * Node fires `req.on('close')` as soon as the body has been read, so a client that left shows as
 * the response closing before it finished (`res.on('close')` with `!res.writableFinished`).
 */
import { once } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AGUI_MEDIA_TYPE, EventEncoder } from '@ag-ui/encoder';
import type { RunConfig } from '@google/adk';
import { z } from 'zod';
import type { RunEndMessages } from '../binding/status-run.js';
import type { StatusSink } from '../destinations/hub-session.js';
import { getDefaultLogger } from '../logger.js';
import type { Logger } from '../logger.js';
import { defineOptions, opt, parseOptions } from '../options.js';
import { readRunAgentInput } from './run-agent-input.js';
import { assertAgUiRunnable, sharedOptionShapes, toAgUiEvents } from './to-ag-ui-events.js';
import type { AgUiEventStream, AgUiRunnable } from './to-ag-ui-events.js';

/** A request as Express hands it (`body` set by `express.json()`) or as `node:http` does. */
export type AgUiRequest = IncomingMessage & { body?: unknown };

/**
 * The ADK user of a request. Its `req` also has what your middleware set (`req.user`, `req.auth`),
 * typed `any`; a function typed for your framework's request (`(req: express.Request) => …`) fits too.
 */
export type AgUiUserId = {
  bivarianceHack(req: AgUiRequest & { readonly [field: string]: any }): string | Promise<string>;
}['bivarianceHack'];

export interface AgUiHandlerOptions {
  /** The ADK user of a request: a string, or a function of the request (your auth's user id). A throw answers 500. */
  userId: string | AgUiUserId;
  /** Also send each run's statuses to every WebSocket/SSE connection of this hub's session `threadId`. @default none */
  hub?: StatusSink;
  /** ADK's run config; `streamingMode` defaults to `StreamingMode.SSE`. @default { streamingMode: StreamingMode.SSE } */
  runConfig?: RunConfig;
  /**
   * The texts of a run's end status, by how it ended.
   * @default { done: 'Done', failed: 'Something went wrong. Please try again.', aborted: 'Stopped' }
   */
  runEndMessages?: RunEndMessages;
  /** The text the client sees for a failure (`RUN_ERROR.message`, a tool's error). @default () => 'An error occurred.' */
  onError?: (error: unknown) => string;
  /** An SSE comment this often while a run is quiet, so proxies keep the stream open; 0: none. @default 15000 */
  heartbeatMs?: number;
  /** The largest body read here (when no body parser ran before); larger ones get 413. @default 1048576 (1 MiB) */
  maxBodyBytes?: number;
  /** Where failures are logged. @default the default logger */
  logger?: Logger;
}

export type AgUiRequestHandler = (req: AgUiRequest, res: ServerResponse) => Promise<void>;

const API = 'agUiHandler(runner, options)';
const DEFAULTS = Object.freeze({ heartbeatMs: 15_000, maxBodyBytes: 1024 * 1024 });

const OPTIONS = defineOptions(API, {
  userId: z.union([z.string().min(1), opt.fn<AgUiUserId>()]),
  ...sharedOptionShapes,
  heartbeatMs: opt.nonNegativeInt().optional(),
  maxBodyBytes: opt.positiveInt().optional(),
});

/** Answered before any event: a status code and a short reason for the client. */
class Refusal extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/**
 * `app.post('/agui', express.json(), agUiHandler(runner, { userId: 'u' }))`, or
 * `http.createServer(agUiHandler(runner, { userId }))`. The returned promise never rejects.
 */
export function agUiHandler(runner: AgUiRunnable, options: AgUiHandlerOptions): AgUiRequestHandler {
  assertAgUiRunnable(runner, API);
  const own = parseOptions(OPTIONS, options);
  const logger = own.logger ?? getDefaultLogger();
  const heartbeatMs = own.heartbeatMs ?? DEFAULTS.heartbeatMs;
  const maxBodyBytes = own.maxBodyBytes ?? DEFAULTS.maxBodyBytes;

  return async (req, res) => {
    let events: AgUiEventStream;
    try {
      if (req.method !== 'POST') throw new Refusal(405, 'Use POST with an AG-UI RunAgentInput body.', { Allow: 'POST' });
      const input = await readBody(req, maxBodyBytes);
      const problem = readRunAgentInput(input);
      if (typeof problem === 'string') throw new Refusal(400, `Invalid RunAgentInput: ${problem}.`);
      const userId = await userIdOf(own.userId, req, logger);
      events = toAgUiEvents(runner, input as Parameters<typeof toAgUiEvents>[1], {
        userId,
        hub: own.hub,
        runConfig: own.runConfig,
        runEndMessages: own.runEndMessages,
        onError: own.onError,
        logger,
      });
    } catch (error) {
      refuse(res, error, logger);
      return;
    }
    // The client may have left while the body was read: then no run starts. (Not `req.destroyed`:
    // a request is destroyed once its body has been read.)
    if (res.destroyed || !res.socket || res.socket.destroyed) return;
    await stream(events, req, res, heartbeatMs, logger);
  };
}

async function userIdOf(userId: AgUiHandlerOptions['userId'], req: AgUiRequest, logger: Logger): Promise<string> {
  if (typeof userId === 'string') return userId;
  let id: unknown;
  try {
    id = await userId(req);
  } catch (error) {
    logger.error(`${API}: \`userId(req)\` threw; answered 500.`, error);
    throw new Refusal(500, 'Internal Server Error');
  }
  if (typeof id === 'string' && id !== '') return id;
  logger.error(`${API}: \`userId(req)\` returned ${JSON.stringify(id) ?? String(id)}, not a non-empty string; answered 500.`);
  throw new Refusal(500, 'Internal Server Error');
}

function refuse(res: ServerResponse, error: unknown, logger: Logger): void {
  const refusal = error instanceof Refusal ? error : new Refusal(500, 'Internal Server Error');
  if (refusal !== error) logger.error(`${API}: could not start the run; answered 500.`, error);
  if (res.headersSent || res.destroyed) {
    res.destroy();
    return;
  }
  res.writeHead(refusal.status, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store', ...refusal.headers });
  res.end(JSON.stringify({ error: refusal.message }));
}

/**
 * The request's JSON body: what a body parser left on `req.body`, or read here. Only
 * `application/json` is read: a cross-site form cannot send it without a CORS preflight.
 */
async function readBody(req: AgUiRequest, maxBytes: number): Promise<unknown> {
  const parsed = req.body;
  if (parsed !== undefined && !Buffer.isBuffer(parsed) && typeof parsed !== 'string') return parsed;
  const type = String(req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json' && !type.endsWith('+json')) throw new Refusal(415, 'Send the RunAgentInput as application/json.');
  let text: string;
  if (parsed !== undefined) text = Buffer.isBuffer(parsed) ? parsed.toString('utf8') : parsed;
  else {
    if (req.readableEnded) throw new Refusal(400, 'The request body was already read, and no body parser left it on `req.body`.');
    const declared = Number(req.headers['content-length']);
    if (declared > maxBytes) throw new Refusal(413, `The body is larger than ${maxBytes} bytes.`);
    const chunks: Buffer[] = [];
    let size = 0;
    try {
      for await (const chunk of req as AsyncIterable<Buffer>) {
        size += chunk.length;
        if (size > maxBytes) throw new Refusal(413, `The body is larger than ${maxBytes} bytes.`);
        chunks.push(chunk);
      }
    } catch (error) {
      // A client that left mid-body is no server failure.
      throw error instanceof Refusal ? error : new Refusal(400, 'The request body could not be read.');
    }
    text = Buffer.concat(chunks).toString('utf8');
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new Refusal(400, 'The body is not JSON.');
  }
}

/** Resolves once `res` can take more, or has closed; leaves no listener behind. */
async function drained(res: ServerResponse): Promise<void> {
  const done = new AbortController();
  try {
    await Promise.race([once(res, 'drain', { signal: done.signal }), once(res, 'close', { signal: done.signal })]);
  } finally {
    done.abort();
  }
}

/**
 * Protobuf only for a client that names AG-UI's media type (`HttpAgent` sends
 * `Accept: text/event-stream`); SSE for every other client, including those that accept any type.
 */
function asksForProtobuf(accept: string | undefined): boolean {
  if (!accept) return false;
  return accept.split(',').some((range) => {
    const [type, ...params] = range.split(';').map((item) => item.trim().toLowerCase());
    return type === AGUI_MEDIA_TYPE && !params.some((param) => /^q=0(\.0*)?$/.test(param));
  });
}

/** Writes the run's events as the client accepts them; stops the run if the client leaves. */
async function stream(events: AgUiEventStream, req: AgUiRequest, res: ServerResponse, heartbeatMs: number, logger: Logger): Promise<void> {
  const encoder = new EventEncoder(asksForProtobuf(req.headers.accept) ? { accept: AGUI_MEDIA_TYPE } : {});
  const contentType = encoder.getContentType();
  let left = false;
  const onClose = () => {
    if (res.writableFinished) return;
    left = true;
    void events.return();
  };
  res.on('close', onClose);
  res.writeHead(200, {
    'Content-Type': contentType,
    'Cache-Control': 'no-cache, no-transform',
    // nginx buffers responses unless told not to; a stream must arrive as it is written.
    'X-Accel-Buffering': 'no',
  });
  res.flushHeaders();
  // Protobuf framing has no comments; an SSE comment is ignored by every SSE reader.
  const heartbeat =
    heartbeatMs > 0 && contentType === 'text/event-stream'
      ? setInterval(() => {
          if (!left && !res.writableEnded) res.write(': keep-alive\n\n');
        }, heartbeatMs)
      : undefined;
  try {
    for await (const event of events) {
      if (left) break;
      // A slow client: the run waits for it rather than piling events up in memory.
      if (!res.write(encoder.encodeBinary(event))) await drained(res);
    }
  } catch (error) {
    // A failure of this loop itself (the run's own failures arrive as RUN_ERROR): nothing more can be sent.
    logger.error(`${API}: the event stream broke off.`, error);
    await events.return();
    res.destroy();
    return;
  } finally {
    if (heartbeat) clearInterval(heartbeat);
  }
  res.off('close', onClose);
  if (!left) res.end();
}
