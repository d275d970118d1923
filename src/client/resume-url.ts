/**
 * Builds the URL a reconnecting client opens: the original URL plus `since=<last seq>` and
 * `epoch=<epoch of the last hello>` (the names are `RESUME_PARAMS` in ../protocol.ts).
 *
 * The other query parameters (an auth `token=`, say) are kept byte for byte: the query is
 * edited as text rather than re-serialised through URLSearchParams, which would re-encode them.
 */

const SINCE = 'since';
const EPOCH = 'epoch';

/** `url` (absolute) with any `since`/`epoch` it had replaced by the given ones. */
export function withResumeParams(url: string, since: number, epoch: string): string {
  const hashAt = url.indexOf('#');
  const withoutHash = hashAt === -1 ? url : url.slice(0, hashAt);
  const queryAt = withoutHash.indexOf('?');
  const path = queryAt === -1 ? withoutHash : withoutHash.slice(0, queryAt);
  const kept = (queryAt === -1 ? '' : withoutHash.slice(queryAt + 1)).split('&').filter((pair) => {
    if (pair === '') return false;
    const name = paramName(pair);
    return name !== SINCE && name !== EPOCH;
  });
  kept.push(`${SINCE}=${since}`, `${EPOCH}=${encodeURIComponent(epoch)}`);
  return `${path}?${kept.join('&')}`;
}

function paramName(pair: string): string {
  const eq = pair.indexOf('=');
  const name = (eq === -1 ? pair : pair.slice(0, eq)).replace(/\+/g, ' ');
  try {
    return decodeURIComponent(name);
  } catch {
    return name;
  }
}
