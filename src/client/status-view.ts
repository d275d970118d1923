/**
 * Renders a status into the host page's element: the text (always via `textContent`), an
 * optional `<progress>` bar, the level as a class, and the connection's state as attributes
 * the host can style. The classes and attributes are documented in docs/client.md.
 *
 * A closure rather than a class: the bundle targets ES2019, where `#private` fields are
 * lowered to WeakMap helpers that would cost more than the rest of this file.
 */
import type { GapFrame, StatusFrame } from '../protocol.js';
import type { ConnectionState } from './connect-status-updates.js';
import type { ConnectionError } from './connection-error.js';
import type { RunSnapshot } from './run-summary.js';

const PREFIX = 'sm-';

export interface StatusView {
  show(status: StatusFrame, run: RunSnapshot): void;
  connection(state: ConnectionState): void;
  gap(gap: GapFrame): void;
  /** The hub refused the connection for good: a short, plain note replaces what was shown. */
  failed(error: ConnectionError): void;
}

// What the user reads when the connection failed: plain words, never the server's text (the
// developer's fix goes to the console).
const FAILURES: Partial<Record<ConnectionError['code'], string>> = {
  ERR_INVALID_SESSION_ID: 'this link is not valid',
  ERR_UNAUTHORIZED: 'please sign in again',
  ERR_FORBIDDEN: 'access was refused',
  ERR_HUB_NOT_FOUND: 'the status service was not found',
};

/** Replaces the element's content with the note for `error`, and sets `data-error` to its code. */
export function showFailure(element: HTMLElement, error: ConnectionError): void {
  const note = element.ownerDocument.createElement('span');
  note.className = `${PREFIX}failure`;
  const reason = FAILURES[error.code];
  note.textContent = `Live status unavailable${reason ? `: ${reason}` : ''}.`;
  element.replaceChildren(note);
  element.setAttribute('data-error', error.code);
}

export function createStatusView(element: HTMLElement): StatusView {
  const doc = element.ownerDocument;
  const text = doc.createElement('span');
  text.className = `${PREFIX}text`;
  const bar = doc.createElement('progress');
  bar.className = `${PREFIX}progress`;
  bar.max = 100;
  let levelClass: string | undefined;
  let hasStatus = false;

  /** Sets (or, with `undefined`, removes) `data-<name>` and the class `sm-<name>` together. */
  const flag = (name: string, value: string | undefined): void => {
    if (value === undefined) element.removeAttribute(`data-${name}`);
    else element.setAttribute(`data-${name}`, value);
    element.classList.toggle(PREFIX + name, value !== undefined);
  };

  element.classList.add(`${PREFIX}status`);
  // role=status already implies polite announcements; aria-live is set too for older readers.
  element.setAttribute('role', 'status');
  element.setAttribute('aria-live', 'polite');
  element.setAttribute('data-connection', 'connecting');
  // A new start on an element whose last connection failed: the failure is no longer current.
  element.removeAttribute('data-error');

  return {
    show(status, run) {
      element.setAttribute('data-run', run.runState);
      text.textContent = status.data;
      const children: Node[] = [text];
      if (status.progress !== undefined) {
        bar.value = status.progress;
        bar.textContent = `${Math.round(status.progress)}%`;
        children.push(bar);
      }
      // Replaces whatever placeholder the page had (the seed replaced the element's text too).
      element.replaceChildren(...children);
      const next = status.level ? `${PREFIX}level-${status.level}` : undefined;
      if (next !== levelClass) {
        if (levelClass) element.classList.remove(levelClass);
        if (next) element.classList.add(next);
        levelClass = next;
      }
      // A live status means whatever was missed before it no longer matters for the display.
      if (!status.replay) flag('gap', undefined);
      hasStatus = true;
    },
    connection(state) {
      element.setAttribute('data-connection', state);
      // The last status stays visible while we reconnect, marked as possibly out of date.
      flag('stale', hasStatus && state === 'reconnecting' ? 'true' : undefined);
    },
    gap(gap) {
      flag('gap', gap.reason);
    },
    failed(error) {
      showFailure(element, error);
    },
  };
}
