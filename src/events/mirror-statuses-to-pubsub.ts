/** Mirrors every status the hub accepts as a `status_message` agent event, so analytics see what the user saw. Off unless called. */
import { z } from 'zod';
import { invalidOption } from '../errors.js';
import { defineOptions, parseOptions } from '../options.js';
import type { StatusFrame } from '../protocol.js';
import { EVENT_TYPE_PATTERN } from './agent-event.js';
import { getDefaultEventPublisher, publisherOption } from './publish-agent-event.js';

type StatusListener = (sessionId: string, frame: StatusFrame, meta?: { origin?: string | undefined }) => void;

/** The hub's `status` event: `StatusHub` fits. */
export interface StatusEventSource {
  on(event: 'status', listener: StatusListener): unknown;
  off(event: 'status', listener: StatusListener): unknown;
}

const MIRROR_OPTION_SHAPE = {
  /** @default the default publisher, configured from the environment (`getDefaultEventPublisher()`) */
  publisher: publisherOption,
  /** @default 'status_message' */
  eventType: z.string().regex(EVENT_TYPE_PATTERN, `a string matching ${String(EVENT_TYPE_PATTERN)}`).default('status_message'),
  /** Also mirror statuses relayed from other instances (off: each status is published once, where it was made). @default false */
  includeRelayed: z.boolean().default(false),
};
const mirrorOptionsSpec = defineOptions('mirrorStatusesToPubSub(hub, options)', MIRROR_OPTION_SHAPE);
export type MirrorStatusesOptions = z.input<z.ZodObject<typeof MIRROR_OPTION_SHAPE>>;

/** The event data of a mirrored status: the frame the browser got, minus its `type`. */
export interface StatusMessageEventData {
  message: string;
  seq: number;
  level?: string;
  progress?: number;
  agent?: string;
  tool?: string;
  /** On the last status of a run: how it ended (`done`, `failed`, `aborted`). */
  state?: string;
}

const MIRRORED_FIELDS = ['level', 'progress', 'agent', 'tool', 'state'] as const;

/** From now on, every status `hub` accepts is published (`timestamp`: when the hub accepted it). Returns a function that stops. */
export function mirrorStatusesToPubSub(hub: StatusEventSource, options: MirrorStatusesOptions = {}): () => void {
  if (typeof hub?.on !== 'function' || typeof hub.off !== 'function') invalidOption('hub', 'a StatusHub', hub);
  const { publisher, eventType, includeRelayed } = parseOptions(mirrorOptionsSpec, options);
  const listener: StatusListener = (sessionId, frame, meta) => {
    if (meta?.origin !== undefined && !includeRelayed) return;
    // Named fields only: a relayed frame may carry whatever another instance put in it.
    const data: Record<string, unknown> = { message: frame.data, seq: frame.seq };
    for (const key of MIRRORED_FIELDS) if (frame[key] !== undefined) data[key] = frame[key];
    // Not awaited: the hub's send must not wait for Pub/Sub. publish() never rejects.
    void (publisher ?? getDefaultEventPublisher())?.publish(data, eventType, { websocketSessionId: sessionId, timestamp: frame.ts || undefined });
  };
  hub.on('status', listener);
  return () => void hub.off('status', listener);
}
