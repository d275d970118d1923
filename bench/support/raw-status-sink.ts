/**
 * `StatusSink`s for latency baselines: raw `ws` delivering a status by hand (build the frame,
 * write it to the session's sockets), and a sink that sends each status through two sinks,
 * alternating which goes first, so both see the same moment of load.
 */
import type { StatusSink } from '../../src/index.js';
import type { RawWsHost } from './raw-ws-host.js';

export function rawStatusSink(host: RawWsHost): StatusSink {
  return {
    send(sessionId, status) {
      const text = typeof status === 'string' ? status : status.message;
      // A run-end status keeps its `state`, so the clients tell it from the tool's statuses.
      const state = typeof status === 'string' ? undefined : status.state;
      const frame = JSON.stringify({ type: 'status', data: text, seq: 1, ts: new Date().toISOString(), state });
      const sockets = host.sessions.get(sessionId) ?? [];
      for (const ws of sockets) ws.send(frame);
      return host.sessions.get(sessionId)?.size ?? 0;
    },
  };
}

/** Sends through `primary` and `shadow`; returns what `primary` returned. */
export function alternatingSink(primary: StatusSink, shadow: StatusSink): StatusSink {
  let shadowFirst = false;
  return {
    send(sessionId, status) {
      shadowFirst = !shadowFirst;
      if (shadowFirst) shadow.send(sessionId, status);
      const written = primary.send(sessionId, status);
      if (!shadowFirst) shadow.send(sessionId, status);
      return written;
    },
  };
}
