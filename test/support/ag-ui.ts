/**
 * AG-UI helpers for tests: a `RunAgentInput`, events as short lines for order assertions, every
 * event checked against `@ag-ui/core`'s own schemas, and a real `HttpAgent` whose raw wire
 * events are recorded beside what the client made of them.
 */
import http from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { HttpAgent } from '@ag-ui/client';
import type { BaseEvent, Message } from '@ag-ui/core';
import { EventSchemas } from '@ag-ui/core/schemas';

let ids = 0;

export const userMessage = (content: string, id = `u-${++ids}`): Message => ({ id, role: 'user', content });

export function runInput(threadId: string, messages: Message[], runId = `run-${++ids}`) {
  return { threadId, runId, messages, tools: [], context: [], state: {}, forwardedProps: {} };
}

/** Events as short lines: `TOOL_CALL_START lookup`, `ACTIVITY Planning (done)`, … */
export function lines(events: readonly BaseEvent[]): string[] {
  const names = new Map<string, string>();
  return events.map((event) => {
    const e = event as Record<string, unknown> & BaseEvent;
    switch (e.type) {
      case 'TEXT_MESSAGE_CONTENT':
      case 'REASONING_MESSAGE_CONTENT':
        return `${e.type} ${String(e.delta)}`;
      case 'TOOL_CALL_START':
        names.set(String(e.toolCallId), String(e.toolCallName));
        return `${e.type} ${String(e.toolCallName)}`;
      case 'TOOL_CALL_ARGS':
        return `${e.type} ${String(e.delta)}`;
      case 'TOOL_CALL_END':
        return `${e.type} ${names.get(String(e.toolCallId)) ?? '?'}`;
      case 'TOOL_CALL_RESULT':
        return `${e.type} ${String(e.content)}`;
      case 'ACTIVITY_SNAPSHOT': {
        const content = e.content as { data: string; state?: string };
        return `ACTIVITY ${content.data}${content.state ? ` (${content.state})` : ''}`;
      }
      case 'STEP_STARTED':
      case 'STEP_FINISHED':
        return `${e.type} ${String(e.stepName)}`;
      case 'RUN_ERROR':
        return `${e.type} ${String(e.message)}`;
      case 'RUN_FINISHED':
        return (e.outcome as { type?: string } | undefined)?.type ? `${e.type} ${(e.outcome as { type: string }).type}` : e.type;
      default:
        return e.type;
    }
  });
}

/** Throws unless every event is valid per `@ag-ui/core`'s schemas and carries no field they do not know. */
export function expectValidEvents(events: readonly unknown[]): void {
  for (const event of events) {
    const parsed = EventSchemas.safeParse(event);
    if (!parsed.success) throw new Error(`invalid AG-UI event ${JSON.stringify(event)}: ${parsed.error.message}`);
    // The schemas are loose (unknown keys pass); a client strips what they do not declare.
    const known = Object.keys((EventSchemas.options.find((o) => o.shape.type.def.values?.includes((event as BaseEvent).type as never)) ?? { shape: {} }).shape);
    const unknown = Object.keys(event as object).filter((key) => known.length > 0 && !known.includes(key));
    if (unknown.length > 0) throw new Error(`AG-UI event ${(event as BaseEvent).type} has fields the protocol does not declare: ${unknown.join(', ')}`);
  }
}

/** An `http.Server` on port 0 serving `handler` at every path. */
export async function startServer(handler: http.RequestListener): Promise<{ url: string; server: http.Server; close(): Promise<void> }> {
  const server = http.createServer(handler);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/agui`,
    server,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Parses `data:` lines of an SSE body as the AG-UI client does. */
async function readSse(body: ReadableStream<Uint8Array>, into: unknown[], onEvent: () => void): Promise<void> {
  const decoder = new TextDecoder();
  let buffer = '';
  const reader = body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      const blocks = buffer.split('\n\n');
      buffer = blocks.pop() ?? '';
      for (const block of blocks) {
        const data = block.split('\n').filter((line) => line.startsWith('data:')).map((line) => line.slice(5).replace(/^ /, ''));
        if (data.length > 0) {
          into.push(JSON.parse(data.join('\n')));
          onEvent();
        }
      }
    }
  } catch {
    // The client aborted: what arrived is recorded.
  }
}

/**
 * A real `HttpAgent` whose fetch records the raw wire events (`wire`) and the response's
 * content type; `warnings` collects the client's own `[ag-ui]` complaints (stripped fields,
 * dropped events), which a conforming server never causes.
 */
export class RecordingAgent extends HttpAgent {
  readonly wire: BaseEvent[] = [];
  contentType: string | null = null;
  status = 0;
  #waiters: (() => void)[] = [];

  constructor(url: string, threadId: string, headers: Record<string, string> = {}) {
    super({ url, threadId, headers });
    this.fetch = async (target, init) => {
      const response = await fetch(target, init);
      this.contentType = response.headers.get('content-type');
      this.status = response.status;
      if (!response.body || this.contentType !== 'text/event-stream') return response;
      const [mine, theirs] = response.body.tee();
      void readSse(mine, this.wire, () => this.#waiters.splice(0).forEach((wake) => wake()));
      return new Response(theirs, { status: response.status, headers: response.headers });
    };
  }

  /** Resolves once a wire event satisfies `predicate`. */
  async waitForWire(predicate: (event: BaseEvent) => boolean, timeoutMs = 10_000): Promise<BaseEvent> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.wire.find(predicate);
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`timed out; wire so far: ${lines(this.wire).join(' | ')}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 100);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }
}

/** Collects `console.warn` / `console.error` lines the AG-UI client prints while `fn` runs. */
export async function clientComplaints<T>(fn: () => Promise<T>): Promise<{ result: T; complaints: string[] }> {
  const complaints: string[] = [];
  const warn = jest.spyOn(console, 'warn').mockImplementation((...args: unknown[]) => void complaints.push(args.map(String).join(' ')));
  const error = jest.spyOn(console, 'error').mockImplementation((...args: unknown[]) => void complaints.push(args.map(String).join(' ')));
  try {
    return { result: await fn(), complaints };
  } finally {
    warn.mockRestore();
    error.mockRestore();
  }
}
