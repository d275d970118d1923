/**
 * The parent side of `workers/status-clients.ts`: clients in a child process, each group with
 * a `Counter` fed by the worker's reports.
 */
import { Counter } from './counter.js';
import { monotonicMs } from './monotonic.js';
import { WorkerProcess } from './worker-process.js';

export interface Receipts {
  /** Receipt times (monotonic ms) per socket, in the order the URLs were given. */
  receipts: number[][];
  /** Statuses a socket received that did not name its session. */
  misrouted: number;
}

export class RemoteClients {
  readonly #worker = new WorkerProcess('bench/workers/status-clients.ts');
  readonly #counters = new Map<string, Counter>();

  constructor() {
    this.#worker.on('count', (message) => this.#counters.get(String(message.key))?.report(Number(message.count)));
  }

  /**
   * Opens one `ws` client per URL; their status receipts count into the returned counter.
   * With `record`, each receipt's time is kept (see `takeReceipts`).
   */
  async openWs(key: string, urls: readonly string[], record = false): Promise<Counter> {
    const counter = this.#register(key);
    await this.#worker.request({ type: 'open-ws', key, urls: [...urls], record }, 'opened', 300_000);
    return counter;
  }

  /** Opens one SSE stream (`Accept: text/event-stream`) per URL; status events count into the counter. */
  async openSse(key: string, urls: readonly string[]): Promise<Counter> {
    const counter = this.#register(key);
    await this.#worker.request({ type: 'open-sse', key, urls: [...urls] }, 'opened', 300_000);
    return counter;
  }

  /** Opens one Socket.IO client joined to `room`. */
  async openSocketIo(key: string, url: string, room: string): Promise<Counter> {
    const counter = this.#register(key);
    await this.#worker.request({ type: 'open-socket-io', key, url, room }, 'opened');
    return counter;
  }

  /** What a `record` group received since the last call. */
  async takeReceipts(key: string): Promise<Receipts> {
    const reply = await this.#worker.request({ type: 'take-receipts', key }, 'receipts');
    return { receipts: reply.receipts as number[][], misrouted: Number(reply.misrouted) };
  }

  /**
   * Checks that the worker's monotonic clock is ours: its reading must fall between two of
   * ours. Returns the largest disagreement seen (0 when consistent), in ms.
   */
  async clockSkewMs(samples = 20): Promise<number> {
    let worst = 0;
    for (let i = 0; i < samples; i += 1) {
      const before = monotonicMs();
      const { now } = await this.#worker.request({ type: 'clock' }, 'clock');
      const after = monotonicMs();
      const theirs = Number(now);
      worst = Math.max(worst, before - theirs, theirs - after);
    }
    return Math.max(0, worst);
  }

  close(): Promise<void> {
    return this.#worker.stop();
  }

  #register(key: string): Counter {
    const counter = new Counter();
    this.#counters.set(key, counter);
    return counter;
  }
}
