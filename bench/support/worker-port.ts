/**
 * The worker side of `WorkerProcess`: handle each request, reply, exit on `{ type: 'exit' }`.
 * An error in a handler is reported to the parent as `{ type: 'error' }` and ends the worker.
 */
import type { WorkerMessage } from './worker-process.js';

export type RequestHandler = (message: WorkerMessage) => Promise<WorkerMessage | void> | WorkerMessage | void;

export function post(message: WorkerMessage): void {
  process.send?.(message);
}

export function serveRequests(handler: RequestHandler, onExit: () => Promise<void> | void = () => {}): void {
  if (!process.send) throw new Error('this file is a bench worker: start it through WorkerProcess');
  process.on('message', (raw) => {
    const message = raw as WorkerMessage;
    if (message.type === 'exit') {
      void Promise.resolve(onExit()).finally(() => process.exit(0));
      return;
    }
    Promise.resolve()
      .then(() => handler(message))
      .then(
        (reply) => {
          if (reply) post(reply);
        },
        (error: unknown) => {
          post({ type: 'error', error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
          process.exit(1);
        },
      );
  });
  process.on('disconnect', () => process.exit(0));
}
