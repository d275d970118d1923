/**
 * Case 3: `status_message` called by a scripted model through a real ADK `InMemoryRunner`,
 * 1,000 sessions running at once, each with its browser socket (a `ws` client in a child
 * process, as a browser has its own event loop). Reported: tool start → frame receipt,
 * `hub.send` → receipt (the hub part, under that load and alone), and the synchronous
 * `hub.send` itself. Times are on the machine's monotonic clock, shared by both processes.
 */
import { InMemoryRunner, LlmAgent } from '@google/adk';
import type { BaseTool, Event } from '@google/adk';
import { createStatusMessageTool, runWithStatus } from '../../src/index.js';
import { callTools, reply, ScriptedLlm } from '../../test/support/scripted-llm.js';
import { formatNumber } from '../report/format.js';
import { startHubHost } from '../support/hub-host.js';
import { LatencyRecorder } from '../support/latency-recorder.js';
import { startRawWsHost } from '../support/raw-ws-host.js';
import { alternatingSink, rawStatusSink } from '../support/raw-status-sink.js';
import { RemoteClients } from '../support/remote-clients.js';
import { percentile } from '../support/stats.js';
import { STATUS_TEXT } from '../support/status-payload.js';
import type { BenchCase, Row } from '../types.js';

const APP = 'bench';
const STATUSES_PER_RUN = 2;
/** The scripted model answers after a random 0–20 ms, so 1,000 runs interleave as real ones do. */
const MODEL_DELAY_MS = 20;

async function drain(events: AsyncIterable<Event>): Promise<void> {
  for await (const _event of events);
}

/** Marks when ADK starts running the tool (before argument validation and our code). */
function timeToolStarts(tool: BaseTool, recorder: LatencyRecorder): void {
  const run = tool.runAsync.bind(tool);
  tool.runAsync = (request) => {
    recorder.toolStarted(request.toolContext.sessionId);
    return run(request);
  };
}

/** p50 and p99 rows, each with its ratio to the same percentile of `baseline` when given. */
function latencyRows(label: string, samples: readonly number[], unit: 'ms' | 'µs', baseline?: readonly number[]): Row[] {
  const scale = unit === 'µs' ? 1000 : 1;
  return [50, 99].map((p) => {
    const row: Row = { label: `${label}, p${p}`, value: percentile(samples, p) * scale, unit };
    if (baseline) row.ratio = { value: percentile(samples, p) / percentile(baseline, p), to: 'raw ws' };
    return row;
  });
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export const toolLatencyCase: BenchCase = {
  id: 'tool-latency',
  title: 'Tool call to frame: status_message through a real ADK runner',
  async run({ quick }) {
    const sessions = quick ? 200 : 1000;
    const rounds = quick ? 1 : 3;
    const ids = Array.from({ length: sessions }, (_, i) => `tool-${i}`);
    const recorder = new LatencyRecorder(ids);
    const rawRecorder = new LatencyRecorder(ids);
    const host = await startHubHost();
    const raw = await startRawWsHost();
    const clients = new RemoteClients();
    try {
      const counter = await clients.openWs('tool', ids.map(host.url), true);
      const rawCounter = await clients.openWs('raw', ids.map(raw.url), true);
      const skew = await clients.clockSkewMs();
      const takeReceipts = async (key: string): Promise<{ bySession: Map<string, number[]>; misrouted: number }> => {
        const { receipts, misrouted } = await clients.takeReceipts(key);
        return { bySession: new Map(ids.map((id, i) => [id, receipts[i] ?? []])), misrouted };
      };

      const tool = createStatusMessageTool();
      timeToolStarts(tool, recorder);
      const model = new ScriptedLlm(
        ({ userText, step }) =>
          step < STATUSES_PER_RUN
            ? callTools({ name: 'status_message', args: { message: `${userText} step ${step + 1}` } })
            : reply('done'),
        { delayMs: MODEL_DELAY_MS },
      );
      const runner = new InMemoryRunner({
        agent: new LlmAgent({ name: 'worker', model, instruction: 'work', tools: [tool] }),
        appName: APP,
      });
      const sink = recorder.timedSink(host.hub);
      // Raw ws doing the same delivery by hand shows what the machine itself adds.
      const rawSink = rawRecorder.timedSink(rawStatusSink(raw));
      const pairedSink = alternatingSink(sink, rawSink);

      const toolLatencies: number[] = [];
      const hubLatencies: number[] = [];
      const rawLatencies: number[] = [];
      const sendDurations: number[] = [];
      const rawSendDurations: number[] = [];
      const runSeconds: number[] = [];
      let misrouted = 0;
      for (let round = -1; round < rounds; round += 1) {
        recorder.reset();
        rawRecorder.reset();
        counter.reset();
        rawCounter.reset();
        // A fresh ADK session per round (createSession with an existing id starts it over).
        await Promise.all(ids.map((sessionId) => runner.sessionService.createSession({ appName: APP, userId: 'u', sessionId })));
        const started = performance.now();
        await Promise.all(
          ids.map((sessionId) =>
            drain(
              runWithStatus(runner, {
                hub: pairedSink,
                userId: 'u',
                sessionId,
                newMessage: { role: 'user', parts: [{ text: sessionId }] },
              }),
            ),
          ),
        );
        await Promise.all([counter.until(sessions * STATUSES_PER_RUN), rawCounter.until(sessions * STATUSES_PER_RUN)]);
        const receipts = await takeReceipts('tool');
        const rawReceipts = await takeReceipts('raw');
        if (round < 0) continue; // warm-up
        runSeconds.push((performance.now() - started) / 1000);
        misrouted += receipts.misrouted;
        toolLatencies.push(...LatencyRecorder.latencies(recorder.toolStarts, receipts.bySession));
        hubLatencies.push(...LatencyRecorder.latencies(recorder.sendStarts, receipts.bySession));
        rawLatencies.push(...LatencyRecorder.latencies(rawRecorder.sendStarts, rawReceipts.bySession));
        sendDurations.push(...recorder.sendDurations);
        rawSendDurations.push(...rawRecorder.sendDurations);
        process.stderr.write(`  tool-latency: round ${round + 1}/${rounds} done\n`);
      }

      // The hub part alone, one status at a time (1 ms apart, far more than a delivery takes),
      // alternating with raw ws doing the same, so the machine's own latency tail shows.
      recorder.reset();
      rawRecorder.reset();
      counter.reset();
      rawCounter.reset();
      for (const sessionId of ids) {
        sink.send(sessionId, `${sessionId} ${STATUS_TEXT}`);
        await sleep(1);
        rawSink.send(sessionId, `${sessionId} ${STATUS_TEXT}`);
        await sleep(1);
      }
      await Promise.all([counter.until(sessions), rawCounter.until(sessions)]);
      const alone = await takeReceipts('tool');
      const rawAlone = await takeReceipts('raw');
      misrouted += alone.misrouted;
      const isolated = LatencyRecorder.latencies(recorder.sendStarts, alone.bySession);
      const isolatedSend = [...recorder.sendDurations];
      const rawIsolated = LatencyRecorder.latencies(rawRecorder.sendStarts, rawAlone.bySession);
      const rawIsolatedSend = [...rawRecorder.sendDurations];

      const hubP99 = percentile(hubLatencies, 99);
      const isolatedP99 = percentile(isolated, 99);
      const runsPerSecond = sessions / percentile(runSeconds, 50);
      return {
        rows: [
          ...latencyRows(`tool start → frame at client, ${sessions.toLocaleString('en-US')} concurrent runs`, toolLatencies, 'ms'),
          ...latencyRows('raw ws.send → frame at client, same load', rawLatencies, 'ms'),
          ...latencyRows('hub.send → frame at client, same load', hubLatencies, 'ms', rawLatencies),
          ...latencyRows('raw ws.send itself, same load', rawSendDurations, 'µs'),
          ...latencyRows('hub.send itself (the in-process part), same load', sendDurations, 'µs', rawSendDurations),
          ...latencyRows('raw ws.send → frame at client, one status at a time', rawIsolated, 'ms'),
          ...latencyRows('hub.send → frame at client, one status at a time', isolated, 'ms', rawIsolated),
          ...latencyRows('raw ws.send itself, one status at a time', rawIsolatedSend, 'µs'),
          ...latencyRows('hub.send itself, one status at a time', isolatedSend, 'µs', rawIsolatedSend),
          { label: 'runs completed per second (median round)', value: runsPerSecond, unit: 'runs/s' },
          { label: 'statuses delivered to a wrong session', value: misrouted, unit: 'count' },
        ],
        targets: [
          {
            name: 'hub part p99 < 1 ms: hub.send → frame, under load',
            measured: `${formatNumber(hubP99)} ms (raw ws ${formatNumber(percentile(rawLatencies, 99))} ms)`,
            actual: hubP99,
            met: hubP99 < 1,
          },
          {
            name: 'hub part p99 < 1 ms: hub.send → frame, alone',
            measured: `${formatNumber(isolatedP99)} ms (raw ws ${formatNumber(percentile(rawIsolated, 99))} ms)`,
            actual: isolatedP99,
            met: isolatedP99 < 1,
          },
          { name: '0 statuses delivered to a wrong session', measured: String(misrouted), actual: misrouted, met: misrouted === 0 },
        ],
        chart: [],
        notes: [
          `${sessions.toLocaleString('en-US')} runs at once, ${STATUSES_PER_RUN} status_message calls each, the model answering after 0–${MODEL_DELAY_MS} ms; ${rounds} round${rounds === 1 ? '' : 's'} after a warm-up, latencies pooled (${toolLatencies.length.toLocaleString('en-US')} statuses).`,
          `Every status also goes out through raw ws (build + send by hand, alternating which goes first), so the raw ws rows show what this machine adds under the same load; ratios compare the same percentile.`,
          `tool start = ADK entering the tool's runAsync (argument validation, our tool, the binding lookup, then hub.send). Client receipt times are taken in the client process on the shared monotonic clock (checked: ${formatNumber(skew * 1000)} µs worst disagreement).`,
        ],
      };
    } finally {
      await clients.close();
      await Promise.all([host.close(), raw.close()]);
    }
  },
};
