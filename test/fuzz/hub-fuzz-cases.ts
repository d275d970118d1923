/**
 * Property-based fuzzing (fast-check) of everything that takes untrusted input: the frame
 * parser, inbound socket frames, status payloads handed to the hub, and garbage bytes after a
 * valid handshake. Counts: 0 crashes, 0 prototype pollution, 0 unhandled rejections. Run with
 * a few thousand inputs by test/fuzz/hub-fuzz.test.ts (`npm test`) and with 20,000 by
 * test/soak/hub-fuzz.test.ts (`npm run test:soak`).
 */
import net from 'node:net';
import fc from 'fast-check';
import { StatusMessengerError } from '../../src/errors.js';
import { parseServerFrame } from '../../src/protocol.js';
import { sleep, startHubServer, TestClient } from '../support/hub-server.js';
import type { HubServer } from '../support/hub-server.js';

const KNOWN_KEYS = new Set(['type', 'data', 'seq', 'ts', 'level', 'progress', 'agent', 'tool', 'replay', 'v', 'epoch', 'from', 'to', 'reason', 'message', 'turn_complete', 'interrupted']);
const HOSTILE_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'polluted'];
const FRAME_TYPES = ['status', 'hello', 'gap', 'agent_message', 'agent_turn_complete', 'agent_interrupted', 'error', 'x'];

/** JSON text shaped like our frames, with hostile keys and wrong-typed values mixed in. */
const hostileFrame = fc
  .record({
    type: fc.constantFrom(...FRAME_TYPES),
    fields: fc.dictionary(fc.oneof(fc.constantFrom(...KNOWN_KEYS, ...HOSTILE_KEYS), fc.string()), fc.jsonValue(), { maxKeys: 8 }),
  })
  .map(({ type, fields }) => {
    const body = Object.entries(fields).map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`);
    return `{${[`"type":${JSON.stringify(type)}`, ...body].join(',')}}`;
  });

/** Frames with valid required fields and hostile extras: exercises the accepting paths. */
const nearValidFrame = fc
  .tuple(
    fc.oneof(
      fc.record({ type: fc.constant('status'), data: fc.string(), seq: fc.nat(), ts: fc.string({ maxLength: 30 }) }),
      fc.record({ type: fc.constant('hello'), v: fc.nat(5), epoch: fc.string({ maxLength: 12 }), seq: fc.nat() }),
      fc.record({ type: fc.constant('gap'), from: fc.nat(), to: fc.nat(), reason: fc.constantFrom('expired', 'reset') }),
    ),
    fc.dictionary(fc.constantFrom(...KNOWN_KEYS, ...HOSTILE_KEYS), fc.jsonValue(), { maxKeys: 4 }),
  )
  .map(([frame, extras]) => {
    const body = Object.entries(extras)
      .filter(([key]) => !(key in frame))
      .map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`);
    return `{${[...Object.entries(frame).map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`), ...body].join(',')}}`;
  });

const anyFrameText = fc.oneof(
  { weight: 3, arbitrary: hostileFrame },
  { weight: 2, arbitrary: nearValidFrame },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 200 }) },
  { weight: 1, arbitrary: fc.json() },
  { weight: 1, arbitrary: fc.constantFrom('{"__proto__":{"polluted":1}}', '{"constructor":{"prototype":{"polluted":1}}}', '[]', 'null', '{', '\u0000', '"status"') },
);

function assertNotPolluted(): void {
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  expect(Object.prototype.hasOwnProperty.call(Object.prototype, 'polluted')).toBe(false);
}

export interface FuzzRuns {
  /** Inputs to each frame parser. */
  parse: number;
  /** Random inbound frames through a real hub. */
  inbound: number;
  /** Random status payloads handed to `hub.send`. */
  payloads: number;
  /** Bursts of garbage bytes after a valid handshake. */
  garbage: number;
}

const n = (count: number) => count.toLocaleString('en-US');

export function describeHubFuzz(runs: FuzzRuns): void {
  describe('fuzz', () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    beforeAll(() => process.on('unhandledRejection', onUnhandled));
    afterAll(() => {
      process.off('unhandledRejection', onUnhandled);
    });
    afterEach(() => {
      expect(unhandled).toEqual([]);
      assertNotPolluted();
    });

    it(`parseServerFrame: ${n(runs.parse)} hostile inputs, never throws, returns only known own fields`, () => {
      let accepted = 0;
      fc.assert(
        fc.property(fc.oneof(anyFrameText, fc.anything()), (input) => {
          const frame = parseServerFrame(input);
          if (frame === undefined) return;
          accepted += 1;
          expect(Object.getPrototypeOf(frame)).toBe(Object.prototype);
          for (const key of Object.keys(frame)) expect(KNOWN_KEYS.has(key)).toBe(true);
          if (frame.type === 'status') expect(typeof frame.data).toBe('string');
        }),
        { numRuns: runs.parse },
      );
      console.log(`fuzz parseServerFrame: ${runs.parse} inputs, ${accepted} accepted as frames, 0 throws, 0 pollution`);
    });

    describe('through a real hub', () => {
      let srv: HubServer;
      beforeEach(async () => {
        srv = await startHubServer({ inboundRateLimit: false });
      });
      afterEach(async () => {
        await srv.close();
      });

      it(`hands ${n(runs.inbound)} random inbound frames to listeners intact, in order, without closing`, async () => {
        const received: string[] = [];
        srv.hub.on('message', (_sessionId, data) => {
          received.push(data);
          try {
            // What an app might do with chat input: parse it and copy its fields.
            Object.assign({}, JSON.parse(data));
          } catch {
            // not JSON: fine
          }
        });
        const texts = fc.sample(anyFrameText, runs.inbound);
        const client = await TestClient.open(srv.url('inbound'));
        const all = new Promise<void>((resolve) => srv.hub.on('message', () => received.length === texts.length && resolve()));
        for (const text of texts) client.socket.send(text);
        await all;
        expect(received).toEqual(texts.map((t) => Buffer.from(t, 'utf8').toString('utf8')));
        expect(client.socket.readyState).toBe(client.socket.OPEN);
        console.log(`fuzz inbound: ${texts.length} random frames delivered intact, socket open, 0 crashes`);
        await client.close();
      });

      it(`accepts or rejects ${n(runs.payloads)} random status payloads with StatusMessengerError only`, async () => {
        const client = await TestClient.open(srv.url('payloads'));
        const payload = fc.oneof(
          fc.string({ unit: 'grapheme', maxLength: 600 }),
          fc.constantFrom('<img src=x onerror=alert(1)>', '<script>alert(1)</script>', '   ', '\u202e', 'x'.repeat(1_000_000)),
          fc.record(
            {
              message: fc.oneof(fc.string({ maxLength: 100 }), fc.anything()),
              level: fc.oneof(fc.constantFrom('info', 'success', 'warning', 'error'), fc.anything()),
              progress: fc.oneof(fc.double(), fc.integer({ min: 0, max: 100 }), fc.anything()),
              agent: fc.oneof(fc.string({ maxLength: 20 }), fc.anything()),
            },
            { requiredKeys: [] },
          ),
          fc.anything(),
        );
        const accepted: string[] = [];
        let rejected = 0;
        fc.assert(
          fc.property(payload, (status) => {
            try {
              srv.hub.send('payloads', status as never);
              const message = typeof status === 'string' ? status : (status as { message: string }).message;
              accepted.push(message.trim());
            } catch (error) {
              rejected += 1;
              expect(StatusMessengerError.isInstance(error)).toBe(true);
              expect(['ERR_INVALID_STATUS', 'ERR_STATUS_TOO_LONG']).toContain((error as StatusMessengerError).code);
            }
          }),
          { numRuns: runs.payloads },
        );
        await client.waitFor((c) => c.statuses.length === accepted.length, 20_000);
        expect(client.statusTexts).toEqual(accepted);
        console.log(`fuzz hub.send: ${runs.payloads} payloads, ${accepted.length} delivered verbatim, ${rejected} rejected with StatusMessengerError`);
        await client.close();
      });

      it(`survives ${n(runs.garbage)} bursts of garbage bytes after a valid handshake`, async () => {
        const garbage = fc.uint8Array({ minLength: 1, maxLength: 2048 });
        const samples = fc.sample(garbage, runs.garbage);
        let closedByPeer = 0;
        // 20 sockets at a time; a burst that is no complete frame leaves its socket waiting for more, so each gets 200 ms.
        for (let i = 0; i < samples.length; i += 20) {
          await Promise.all(
            samples.slice(i, i + 20).map(async (bytes) => {
              const client = await TestClient.open(srv.url('garbage'));
              const raw = (client.socket as unknown as { _socket: net.Socket })._socket;
              raw.write(bytes);
              const result = await Promise.race([client.closed, sleep(200).then(() => undefined)]);
              if (result) closedByPeer += 1;
              client.socket.terminate();
              await client.closed;
            }),
          );
        }
        const deadline = Date.now() + 5000;
        while (srv.hub.stats().sockets > 0 && Date.now() < deadline) await sleep(10);
        expect(srv.hub.stats().sockets).toBe(0);
        const check = await TestClient.open(srv.url('garbage'));
        srv.hub.send('garbage', 'alive');
        await check.waitFor((c) => c.statuses.some((f) => f.data === 'alive'));
        console.log(`fuzz raw bytes: ${runs.garbage} garbage bursts, ${closedByPeer} closed by the server with a protocol error, process alive`);
        await check.close();
      }, 60_000);
    });
  });
}
