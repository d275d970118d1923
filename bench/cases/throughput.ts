/**
 * Case 1: statuses to one socket, until the client has received them all. The limit is raw `ws`
 * doing the least a status sender must: number, time and encode each frame (`RawStatusEncoder`),
 * with the TCP socket corked until the next microtask (one write per burst, as the hub does).
 * Shown for scale: the wire ceiling (one identical prebuilt frame, corked), the same uncorked
 * (one write per frame), and a hand-rolled uncorked server that `JSON.stringify`s each frame
 * object. Ours is `addStatusMessage` inside a `withStatusSession` binding (binding → hub →
 * socket); Socket.IO is a room emit. Clients live in a child process.
 */
import { addStatusMessage, withStatusSession } from '../../src/index.js';
import { formatRatio } from '../report/format.js';
import { startHubHost } from '../support/hub-host.js';
import { interleave } from '../support/interleave.js';
import { pump } from '../support/pump.js';
import { pairedRatio, rateRow, toRates } from '../support/rate-rows.js';
import { corkedSender, framedSender, startRawWsHost } from '../support/raw-ws-host.js';
import { RemoteClients } from '../support/remote-clients.js';
import { startSocketIoHost } from '../support/socket-io-host.js';
import { buildFrame, PREBUILT_FRAME, RawStatusEncoder, STATUS_TEXT, statusFrame } from '../support/status-payload.js';
import type { BenchCase } from '../types.js';

const SESSION = 'throughput';

export const throughputCase: BenchCase = {
  id: 'throughput',
  title: 'Status throughput to one socket',
  async run({ quick }) {
    const total = quick ? 4_000 : 40_000;
    const rounds = quick ? 2 : 7;
    const raw = await startRawWsHost();
    const ours = await startHubHost();
    const sio = await startSocketIoHost();
    const clients = new RemoteClients();
    try {
      const rawCounter = await clients.openWs('raw', [raw.url(SESSION)]);
      const hubCounter = await clients.openWs('hub', [ours.url(SESSION)]);
      const sioCounter = await clients.openSocketIo('sio', `http://127.0.0.1:${sio.port}`, SESSION);
      const rawSocket = [...(raw.sessions.get(SESSION) ?? [])][0];
      if (!rawSocket) throw new Error('the raw ws client did not connect');
      const bound = withStatusSession({ hub: ours.hub, sessionId: SESSION }, () => addStatusMessage(STATUS_TEXT));
      if (!bound) throw new Error('addStatusMessage reached no socket: the binding or the hub is broken');
      await hubCounter.until(1);

      const sendCorked = corkedSender();
      const sendFramed = framedSender();
      const encoder = new RawStatusEncoder();
      const samples = await interleave({
        rounds,
        warmup: 1,
        log: (line) => process.stderr.write(`  throughput: ${line}\n`),
        variants: {
          limit: () => pump({ total, counter: rawCounter, send: () => sendCorked(rawSocket, encoder.frame(STATUS_TEXT)) }),
          framed: () => pump({ total, counter: rawCounter, send: () => sendFramed(rawSocket, encoder.frame(STATUS_TEXT)) }),
          rawCorked: () => pump({ total, counter: rawCounter, send: () => sendCorked(rawSocket, PREBUILT_FRAME) }),
          raw: () => pump({ total, counter: rawCounter, send: () => rawSocket.send(PREBUILT_FRAME) }),
          handRolled: () => pump({ total, counter: rawCounter, send: (i) => rawSocket.send(buildFrame(i)) }),
          ours: () =>
            withStatusSession({ hub: ours.hub, sessionId: SESSION }, () =>
              pump({ total, counter: hubCounter, send: () => addStatusMessage(STATUS_TEXT) }),
            ),
          socketIo: () =>
            pump({ total, counter: sioCounter, send: (i) => sio.io.to(SESSION).emit('status', statusFrame(i)) }),
        },
      });
      const rates = {
        limit: toRates(samples.limit, total),
        framed: toRates(samples.framed, total),
        rawCorked: toRates(samples.rawCorked, total),
        raw: toRates(samples.raw, total),
        handRolled: toRates(samples.handRolled, total),
        ours: toRates(samples.ours, total),
        socketIo: toRates(samples.socketIo, total),
      };
      const vsRaw = pairedRatio(rates.ours.cpu, rates.limit.cpu);
      const vsFramed = pairedRatio(rates.ours.cpu, rates.framed.cpu);
      const vsSocketIo = pairedRatio(rates.ours.cpu, rates.socketIo.cpu);
      const baseline = { name: 'the limit', rates: rates.limit };
      const { coalesced } = ours.hub.stats();
      return {
        rows: [
          rateRow('raw ws: encode each status frame, ws.send, corked per burst (the limit)', rates.limit, baseline),
          rateRow('raw ws: encode each status frame, Sender.frame once, one socket write each, corked (the hub’s write path alone)', rates.framed, baseline),
          rateRow('raw ws: wire ceiling (identical prebuilt frame, corked)', rates.rawCorked, baseline),
          rateRow('raw ws: identical prebuilt frame, one write per frame (uncorked)', rates.raw, baseline),
          rateRow('raw ws: JSON.stringify each frame object, uncorked (hand-rolled)', rates.handRolled, baseline),
          rateRow('ours: addStatusMessage (binding → hub → socket)', rates.ours, baseline),
          rateRow('Socket.IO 4: io.to(room).emit', rates.socketIo, baseline),
        ],
        targets: [
          { name: 'throughput: ours ≥ 0.95× the limit (corked raw ws, encoding each frame)', measured: formatRatio(vsRaw), actual: vsRaw, met: vsRaw >= 0.95 },
          { name: 'throughput: ours ≥ 2× Socket.IO', measured: formatRatio(vsSocketIo), actual: vsSocketIo, met: vsSocketIo >= 2 },
        ],
        chart: [
          { label: 'throughput: ours ÷ the limit', ratio: vsRaw, target: 0.95 },
          { label: 'throughput: ours ÷ the hub’s write path alone', ratio: vsFramed },
          { label: 'throughput: ours ÷ Socket.IO', ratio: vsSocketIo, target: 2 },
        ],
        notes: [
          'The limit is a raw ws sender doing the least any status stream must: number, time and encode each frame (the same hand-written template as the hub), and what the hub does to the socket (cork until the next microtask, one write per burst), nothing else. The wire ceiling sends one identical prebuilt frame, which no status stream can (seq and ts differ per frame), so it is shown but not compared against; the uncorked loops pay one write per frame, so a batching server "beats" them.',
          `The hub frames each frame once with ws's own \`Sender.frame\` (header and payload in one buffer, shared by a session's sockets) and writes it straight into the socket, corked for the burst: one chunk per frame where \`ws.send\` hands the socket two (and builds an options object for each). The row "the hub's write path alone" is that same write path with nothing of the hub (no binding, validation, numbering, history, backpressure): ours ÷ it (${formatRatio(vsFramed)}) is what the hub's guarantees cost.`,
          `${total.toLocaleString('en-US')} statuses per round (${PREBUILT_FRAME.length}-character frames), at most 1,000 in flight, ${rounds} rounds after a warm-up, variants in rotating order.`,
          'msg/CPU-s = statuses the client received ÷ CPU seconds the server process used (clients run in a child process); ratios are medians of per-round ratios. Wall-clock rates are shown beside them: on a shared machine other tenants stretch wall time, not our CPU time.',
          ...(coalesced > 0 ? [`warning: the hub coalesced ${coalesced} statuses (a socket was slow), so ours is flattered`] : []),
        ],
      };
    } finally {
      await clients.close();
      await Promise.all([raw.close(), ours.close(), sio.close()]);
    }
  },
};
