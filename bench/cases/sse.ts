/**
 * Case: statuses over Server-Sent Events. Ours is `hub.send` to a session whose clients read
 * `GET /ws/<id>` as `text/event-stream`; the limit is a hand-written raw SSE writer that numbers,
 * times and encodes each status (`RawStatusEncoder`) into the same event (`id:` + `data:` lines)
 * and `res.write`s it, corked until the next microtask as the hub does. The wire ceiling (one
 * identical prebuilt event) is shown for scale. One stream, and one session × 10 streams.
 * Clients live in a child process.
 */
import type { ServerResponse } from 'node:http';
import { formatRatio } from '../report/format.js';
import { startHubHost } from '../support/hub-host.js';
import { interleave } from '../support/interleave.js';
import { pump } from '../support/pump.js';
import { pairedRatio, rateRow, toRates } from '../support/rate-rows.js';
import { corkedSseSender, gatheredSseSender, startRawSseHost } from '../support/raw-sse-host.js';
import { RemoteClients } from '../support/remote-clients.js';
import { PREBUILT_FRAME, RawStatusEncoder, STATUS_TEXT } from '../support/status-payload.js';
import type { BenchCase } from '../types.js';

/** The wire ceiling's event: one frame with an id of the hub's shape, identical every time. */
const PREBUILT_EVENT = `id: AbCdEfGh:100000\ndata: ${PREBUILT_FRAME}\n\n`;
const EPOCH = 'AbCdEfGh';

/** The limit's event: a new frame each time, with its `<epoch>:<seq>` id. */
function rawEvent(encoder: RawStatusEncoder): string {
  const json = encoder.frame(STATUS_TEXT);
  return `id: ${EPOCH}:${encoder.lastSeq()}\ndata: ${json}\n\n`;
}

export const sseCase: BenchCase = {
  id: 'sse',
  title: 'SSE: statuses to one stream, one session × 10 streams',
  async run({ quick }) {
    const total = quick ? 4_000 : 40_000;
    const streams = 10;
    const toGroup = quick ? 1_000 : 8_000;
    const rounds = quick ? 2 : 6;
    const raw = await startRawSseHost();
    const ours = await startHubHost();
    const clients = new RemoteClients();
    try {
      const rawOne = await clients.openSse('raw-one', [raw.url('one')]);
      const hubOne = await clients.openSse('hub-one', [ours.sseUrl('one')]);
      const rawGroup = await clients.openSse('raw-group', Array.from({ length: streams }, () => raw.url('group')));
      const hubGroup = await clients.openSse('hub-group', Array.from({ length: streams }, () => ours.sseUrl('group')));
      const rawOneRes = [...(raw.sessions.get('one') ?? [])][0];
      const rawGroupSet = raw.sessions.get('group') ?? new Set();
      if (!rawOneRes || rawGroupSet.size !== streams || ours.hub.socketCount('group') !== streams) {
        throw new Error('the SSE clients did not all connect');
      }
      const send = corkedSseSender();
      const gather = gatheredSseSender();
      const oneEncoder = new RawStatusEncoder();
      const groupEncoder = new RawStatusEncoder();
      // One event per status, encoded once, written to each stream of the group by `writer`.
      const groupEncoding = (writer: (res: ServerResponse, event: string) => void) => () =>
        pump({
          total: toGroup,
          fanOut: streams,
          counter: rawGroup,
          send: () => {
            const event = rawEvent(groupEncoder);
            for (const res of rawGroupSet) writer(res, event);
          },
        });
      const samples = await interleave({
        rounds,
        warmup: 1,
        log: (line) => process.stderr.write(`  sse: ${line}\n`),
        variants: {
          limitOne: () => pump({ total, counter: rawOne, send: () => send(rawOneRes, rawEvent(oneEncoder)) }),
          gatheredOne: () => pump({ total, counter: rawOne, send: () => gather(rawOneRes, rawEvent(oneEncoder)) }),
          rawOne: () => pump({ total, counter: rawOne, send: () => send(rawOneRes, PREBUILT_EVENT) }),
          oursOne: () => pump({ total, counter: hubOne, send: () => ours.hub.send('one', STATUS_TEXT) }),
          limitGroup: groupEncoding(send),
          gatheredGroup: groupEncoding(gather),
          oursGroup: () => pump({ total: toGroup, fanOut: streams, counter: hubGroup, send: () => ours.hub.send('group', STATUS_TEXT) }),
        },
      });
      const rates = {
        limitOne: toRates(samples.limitOne, total),
        rawOne: toRates(samples.rawOne, total),
        gatheredOne: toRates(samples.gatheredOne, total),
        gatheredGroup: toRates(samples.gatheredGroup, toGroup * streams),
        oursOne: toRates(samples.oursOne, total),
        limitGroup: toRates(samples.limitGroup, toGroup * streams),
        oursGroup: toRates(samples.oursGroup, toGroup * streams),
      };
      const one = pairedRatio(rates.oursOne.cpu, rates.limitOne.cpu);
      const group = pairedRatio(rates.oursGroup.cpu, rates.limitGroup.cpu);
      const oneVsGathered = pairedRatio(rates.oursOne.cpu, rates.gatheredOne.cpu);
      const groupVsGathered = pairedRatio(rates.oursGroup.cpu, rates.gatheredGroup.cpu);
      const oneBase = { name: 'the limit', rates: rates.limitOne };
      const groupBase = { name: 'the limit', rates: rates.limitGroup };
      const { coalesced } = ours.hub.stats();
      return {
        rows: [
          rateRow('raw SSE writer: 1 stream, encode each event, res.write each, corked (the limit)', rates.limitOne, oneBase),
          rateRow('raw SSE writer: 1 stream, encode each event, one res.write per burst (the hub’s write path alone)', rates.gatheredOne, oneBase),
          rateRow('raw SSE writer: 1 stream, wire ceiling (identical prebuilt event, corked)', rates.rawOne, oneBase),
          rateRow('ours: 1 stream (hub.send → SSE)', rates.oursOne, oneBase),
          rateRow(`raw SSE writer: 1 session × ${streams} streams, encode each event once, corked (the limit)`, rates.limitGroup, groupBase),
          rateRow(`raw SSE writer: 1 session × ${streams} streams, encode each event once, one res.write per burst (the hub’s write path alone)`, rates.gatheredGroup, groupBase),
          rateRow(`ours: 1 session × ${streams} streams (encoded once)`, rates.oursGroup, groupBase),
        ],
        targets: [{ name: 'SSE: ours ≥ 0.9× the limit (corked raw SSE writer, encoding each event; 1 stream)', measured: formatRatio(one), actual: one, met: one >= 0.9 }],
        chart: [
          { label: 'SSE 1 stream: ours ÷ the limit', ratio: one, target: 0.9 },
          { label: `SSE ${streams} streams: ours ÷ the limit`, ratio: group },
          { label: 'SSE 1 stream: ours ÷ the hub’s write path alone', ratio: oneVsGathered },
          { label: `SSE ${streams} streams: ours ÷ the hub’s write path alone`, ratio: groupVsGathered },
        ],
        notes: [
          'The hub joins a stream’s events of one burst into one `res.write` (one chunk of the chunked body instead of one per event), which is why it passes the limit; "the hub’s write path alone" is that write path with nothing of the hub, and ours ÷ it is what the hub’s guarantees cost.',
          `${total.toLocaleString('en-US')} statuses per round to one stream and ${toGroup.toLocaleString('en-US')} to the ${streams}-stream session, at most 1,000 in flight, ${rounds} rounds after a warm-up. Clients split the body into lines and count \`data:\` lines of status frames.`,
          ...(coalesced > 0 ? [`warning: the hub coalesced ${coalesced} statuses (a stream was slow), so ours is flattered`] : []),
        ],
      };
    } finally {
      await clients.close();
      await Promise.all([raw.close(), ours.close()]);
    }
  },
};
