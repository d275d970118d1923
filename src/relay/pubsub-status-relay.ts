/**
 * `PubSubStatusRelay`: the scale-out API of earlier versions, kept as a thin wrapper. It plugs a
 * `PubSubAdapter` into a ready hub (`hub.useAdapter`) at `start()` and takes it out at
 * `close()`. New code can pass the adapter to the hub directly:
 * `new StatusHub({ adapter: new PubSubAdapter({ topicName }) })`, then `await adapter.start()`.
 */
import { z } from 'zod';
import type { HubAdapter } from '../hub/adapters/hub-adapter.js';
import { PubSubAdapter, pubSubAdapterShape } from '../hub/adapters/pubsub-adapter.js';
import type { PubSubAdapterOptions, RelayStats } from '../hub/adapters/pubsub-adapter.js';
import { defineOptions, parseOptions } from '../options.js';

export type { RelayStats };

/** The hub the relay serves; `StatusHub` fits. */
export interface RelayHub {
  useAdapter(adapter: HubAdapter): () => void;
}

export interface PubSubStatusRelayOptions extends PubSubAdapterOptions {
  hub: RelayHub;
}

const spec = defineOptions('new PubSubStatusRelay(options)', {
  ...pubSubAdapterShape,
  hub: z.custom<RelayHub>((v) => typeof (v as RelayHub | null)?.useAdapter === 'function', { message: 'a StatusHub' }),
});

export class PubSubStatusRelay {
  readonly #hub: RelayHub;
  readonly #adapter: PubSubAdapter;
  #restore: (() => void) | undefined;

  constructor(options: PubSubStatusRelayOptions) {
    parseOptions(spec, options);
    const { hub, ...adapterOptions } = options;
    this.#hub = hub;
    this.#adapter = new PubSubAdapter(adapterOptions);
  }

  get instanceId(): string {
    return this.#adapter.instanceId;
  }

  /** Plugs the adapter into the hub and starts it; see `PubSubAdapter.start()`. */
  async start(): Promise<void> {
    this.#restore ??= this.#hub.useAdapter(this.#adapter);
    try {
      await this.#adapter.start();
    } catch (error) {
      this.#unplug();
      throw error;
    }
  }

  /** Stops relaying, deletes this instance's subscription, flushes what is buffered; the hub goes on alone. */
  async close(): Promise<void> {
    this.#unplug();
    await this.#adapter.close();
  }

  stats(): RelayStats {
    return this.#adapter.stats();
  }

  #unplug(): void {
    this.#restore?.();
    this.#restore = undefined;
  }
}
