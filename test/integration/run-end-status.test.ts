/**
 * The end of a run as the browser sees it: `runWithStatus` closes each run that showed a status
 * with one more status carrying `state` (done / failed / aborted), through the real ADK runner,
 * a real hub and real sockets. A failed run is always reported, with a generic text.
 */
import { InMemoryRunner, LlmAgent } from '@google/adk';
import type { Event } from '@google/adk';
import { RUN_END_STATUSES } from '../../src/binding/status-run.js';
import { runWithStatus } from '../../src/runner/run-with-status.js';
import { statusMessageTool } from '../../src/tools/status-message-tool.js';
import { startHubServer, TestClient } from '../support/hub-server.js';
import type { HubServer } from '../support/hub-server.js';
import { callTools, reply, ScriptedLlm } from '../support/scripted-llm.js';
import type { Script } from '../support/scripted-llm.js';

const APP = 'run_end_test';
const userMessage = (text: string) => ({ role: 'user', parts: [{ text }] });

describe('the end-of-run status', () => {
  let srv: HubServer;
  beforeEach(async () => {
    srv = await startHubServer();
  });
  afterEach(async () => {
    await srv.close();
  });

  async function runner(script: Script) {
    const agent = new LlmAgent({ name: 'worker', model: new ScriptedLlm(script), instruction: 'work', tools: [statusMessageTool] });
    const r = new InMemoryRunner({ agent, appName: APP });
    return r;
  }
  const working: Script = ({ step }) => (step === 0 ? callTools({ name: 'status_message', args: { message: 'Working' } }) : reply('answer'));

  async function run(r: InMemoryRunner, sessionId: string, consume?: (events: AsyncGenerator<Event>) => Promise<void>): Promise<unknown> {
    await r.sessionService.createSession({ appName: APP, userId: 'u', sessionId });
    const events = runWithStatus(r, { hub: srv.hub, userId: 'u', sessionId, newMessage: userMessage('go') });
    try {
      if (consume) await consume(events);
      else for await (const _ of events);
      return undefined;
    } catch (error) {
      return error;
    }
  }

  it('sends `done` after the last event, and a tab that connects later gets only that', async () => {
    const r = await runner(working);
    const tab = await TestClient.open(srv.url('done'));
    expect(await run(r, 'done')).toBeUndefined();
    await tab.waitFor((c) => c.runEnds.length === 1);
    expect(tab.statusTexts).toEqual(['Working']);
    expect(tab.runEnds.map((f) => [f.data, f.level, f.state, f.seq])).toEqual([['Done', 'success', 'done', 2]]);

    const late = await TestClient.open(srv.url('done'));
    await late.waitFor((c) => c.runEnds.length === 1);
    expect(late.statuses).toEqual([]);
    expect(late.runEnds[0]).toMatchObject({ data: 'Done', state: 'done', replay: true });
    await Promise.all([tab.close(), late.close()]);
  });

  it('sends `failed` with a generic error text when the model throws, even if nothing was shown', async () => {
    const r = await runner(() => {
      throw new Error('quota project 1234 exhausted');
    });
    const tab = await TestClient.open(srv.url('failed'));
    // ADK turns the throw into an error event or rethrows it (either way the run failed).
    await run(r, 'failed');
    await tab.waitFor((c) => c.runEnds.length === 1);
    expect(tab.runEnds[0]).toMatchObject({ data: RUN_END_STATUSES.failed.message, level: 'error', state: 'failed' });
    expect(tab.raw.join('\n')).not.toContain('quota');
    await tab.close();
  });

  it('sends `failed` when the runner itself throws (no such session), and rethrows', async () => {
    const r = await runner(working);
    const tab = await TestClient.open(srv.url('missing'));
    const events = runWithStatus(r, { hub: srv.hub, userId: 'u', sessionId: 'missing', newMessage: userMessage('go') });
    await expect((async () => {
      for await (const _ of events);
    })()).rejects.toThrow(/session/i);
    await tab.waitFor((c) => c.runEnds.length === 1);
    expect(tab.runEnds[0]).toMatchObject({ state: 'failed', level: 'error' });
    await tab.close();
  });

  it('sends `failed` when the run ends on an ADK error event', async () => {
    const r = await runner(({ step }) =>
      step === 0 ? callTools({ name: 'status_message', args: { message: 'Working' } }) : { errorCode: 'RESOURCE_EXHAUSTED', errorMessage: 'secret detail' },
    );
    const tab = await TestClient.open(srv.url('error-event'));
    await run(r, 'error-event');
    await tab.waitFor((c) => c.runEnds.length === 1);
    expect(tab.runEnds[0]).toMatchObject({ state: 'failed', level: 'error' });
    expect(tab.raw.join('\n')).not.toContain('secret detail');
    await tab.close();
  });

  it('sends `aborted` when the consumer stops early, and nothing for a run that showed nothing', async () => {
    const r = await runner(working);
    const tab = await TestClient.open(srv.url('stopped'));
    await run(r, 'stopped', async (events) => {
      for await (const event of events) if (event.content?.parts?.some((p) => p.functionResponse)) break;
    });
    await tab.waitFor((c) => c.runEnds.length === 1);
    expect(tab.runEnds[0]).toMatchObject({ data: 'Stopped', state: 'aborted' });

    const quiet = await runner(() => reply('no statuses'));
    const other = await TestClient.open(srv.url('quiet'));
    expect(await run(quiet, 'quiet')).toBeUndefined();
    // A marker sent after the run: a run-end status would be before it.
    srv.hub.send('quiet', 'marker');
    await other.waitFor((c) => c.statusTexts.includes('marker'));
    expect(other.frames.filter((f) => f.type === 'status').map((f) => (f as { data: string }).data)).toEqual(['marker']);
    await Promise.all([tab.close(), other.close()]);
  });
});
