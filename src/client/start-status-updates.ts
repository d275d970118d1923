/**
 * `startStatusUpdates(elementId, websocketUrl, options?)`: the seed's function. Shows the
 * latest status of one session (or, with `view: 'steps'`, the current run's steps) in an element
 * and returns a function that stops it.
 */
import { checkOptions } from './check-options.js';
import { connectStatusUpdates, STATUS_UPDATES_OPTIONS } from './connect-status-updates.js';
import { checkSessionIdInUrl } from './connection-error.js';
import type { StatusConnection, StatusUpdatesOptions } from './connect-status-updates.js';
import { createStatusView } from './status-view.js';
import { createStepsView } from './steps-view.js';

/** Stops the updates: closes the connection, cancels retries; what is shown stays shown. */
export type StopStatusUpdates = () => void;

export interface StartStatusUpdatesOptions extends StatusUpdatesOptions {
  /**
   * `latest`: one line, the newest status (the seed's display). `steps`: the run's steps as a
   * list, collapsed to "Worked for 12 s · 8 steps" when it ends. @default 'latest'
   */
  view?: 'latest' | 'steps';
}

const START_OPTIONS: readonly string[] = [...STATUS_UPDATES_OPTIONS, 'view'];

// A page that starts updates twice for one element (a re-render, a new session) gets one
// connection, not two fighting over the element.
const running = new WeakMap<HTMLElement, StopStatusUpdates>();

/**
 * Connects to `websocketUrl` (absolute, or a path like `/ws/<sessionId>`, which becomes
 * `ws(s)://<page host>/ws/<sessionId>`) and renders every newer status into the element.
 * Callbacks in `options` run after the element is updated; a number instead of `options` is the
 * seed's `reconnectDelayMs`. Throws if the element is missing or an option is unknown or invalid.
 */
export function startStatusUpdates(
  element: string | HTMLElement,
  websocketUrl: string,
  optionsOrDelay: StartStatusUpdatesOptions | number = {},
): StopStatusUpdates {
  // The seed's third argument was `reconnectDelayMs`: a page written for it keeps working.
  const options: StartStatusUpdatesOptions =
    typeof optionsOrDelay === 'number' ? { reconnectDelayMs: optionsOrDelay } : optionsOrDelay;
  checkOptions('startStatusUpdates(element, url, options)', options, START_OPTIONS);
  checkSessionIdInUrl('startStatusUpdates(element, url)', websocketUrl);
  const { view: viewName = 'latest', ...connectOptions } = options;
  if (viewName !== 'latest' && viewName !== 'steps') {
    throw new TypeError(`Expected \`view\` to be 'latest' or 'steps', got \`${String(viewName)}\``);
  }
  const target = typeof element === 'string' ? document.getElementById(element) : element;
  if (!target) {
    throw new TypeError(
      `startStatusUpdates: no element with id "${String(element)}". Call it once the element exists (e.g. from a DOMContentLoaded listener or a module script).`,
    );
  }
  running.get(target)?.();
  const view = viewName === 'steps' ? createStepsView(target) : createStatusView(target);
  // Assigned before any callback can run: callbacks come from network events, never synchronously.
  let connection: StatusConnection;
  connection = connectStatusUpdates(websocketUrl, {
    ...connectOptions,
    onStatus(status) {
      view.show(status, connection);
      options.onStatus?.(status);
    },
    onGap(gap) {
      view.gap(gap);
      options.onGap?.(gap);
    },
    onConnectionChange(state, detail) {
      view.connection(state);
      if (state === 'failed' && detail.error) view.failed(detail.error);
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
