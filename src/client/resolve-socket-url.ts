/**
 * Turns what the page passes (`/ws/abc`, `wss://host/ws/abc`, `https://host/ws/abc`) into an
 * absolute WebSocket URL. Pure: the page's address is passed in, so it runs in Node tests too.
 */

/**
 * Resolves `url` against `base` (the page's `location.href`) and maps http → ws, https → wss,
 * as the seed did for a path like `/ws/abc`. Throws a `TypeError` naming the URL when it cannot
 * become a ws(s) URL: that is a wiring bug, better seen at the call than as endless retries.
 */
export function resolveSocketUrl(url: string, base?: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url, base);
  } catch {
    throw new TypeError(
      `Expected \`websocketUrl\` to be an absolute ws(s) URL or a path like "/ws/<sessionId>"${
        base ? '' : ' (there is no page location to resolve a path against)'
      }, got \`${String(url)}\``,
    );
  }
  if (parsed.protocol === 'http:') parsed.protocol = 'ws:';
  else if (parsed.protocol === 'https:') parsed.protocol = 'wss:';
  else if (parsed.protocol !== 'ws:' && parsed.protocol !== 'wss:') {
    throw new TypeError(`Expected \`websocketUrl\` to use ws:, wss:, http: or https:, got \`${String(url)}\``);
  }
  // A WebSocket URL cannot carry a fragment.
  parsed.hash = '';
  return parsed.href;
}
