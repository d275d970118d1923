/**
 * Delivers publisher errors to `onError`, or, without one, to the logger, throttled: during an
 * outage at 100 events/s a full buffer would otherwise write 100 lines a second. Dropped
 * events are always counted in `stats()`, so throttling the log hides nothing.
 */
import type { StatusMessengerError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { PublishErrorDetails, PublishErrorHandler } from './publisher-options.js';

/** At most one log line per error code in this window; the next line says how many were held back. */
export const ERROR_LOG_INTERVAL_MS = 10_000;

export function createPublishErrorReporter(
  onError: PublishErrorHandler | undefined,
  logger: () => Logger,
  now: () => number = Date.now,
): PublishErrorHandler {
  if (onError) {
    return (error, details) => {
      try {
        onError(error, details);
      } catch (thrown) {
        logger().error('The PubSubEventPublisher `onError` callback threw', thrown);
      }
    };
  }
  const lastLogged = new Map<string, number>();
  const heldBack = new Map<string, number>();
  return (error: StatusMessengerError, details: PublishErrorDetails) => {
    const at = now();
    const last = lastLogged.get(error.code);
    const dropped = details.eventIds.length;
    if (last !== undefined && at - last < ERROR_LOG_INTERVAL_MS) {
      heldBack.set(error.code, (heldBack.get(error.code) ?? 0) + Math.max(dropped, 1));
      return;
    }
    lastLogged.set(error.code, at);
    const more = heldBack.get(error.code) ?? 0;
    heldBack.delete(error.code);
    const suffix =
      (dropped > 0 ? ` (${dropped} event${dropped === 1 ? '' : 's'} dropped)` : '') +
      (more > 0 ? ` [${more} similar report${more === 1 ? '' : 's'} in the last ${ERROR_LOG_INTERVAL_MS / 1000} s not logged]` : '');
    const line = `Pub/Sub events: ${error.code}: ${error.message}${suffix}`;
    if (error.code === 'ERR_PUBSUB_UNREACHABLE') logger().warn(line);
    else logger().error(line);
  };
}
