/** The browser entry the React e2e test bundles: mounts the fixture in StrictMode on demand. */
import { createRoot } from 'react-dom/client';
import type { Root } from 'react-dom/client';
import { strictApp } from './react-fixture.js';

let root: Root | undefined;
const page = globalThis as unknown as Record<string, unknown>;
page.mountApp = (url: string, options?: Record<string, unknown>) => {
  const doc = (globalThis as unknown as { document: { getElementById(id: string): unknown } }).document;
  root = createRoot(doc.getElementById('root') as Parameters<typeof createRoot>[0]);
  root.render(strictApp(url, options));
};
page.unmountApp = () => root?.unmount();
page.appReady = true;
