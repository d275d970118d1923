/**
 * The default adapter: one process, nothing to publish. Every status a hub accepts is already
 * written to its own subscribers by the core, so this adapter only keeps the `deliver` port
 * (handy for tests and for relays written on top of it).
 */
import type { AdapterHost, HubAdapter, NumberedStatus } from './hub-adapter.js';

export class InMemoryAdapter implements HubAdapter {
  #host: AdapterHost | undefined;

  attach(host: AdapterHost): void {
    this.#host = host;
  }

  published(_status: NumberedStatus): void {}

  /** Hands a status numbered elsewhere to the hub (see `AdapterHost.deliver`). */
  deliver(status: NumberedStatus): number {
    return this.#host?.deliver(status) ?? 0;
  }

  close(): void {
    this.#host = undefined;
  }
}
