/**
 * `startStatusUpdates(elementId, websocketUrl, options?)`: the seed's function. Shows the
 * latest status of one session in an element and returns a function that stops it.
 */
import { connectStatusUpdates } from './connect-status-updates.js';
import type { StatusUpdatesOptions } from './connect-status-updates.js';
import { createStatusView } from './status-view.js';

/** Stops the updates: closes the socket, cancels retries; the last status stays shown. */
export type StopStatusUpdates = () => void;

// A page that starts updates twice for one element (a re-render, a new session) gets one
// connection, not two fighting over the element.
const running = new WeakMap<HTMLElement, StopStatusUpdates>();

/**
 * Connects to `websocketUrl` (absolute, or a path like `/ws/<sessionId>`, which becomes
 * `ws(s)://<page host>/ws/<sessionId>`) and renders every newer status into the element.
 * Callbacks in `options` run after the element is updated. Throws if the element is missing.
 */
export function startStatusUpdates(
  element: string | HTMLElement,
  websocketUrl: string,
  options: StatusUpdatesOptions = {},
): StopStatusUpdates {
  const target = typeof element === 'string' ? document.getElementById(element) : element;
  if (!target) {
    throw new TypeError(
      `startStatusUpdates: no element with id "${String(element)}". Call it once the element exists (e.g. from a <script defer>).`,
    );
  }
  running.get(target)?.();
  const view = createStatusView(target);
  const connection = connectStatusUpdates(websocketUrl, {
    ...options,
    onStatus(status) {
      view.show(status);
      options.onStatus?.(status);
    },
    onGap(gap) {
      view.gap(gap);
      options.onGap?.(gap);
    },
    onConnectionChange(state, detail) {
      view.connection(state);
      options.onConnectionChange?.(state, detail);
    },
  });
  const stop: StopStatusUpdates = () => {
    connection.close();
    if (running.get(target) === stop) running.delete(target);
  };
  running.set(target, stop);
  return stop;
}
