/**
 * Media a browser sends with a user message, as the genai inline data ADK gives the model. Both
 * UI entries take media only inline (base64, or a data URL): a URL of any other kind would have
 * the model fetch whatever the browser names — a `gs://` object or an internal address, with the
 * server's credentials on Vertex AI. A file stored elsewhere is the server's to add. Each function
 * returns the inline data, or a string saying what is wrong (the caller words the error).
 */

export interface InlineData {
  mimeType: string;
  data: string;
}

const DATA_URL = /^data:([^,]*?),/i;
const FULL_MEDIA_TYPE = /^[\w.+-]+\/[\w.+-]+$/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Base64 bytes of a full media type (`image/png`), checked. */
export function inlineData(mimeType: unknown, base64: string): InlineData | string {
  if (typeof mimeType !== 'string' || !FULL_MEDIA_TYPE.test(mimeType)) {
    return `needs a full media type (such as image/png), got ${JSON.stringify(mimeType)}`;
  }
  const data = base64.replace(/\s+/g, '');
  if (!BASE64.test(data)) return 'is not valid base64';
  if (data === '') return 'is empty';
  return { mimeType: mimeType.toLowerCase(), data };
}

/** A `data:` URL's bytes; its own media type wins over `mediaType` (which may name only `image`). */
export function inlineDataOfUrl(url: string, mediaType?: unknown): InlineData | string {
  const header = DATA_URL.exec(url);
  if (!header) {
    return `must be a data URL (the browser's own file), got ${JSON.stringify(url.slice(0, 40))}. For a file stored elsewhere, build the ADK Part on the server`;
  }
  const [type = '', ...params] = header[1]!.split(';');
  const mimeType = FULL_MEDIA_TYPE.test(type) ? type : mediaType;
  const payload = url.slice(header[0].length);
  if (params.some((param) => param.toLowerCase() === 'base64')) return inlineData(mimeType, payload);
  let bytes: Buffer;
  try {
    bytes = Buffer.from(decodeURIComponent(payload), 'utf8');
  } catch {
    return 'is not valid percent-encoding';
  }
  return inlineData(mimeType, bytes.toString('base64'));
}
