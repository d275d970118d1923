/**
 * The example's Origin policy: the page's own origin (the hub's default) plus the extra origins
 * listed in ALLOWED_ORIGINS. An allowlist alone would replace the same-origin default and shut
 * out the example's own page.
 */
import type { IncomingMessage } from 'node:http';
import type { OriginPolicy } from 'adk-status-messenger';

function sameOrigin(origin: string, request: IncomingMessage): boolean {
  try {
    const url = new URL(origin);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.host === request.headers.host?.toLowerCase();
  } catch {
    return false;
  }
}

/** Undefined (the hub's same-origin default) when there are no extra origins. */
export function chatOriginPolicy(extra: string[] | undefined): OriginPolicy | undefined {
  if (!extra?.length) return undefined;
  const allowed = new Set(extra.map((origin) => new URL(origin).origin));
  // Requests without Origin are not browsers; the session token guards them (authorize).
  return (origin, request) => origin === undefined || sameOrigin(origin, request) || allowed.has(origin);
}
