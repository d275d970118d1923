/**
 * A Node process using the ESM client over SSE the way a Node user would: Node has no global
 * `EventSource`, so `connectStatusUpdates(url, { transport: 'sse', EventSource: FetchEventSource })`
 * (with `auto`, Node 22+ would take its global WebSocket). Run by test/e2e/client-node-sse.test.ts with `node --import tsx`: prints one
 * JSON line per status and per connection change, and exits after a status with `state`.
 * (A child process because `eventsource-parser` is ESM-only, which jest's CJS mode cannot load.)
 */
import { connectStatusUpdates, FetchEventSource } from '../../src/client/index.js';

const url = process.argv[2]!;
const print = (line: unknown) => process.stdout.write(`${JSON.stringify(line)}\n`);
const connection = connectStatusUpdates(url, {
  transport: 'sse',
  EventSource: FetchEventSource,
  reconnectDelayMs: 50,
  maxReconnectDelayMs: 100,
  onConnectionChange: (state, detail) => print({ state, transport: detail.transport }),
  onStatus: (status) => {
    print({ status: status.data, seq: status.seq, replay: status.replay === true, steps: connection.steps.length });
    if (status.state) {
      connection.close();
      print({ runState: connection.runState, transport: connection.transport });
    }
  },
  onGap: (gap) => print({ gap: gap.reason }),
});
