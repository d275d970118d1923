/**
 * The default adapter: one process, nothing to publish and nothing to receive. Every status a
 * hub accepts is already written to its own subscribers by the core.
 */
import type { HubAdapter, NumberedStatus } from './hub-adapter.js';

export class InMemoryAdapter implements HubAdapter {
  attach(): void {}

  published(_status: NumberedStatus): void {}

  close(): void {}
}
