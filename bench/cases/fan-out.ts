/**
 * Case 2: fan-out, delivered frames per second. One status to a session with 10 sockets
 * (ours: `addStatusMessage` in a binding, serialised once, written to each socket), and
 * statuses spread over 1,000 sessions of one socket each (ours: `hub.send(sessionId, …)`,
 * as concurrent runs do). The limit is raw `ws` doing the same fan-out from a session map: each
 * status numbered per session, timed and encoded once (`RawStatusEncoder`; to UTF-8 once for a
 * session's sockets), each socket corked until the next microtask (one write per burst, as the
 * hub does). The wire ceiling (one identical prebuilt frame, corked) and the uncorked loop are
 * shown for scale.
 */
import { addStatusMessage, withStatusSession } from '../../src/index.js';
import { formatRatio } from '../report/format.js';
import { startHubHost } from '../support/hub-host.js';
import { interleave } from '../support/interleave.js';
import { pump } from '../support/pump.js';
import { pairedRatio, rateRow, toRates } from '../support/rate-rows.js';
import { corkedSender, framedSender, preparedFrame, startRawWsHost } from '../support/raw-ws-host.js';
import { RemoteClients } from '../support/remote-clients.js';
import { PREBUILT_FRAME, RawStatusEncoder, STATUS_TEXT } from '../support/status-payload.js';
import type { WebSocket } from 'ws';
import type { BenchCase } from '../types.js';

const GROUP = 'fanout';

export const fanOutCase: BenchCase = {
  id: 'fan-out',
  title: 'Fan-out: one session × 10 sockets, 1,000 sessions × 1 socket',
  async run({ quick }) {
    const sockets = 10;
    const sessions = quick ? 200 : 1000;
    const statusesToGroup = quick ? 1_000 : 8_000;
    const statusesSpread = quick ? 4_000 : 40_000;
    const rounds = quick ? 2 : 6;
    const raw = await startRawWsHost();
    const ours = await startHubHost();
    const clients = new RemoteClients();
    try {
      const ids = Array.from({ length: sessions }, (_, i) => `fan-${i}`);
      const groupUrls = (url: (id: string) => string) => Array.from({ length: sockets }, () => url(GROUP));
      const rawGroup = await clients.openWs('raw-group', groupUrls(raw.url));
      const hubGroup = await clients.openWs('hub-group', groupUrls(ours.url));
      const rawSpread = await clients.openWs('raw-spread', ids.map(raw.url));
      const hubSpread = await clients.openWs('hub-spread', ids.map(ours.url));
      const rawSet = (id: string): Set<WebSocket> => raw.sessions.get(id) ?? new Set();
      const rawSessions = ids.map(rawSet);
      const groupSet = rawSet(GROUP);
      if (groupSet.size !== sockets || ours.hub.socketCount(GROUP) !== sockets) throw new Error('fan-out clients did not all connect');

      const sendCorked = corkedSender();
      const sendFramed = framedSender();
      const groupEncoder = new RawStatusEncoder();
      const spreadEncoder = new RawStatusEncoder(sessions);
      // Round-robin over the sessions, each status numbered, timed and encoded for its session, written by `sender`.
      const spreadEncoding = (sender: (ws: WebSocket, frame: string) => void) => () =>
        pump({
          total: statusesSpread,
          counter: rawSpread,
          send: (i) => {
            const session = i % sessions;
            const frame = spreadEncoder.frame(STATUS_TEXT, session);
            for (const ws of rawSessions[session]!) sender(ws, frame);
          },
        });
      const samples = await interleave({
        rounds,
        warmup: 1,
        log: (line) => process.stderr.write(`  fan-out: ${line}\n`),
        variants: {
          rawGroup: () =>
            pump({
              total: statusesToGroup,
              fanOut: sockets,
              counter: rawGroup,
              send: () => {
                for (const ws of groupSet) ws.send(PREBUILT_FRAME);
              },
            }),
          rawGroupCorked: () =>
            pump({
              total: statusesToGroup,
              fanOut: sockets,
              counter: rawGroup,
              send: () => {
                for (const ws of groupSet) sendCorked(ws, PREBUILT_FRAME);
              },
            }),
          groupLimit: () =>
            pump({
              total: statusesToGroup,
              fanOut: sockets,
              counter: rawGroup,
              send: () => {
                // Encoded to UTF-8 once for the ten sockets, as the hub does.
                const frame = Buffer.from(groupEncoder.frame(STATUS_TEXT), 'utf8');
                for (const ws of groupSet) sendCorked(ws, frame);
              },
            }),
          oursGroup: () =>
            withStatusSession({ hub: ours.hub, sessionId: GROUP }, () =>
              pump({ total: statusesToGroup, fanOut: sockets, counter: hubGroup, send: () => addStatusMessage(STATUS_TEXT) }),
            ),
          groupFramed: () =>
            pump({
              total: statusesToGroup,
              fanOut: sockets,
              counter: rawGroup,
              send: () => {
                const frame = preparedFrame(groupEncoder.frame(STATUS_TEXT));
                for (const ws of groupSet) sendFramed(ws, frame);
              },
            }),
          spreadFramed: spreadEncoding(sendFramed),
          rawSpread: () =>
            pump({
              total: statusesSpread,
              counter: rawSpread,
              send: (i) => {
                for (const ws of rawSessions[i % sessions]!) ws.send(PREBUILT_FRAME);
              },
            }),
          rawSpreadCorked: () =>
            pump({
              total: statusesSpread,
              counter: rawSpread,
              send: (i) => {
                for (const ws of rawSessions[i % sessions]!) sendCorked(ws, PREBUILT_FRAME);
              },
            }),
          spreadLimit: spreadEncoding(sendCorked),
          oursSpread: () =>
            pump({ total: statusesSpread, counter: hubSpread, send: (i) => ours.hub.send(ids[i % sessions]!, STATUS_TEXT) }),
        },
      });
      const rates = {
        rawGroup: toRates(samples.rawGroup, statusesToGroup * sockets),
        rawGroupCorked: toRates(samples.rawGroupCorked, statusesToGroup * sockets),
        groupLimit: toRates(samples.groupLimit, statusesToGroup * sockets),
        spreadLimit: toRates(samples.spreadLimit, statusesSpread),
        rawSpreadCorked: toRates(samples.rawSpreadCorked, statusesSpread),
        oursGroup: toRates(samples.oursGroup, statusesToGroup * sockets),
        groupFramed: toRates(samples.groupFramed, statusesToGroup * sockets),
        spreadFramed: toRates(samples.spreadFramed, statusesSpread),
        rawSpread: toRates(samples.rawSpread, statusesSpread),
        oursSpread: toRates(samples.oursSpread, statusesSpread),
      };
      const groupRatio = pairedRatio(rates.oursGroup.cpu, rates.groupLimit.cpu);
      const spreadRatio = pairedRatio(rates.oursSpread.cpu, rates.spreadLimit.cpu);
      const groupVsFramed = pairedRatio(rates.oursGroup.cpu, rates.groupFramed.cpu);
      const spreadVsFramed = pairedRatio(rates.oursSpread.cpu, rates.spreadFramed.cpu);
      const group = { name: 'the limit', rates: rates.groupLimit };
      const spread = { name: 'the limit', rates: rates.spreadLimit };
      const n = sessions.toLocaleString('en-US');
      return {
        rows: [
          rateRow(`raw ws: 1 session × ${sockets} sockets, encode each frame, ws.send, corked (the limit)`, rates.groupLimit, group),
          rateRow(`raw ws: 1 session × ${sockets} sockets, one prepared frame (Sender.frame), one socket write each, corked (the hub’s write path alone)`, rates.groupFramed, group),
          rateRow(`raw ws: 1 session × ${sockets} sockets, wire ceiling (identical prebuilt frame, corked)`, rates.rawGroupCorked, group),
          rateRow(`raw ws: 1 session × ${sockets} sockets, identical prebuilt frame, uncorked`, rates.rawGroup, group),
          rateRow(`ours: 1 session × ${sockets} sockets (addStatusMessage)`, rates.oursGroup, group),
          rateRow(`raw ws: ${n} sessions × 1 socket, encode each frame, ws.send, corked (the limit)`, rates.spreadLimit, spread),
          rateRow(`raw ws: ${n} sessions × 1 socket, encode each frame, Sender.frame, one socket write, corked (the hub’s write path alone)`, rates.spreadFramed, spread),
          rateRow(`raw ws: ${n} sessions × 1 socket, wire ceiling (identical prebuilt frame, corked)`, rates.rawSpreadCorked, spread),
          rateRow(`raw ws: ${n} sessions × 1 socket, identical prebuilt frame, uncorked`, rates.rawSpread, spread),
          rateRow(`ours: ${n} sessions × 1 socket (hub.send)`, rates.oursSpread, spread),
        ],
        targets: [
          {
            name: `${n} sessions: ours ≥ 0.9× the limit (corked raw ws, encoding each frame)`,
            measured: formatRatio(spreadRatio),
            actual: spreadRatio,
            met: spreadRatio >= 0.9,
          },
        ],
        chart: [
          { label: `fan-out ${sockets} sockets: ours ÷ the limit`, ratio: groupRatio },
          { label: `${n} sessions: ours ÷ the limit`, ratio: spreadRatio, target: 0.9 },
          { label: `fan-out ${sockets} sockets: ours ÷ the hub’s write path alone`, ratio: groupVsFramed },
          { label: `${n} sessions: ours ÷ the hub’s write path alone`, ratio: spreadVsFramed },
        ],
        notes: [
          `Rates count delivered frames (a status to ${sockets} sockets is ${sockets}); ${statusesToGroup.toLocaleString('en-US')} statuses to the group and ${statusesSpread.toLocaleString('en-US')} spread round-robin over the sessions per round, ${rounds} rounds.`,
        ],
      };
    } finally {
      await clients.close();
      await Promise.all([raw.close(), ours.close()]);
    }
  },
};
