/**
 * Bench worker: ADK runs with statuses, with AsyncLocalStorage on or off, in a process of its
 * own. Once any `AsyncLocalStorage#run` has been called, Node up to 22 keeps a promise hook enabled
 * for the whole process, so "off" can only be measured where nothing ever bound a store.
 *
 *   on:   `status_message` (the binding lookup) + iterating through `runWithStatus`
 *   off:  a tool that calls `hub.send(ctx.sessionId, …)` directly + plain `runner.runAsync`, then
 *         the run-end status runWithStatus sends (`state: 'done'`) by hand
 *   hook: `off` in a process where AsyncLocalStorage was enabled once (Node's part of the cost)
 *
 * Each `round` request runs `runs` fresh sessions at once and replies with the CPU time and
 * wall time they took.
 */
import { FunctionTool, InMemoryRunner, LlmAgent, LogLevel, setLogLevel } from '@google/adk';
import type { Event } from '@google/adk';
import { z } from 'zod';
import {
  DEFAULT_STATUS_TOOL_DESCRIPTION,
  runWithStatus,
  setDefaultLogger,
  silentLogger,
  statusMessageTool,
  StatusHub,
  withStatusSession,
} from '../../src/index.js';
import { callTools, reply, ScriptedLlm } from '../../test/support/scripted-llm.js';
import { post, serveRequests } from '../support/worker-port.js';

const variant = process.argv[2];
const runs = Number(process.argv[3]);
if ((variant !== 'on' && variant !== 'off' && variant !== 'hook') || !Number.isSafeInteger(runs) || runs < 1) {
  throw new Error('usage: als-runs.ts <on|off|hook> <runs per round>');
}
setLogLevel(LogLevel.ERROR);
setDefaultLogger(silentLogger);

const APP = 'als';
const STATUSES_PER_RUN = 2;
const hub = new StatusHub({ heartbeatIntervalMs: 0 });

// What a user would write without the binding: the ADK session id is the status session.
const directTool = new FunctionTool({
  name: 'status_message',
  description: DEFAULT_STATUS_TOOL_DESCRIPTION,
  parameters: z.object({ message: z.string().trim().min(1).max(500) }),
  execute: ({ message }, ctx) => {
    const sockets = hub.send(ctx!.sessionId, { message, agent: ctx!.agentName });
    return sockets > 0 ? { status: 'delivered', sockets } : { status: 'no_viewer', sockets: 0 };
  },
});

const model = new ScriptedLlm(({ userText, step }) =>
  step < STATUSES_PER_RUN
    ? callTools({ name: 'status_message', args: { message: `${userText} step ${step + 1}` } })
    : reply('done'),
);
const runner = new InMemoryRunner({
  agent: new LlmAgent({ name: 'worker', model, instruction: 'work', tools: [variant === 'on' ? statusMessageTool : directTool] }),
  appName: APP,
});
const ids = Array.from({ length: runs }, (_, i) => `als-${i}`);

async function drain(events: AsyncIterable<Event>): Promise<void> {
  for await (const _event of events);
}

function run(sessionId: string): Promise<void> {
  const params = { userId: 'u', sessionId, newMessage: { role: 'user', parts: [{ text: sessionId }] } };
  if (variant === 'on') return drain(runWithStatus(runner, { hub, ...params }));
  // runWithStatus ends each run with a status of its own (`state: 'done'`): the unbound variants
  // send the same one, so every variant sends the same frames and only the binding differs.
  return drain(runner.runAsync(params)).then(() => {
    hub.send(sessionId, { message: 'Done', level: 'success', state: 'done' });
  });
}

async function round(): Promise<{ cpuMs: number; wallMs: number; statuses: number }> {
  await Promise.all(ids.map((sessionId) => runner.sessionService.createSession({ appName: APP, userId: 'u', sessionId })));
  const before = hub.stats().statusesSent;
  const cpu = process.cpuUsage();
  const started = performance.now();
  await Promise.all(ids.map(run));
  const wallMs = performance.now() - started;
  const used = process.cpuUsage(cpu);
  return { cpuMs: (used.user + used.system) / 1000, wallMs, statuses: hub.stats().statusesSent - before };
}

serveRequests(
  async (message) => {
    if (message.type !== 'round') throw new Error(`unknown request ${message.type}`);
    return { type: 'round-done', ...(await round()) };
  },
  () => hub.close(),
);
// Enables Node's AsyncLocalStorage machinery (a process-wide promise hook) without using it.
if (variant === 'hook') withStatusSession({ sessionId: 'enable' }, () => undefined);
post({ type: 'ready' });
