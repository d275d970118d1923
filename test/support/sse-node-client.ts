/**
 * A Node 20 process (no global WebSocket, no EventSource) using the ESM client the way a Node
 * user would: `connectStatusUpdates(url, { EventSource: FetchEventSource })` with the default
 * `auto` transport. Run by test/e2e/client-node-sse.test.ts with `node --import tsx`: prints one
 * JSON line per status and per connection change, and exits after a status with `state`.
 * (A child process because `eventsource-parser` is ESM-only, which jest's CJS mode cannot load.)
 */
import { connectStatusUpdates, FetchEventSource } from '../../src/client/index.js';

const url = process.argv[2]!;
const print = (line: unknown) => process.stdout.write(`${JSON.stringify(line)}\n`);
const connection = connectStatusUpdates(url, {
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
