/**
 * A component using `useStatusUpdates`, as docs/client.md shows it (written with createElement
 * so that jest's ts transform and esbuild both take it without JSX settings). The React e2e test
 * bundles it with esbuild for Chromium; the SSR test renders it with react-dom/server.
 */
import { createElement as h, StrictMode } from 'react';
import type { ReactElement } from 'react';
import { useStatusUpdates } from '../../src/react/index.js';
import type { UseStatusUpdatesOptions } from '../../src/react/index.js';

export function AgentActivity({ url, options }: { url: string | null; options?: UseStatusUpdatesOptions }): ReactElement {
  const { latest, steps, state, stale, connection, error, summary } = useStatusUpdates(url, options);
  return h(
    'section',
    { id: 'agent', 'data-state': state, 'data-connection': connection, 'data-stale': String(stale), 'data-error': error ? `${error.status} ${error.code}` : '' },
    h('p', { id: 'latest', role: 'status' }, latest?.data ?? ''),
    h('p', { id: 'summary' }, summary ?? ''),
    h('ol', { id: 'steps' }, steps.map((step) => h('li', { key: `${step.seq}:${step.startedAt}` }, step.text))),
  );
}

export function strictApp(url: string | null, options?: UseStatusUpdatesOptions): ReactElement {
  return h(StrictMode, null, h(AgentActivity, options ? { url, options } : { url }));
}
