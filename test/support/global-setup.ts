// Runs once before all test files: starts the shared, REAL Pub/Sub emulator (or says loudly
// why the Pub/Sub suites will be skipped). See pubsub-emulator.ts.
// `require` without an extension: jest loads this file outside its module mapper, while the
// type checker sees it as ESM and wants `.js`.
const { startSharedEmulator } = require('./pubsub-emulator') as typeof import('./pubsub-emulator.js');

export default async function globalSetup(): Promise<void> {
  await startSharedEmulator();
}
