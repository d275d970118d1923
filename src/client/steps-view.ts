/**
 * The `view: 'steps'` rendering of the drop-in: the current run as a compact list of steps (text,
 * agent, duration), the current step with the progress bar, collapsed into a one-line summary
 * ("Worked for 12 s · 8 steps") once the run ends. Text goes in with `textContent` only.
 *
 * Accessibility: the list is not a live region (its durations change as steps end, which would
 * be read out again); a separate, visually hidden polite live region holds only the newest step,
 * and then the summary. The collapse is a native `<details>`/`<summary>` disclosure, so the user
 * can reopen it with keyboard or pointer; `aria-current="step"` marks the running step.
 */
import type { GapFrame, StatusFrame } from '../protocol.js';
import type { ConnectionState } from './connect-status-updates.js';
import { formatDuration, runSummary } from './run-summary.js';
import type { RunSnapshot } from './run-summary.js';
import { showFailure } from './status-view.js';
import type { StatusView } from './status-view.js';
import type { StatusStep } from './status-tracker.js';

const PREFIX = 'sm-';
// Inline so the live region stays hidden without the optional stylesheet.
const VISUALLY_HIDDEN =
  'position:absolute;width:1px;height:1px;margin:-1px;padding:0;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap;border:0';

export function createStepsView(element: HTMLElement): StatusView {
  const doc = element.ownerDocument;
  const make = <K extends keyof HTMLElementTagNameMap>(tag: K, name: string): HTMLElementTagNameMap[K] => {
    const node = doc.createElement(tag);
    node.className = PREFIX + name;
    return node;
  };
  const live = make('span', 'live');
  live.setAttribute('role', 'status');
  live.setAttribute('aria-live', 'polite');
  live.setAttribute('aria-atomic', 'true');
  live.style.cssText = VISUALLY_HIDDEN;
  const details = make('details', 'run');
  const summary = make('summary', 'summary');
  const list = make('ol', 'step-list');
  list.setAttribute('aria-label', 'Agent steps');
  const end = make('p', 'end');
  const bar = make('progress', 'progress');
  bar.max = 100;
  details.append(summary, list);
  let hasStatus = false;
  let shownRun: number | undefined;
  let ended = false;

  const flag = (name: string, value: string | undefined): void => {
    if (value === undefined) element.removeAttribute(`data-${name}`);
    else element.setAttribute(`data-${name}`, value);
    element.classList.toggle(PREFIX + name, value !== undefined);
  };

  const stepItem = (step: StatusStep, current: boolean): HTMLLIElement => {
    const item = make('li', 'step');
    if (step.level) item.classList.add(`${PREFIX}level-${step.level}`);
    item.setAttribute('data-state', current ? 'current' : 'done');
    if (current) item.setAttribute('aria-current', 'step');
    const text = make('span', 'step-text');
    text.textContent = step.text;
    item.append(text);
    if (step.agent) {
      const agent = make('span', 'step-agent');
      agent.textContent = step.agent;
      item.append(agent);
    }
    if (current && step.progress !== undefined) {
      bar.value = step.progress;
      bar.textContent = `${Math.round(step.progress)}%`;
      item.append(bar);
    }
    if (step.durationMs !== undefined) {
      const time = make('time', 'duration');
      time.dateTime = `PT${(step.durationMs / 1000).toFixed(1)}S`;
      time.textContent = formatDuration(step.durationMs);
      item.append(time);
    }
    return item;
  };

  element.classList.add(`${PREFIX}status`, `${PREFIX}steps`);
  element.setAttribute('data-view', 'steps');
  element.setAttribute('data-connection', 'connecting');
  // A new start on an element whose last connection failed: the failure is no longer current.
  element.removeAttribute('data-error');

  return {
    show(status: StatusFrame, run: RunSnapshot) {
      const running = run.runState === 'running';
      element.setAttribute('data-run', run.runState);
      list.replaceChildren(...run.steps.map((step, i) => stepItem(step, running && i === run.steps.length - 1)));
      const summaryText = runSummary(run);
      summary.textContent = summaryText ?? status.data;
      const children: Node[] = [live];
      if (run.steps.length > 0) children.push(details);
      // The end of the run keeps its own text (the generic failure, "Stopped") under the summary;
      // "Done" adds nothing to "Worked for 12 s · 8 steps".
      if (!running && (run.runState !== 'done' || summaryText === undefined)) {
        end.textContent = status.data;
        end.className = `${PREFIX}end${status.level ? ` ${PREFIX}level-${status.level}` : ''}`;
        children.push(end);
      }
      // Open while a run works, collapse once when it ends; the user may open it again.
      if (run.runStartedAt !== shownRun) {
        shownRun = run.runStartedAt;
        details.open = running;
        ended = !running;
      } else if (!running && !ended) {
        details.open = false;
        ended = true;
      }
      live.textContent = summaryText ?? status.data;
      element.replaceChildren(...children);
      if (!status.replay) flag('gap', undefined);
      hasStatus = true;
    },
    connection(state: ConnectionState) {
      element.setAttribute('data-connection', state);
      flag('stale', hasStatus && state === 'reconnecting' ? 'true' : undefined);
    },
    gap(gap: GapFrame) {
      flag('gap', gap.reason);
    },
    failed(error) {
      showFailure(element, error);
    },
  };
}
