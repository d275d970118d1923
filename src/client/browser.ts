/**
 * The drop-in script `status-messenger.js` (an IIFE built by esbuild): sets the seed's global
 * `window.startStatusUpdates`, and `window.StatusMessenger` for pages that want the callbacks.
 */
import { connectStatusUpdates } from './connect-status-updates.js';
import { startStatusUpdates } from './start-status-updates.js';

const globals = window as unknown as Record<string, unknown>;
globals.startStatusUpdates = startStatusUpdates;
globals.StatusMessenger = { startStatusUpdates, connectStatusUpdates };
