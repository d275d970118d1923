/**
 * runLiveWithStatus: ADK's live (bidirectional) runner, driven by a fake live connection that
 * behaves like Gemini Live (a tool call, then text, then turn complete), fully offline.
 */
import { InMemoryRunner, LiveRequestQueue, LlmAgent } from '@google/adk';
import { BaseLlm } from '@google/adk';
import type { BaseLlmConnection, Event, LlmRequest, LlmResponse } from '@google/adk';
import type { Content } from '@google/genai';
import { Modality } from '@google/genai';
import { runLiveWithStatus } from '../../src/runner/run-with-status.js';
import { statusMessageTool } from '../../src/tools/status-message-tool.js';
import { startHubServer, TestClient } from '../support/hub-server.js';
import type { HubServer } from '../support/hub-server.js';

class FakeLiveConnection implements BaseLlmConnection {
  readonly #items: (LlmResponse | null)[] = [];
  #wake: (() => void) | undefined;

  #push(item: LlmResponse | null): void {
    this.#items.push(item);
    this.#wake?.();
  }
  async sendHistory(): Promise<void> {}
  async sendRealtime(): Promise<void> {}
  async sendContent(content: Content): Promise<void> {
    const parts = content.parts ?? [];
    const text = parts.map((part) => part.text ?? '').join('');
    if (parts.some((part) => part.functionResponse)) {
      this.#push({ content: { role: 'model', parts: [{ text: `live answer` }] } });
      this.#push({ turnComplete: true });
    } else if (text) {
      this.#push({ content: { role: 'model', parts: [{ functionCall: { name: 'status_message', args: { message: `live: ${text}` } } }] } });
    }
  }
  async *receive(): AsyncGenerator<LlmResponse, void, void> {
    for (;;) {
      while (this.#items.length === 0) await new Promise<void>((resolve) => (this.#wake = resolve));
      const item = this.#items.shift()!;
      if (item === null) return;
      yield item;
    }
  }
  async close(): Promise<void> {
    this.#push(null);
  }
}

class FakeLiveModel extends BaseLlm {
  constructor() {
    super({ model: 'fake-live' });
  }
  async *generateContentAsync(): AsyncGenerator<LlmResponse, void> {
    throw new Error('live only');
  }
  async connect(_request: LlmRequest): Promise<BaseLlmConnection> {
    return new FakeLiveConnection();
  }
}

describe('runLiveWithStatus', () => {
  let srv: HubServer;
  beforeEach(async () => {
    srv = await startHubServer();
  });
  afterEach(async () => {
    await srv.close();
  });

  it('binds every step of a live run: the model’s status_message call reaches the session’s socket', async () => {
    const agent = new LlmAgent({ name: 'live_agent', model: new FakeLiveModel(), instruction: 'x', tools: [statusMessageTool] });
    const runner = new InMemoryRunner({ agent, appName: 'live_test' });
    const socket = await TestClient.open(srv.url('live-browser'));
    const other = await TestClient.open(srv.url('live-other'));
    const queue = new LiveRequestQueue();
    queue.sendContent({ role: 'user', parts: [{ text: 'hello live' }] });
    const events: Event[] = [];
    for await (const event of runLiveWithStatus(runner, {
      hub: srv.hub,
      statusSessionId: 'live-browser',
      userId: 'u',
      sessionId: 'live-adk',
      liveRequestQueue: queue,
      runConfig: { responseModalities: [Modality.TEXT] },
    })) {
      events.push(event);
      if (event.turnComplete) queue.close();
    }
    await socket.waitFor((c) => c.statuses.length === 1);
    expect(socket.statuses[0]).toMatchObject({ data: 'live: hello live', agent: 'live_agent' });
    expect(events.some((event) => event.content?.parts?.some((part) => part.text === 'live answer'))).toBe(true);
    expect(other.statuses).toHaveLength(0);
    await Promise.all([socket.close(), other.close()]);
  });
});
