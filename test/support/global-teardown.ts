// Runs once after all test files: stops the shared Pub/Sub emulator (its whole process group).
// `require` without an extension: see global-setup.ts.
const { stopSharedEmulator } = require('./pubsub-emulator') as typeof import('./pubsub-emulator.js');

export default async function globalTeardown(): Promise<void> {
  await stopSharedEmulator();
}
