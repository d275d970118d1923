/**
 * The example's agents under ADK's real dev tools CLI (`adk api_server`, default flags: the
 * agent file is compiled AND bundled, so it runs against its own copy of this package).
 */
import { utimesSync } from 'node:fs';
import path from 'node:path';
import { ROOT, freePort, runSse, startAdkCli } from '../support/adk-cli.js';
import type { AdkCli } from '../support/adk-cli.js';
import { TestClient } from '../support/hub-server.js';
import { RESEARCH_QUESTION, RESEARCH_TEAM_STATUSES } from '../support/research-team-statuses.js';

const AGENTS = path.join('examples', 'adk-devtools', 'agents');
const QUESTION = RESEARCH_QUESTION;
const EXPECTED = RESEARCH_TEAM_STATUSES;

type AdkEvent = Record<string, any>;
const statusOf = (event: AdkEvent) => event.customMetadata?.status_messenger as Record<string, unknown> | undefined;

async function storedEvents(cli: AdkCli, sessionId: string): Promise<AdkEvent[]> {
  const response = await fetch(`${cli.origin}/apps/app/users/u/sessions/${sessionId}`);
  return ((await response.json()) as { events: AdkEvent[] }).events;
}

function checkRun(events: AdkEvent[], toolResult: Record<string, unknown> = { status: 'delivered', via: 'event_stream' }): void {
  const statusEvents = events.filter((event) => statusOf(event));
  expect(statusEvents.map((event) => statusOf(event)!.data)).toEqual(EXPECTED.map((s) => s.data));
  // The tool's statuses carry no `tool` field; the plugin's name the tool they are about.
  expect(statusEvents.map((event) => ('tool' in statusOf(event)! ? 'plugin' : 'tool'))).toEqual(EXPECTED.map((s) => s.by));
  const times = statusEvents.map((event) => Date.parse(statusOf(event)!.ts as string));
  expect([...times].sort((a, b) => a - b)).toEqual(times);
  const topInvocation = events[0]!.invocationId;
  for (const event of statusEvents) {
    expect(event).toMatchObject({ partial: true, invocationId: topInvocation });
    expect(event.content).toBeUndefined();
    expect(typeof event.author).toBe('string');
  }
  const finalIndex = events.findIndex((event) => !event.partial && event.content?.parts?.some((p: AdkEvent) => p.text) && event.author === 'search_support_agent');
  expect(finalIndex).toBeGreaterThan(events.indexOf(statusEvents.at(-1)!));
  const responses = events.flatMap((event) => (event.content?.parts ?? []).filter((p: AdkEvent) => p.functionResponse?.name === 'status_message'));
  expect(responses.length).toBeGreaterThan(0);
  for (const part of responses) expect(part.functionResponse.response).toEqual(toolResult);
}

describe('adk api_server (default flags: bundled agent file)', () => {
  let cli: AdkCli;
  beforeAll(async () => {
    cli = await startAdkCli('api_server', AGENTS, { env: { OFFLINE_DELAY_MS: '20' } });
  }, 180_000);
  afterAll(async () => {
    await cli?.stop();
  });

  it('streams the tool and plugin statuses on /run_sse as partial events, in order, before the answer, never stored', async () => {
    const events = await runSse(cli.origin, { appName: 'app', userId: 'u', sessionId: 'sse-1', text: QUESTION });
    checkRun(events);
    const stored = await storedEvents(cli, 'sse-1');
    expect(stored.length).toBeGreaterThan(0);
    expect(stored.filter((event) => statusOf(event))).toEqual([]);
    expect(stored.filter((event) => event.partial)).toEqual([]);
  }, 120_000);
});

describe('adk api_server --reload_agents, with StatusPlugin({ hub: sharedStatusHub({ port }) }) in the agent file', () => {
  let cli: AdkCli;
  let hubPort: number;
  beforeAll(async () => {
    hubPort = await freePort();
    cli = await startAdkCli('api_server', AGENTS, {
      flags: ['--reload_agents'],
      env: { STATUS_HUB_PORT: String(hubPort), OFFLINE_DELAY_MS: '20' },
    });
  }, 180_000);
  afterAll(async () => {
    await cli?.stop();
  });

  async function liveRun(sessionId: string): Promise<void> {
    const client = await TestClient.open(`ws://127.0.0.1:${hubPort}/ws/${sessionId}`);
    const events = await runSse(cli.origin, { appName: 'app', userId: 'u', sessionId, text: QUESTION });
    checkRun(events, { status: 'delivered', viewers: 1, eventStream: true });
    await client.waitFor((c) => c.statuses.length === EXPECTED.length);
    expect(client.statusTexts).toEqual(EXPECTED.map((s) => s.data));
    await client.close();
  }

  it('delivers every status live to a WebSocket on /ws/<ADK session id>, before and after the agent file is re-imported', async () => {
    // The first run loads the agent file, which creates the hub and starts it listening.
    checkRun(await runSse(cli.origin, { appName: 'app', userId: 'u', sessionId: 'warm-up', text: QUESTION }), {
      status: 'no_viewer',
      viewers: 0,
      eventStream: true,
      note: expect.any(String),
    });
    await liveRun('live-1');
    const file = path.join(ROOT, AGENTS, 'app.ts');
    const now = new Date();
    utimesSync(file, now, now);
    const deadline = Date.now() + 60_000;
    while (!/reloading agents/i.test(cli.output()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    expect(cli.output()).toMatch(/reloading agents/i);
    // The re-imported copy of the package finds the same hub: no second listen, no EADDRINUSE.
    await liveRun('live-2');
    expect(cli.output()).not.toMatch(/EADDRINUSE|could not listen/);
  }, 180_000);
});
