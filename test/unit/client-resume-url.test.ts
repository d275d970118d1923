import { withResumeParams } from '../../src/client/resume-url.js';
import { RESUME_PARAMS } from '../../src/protocol.js';

describe('withResumeParams', () => {
  it('appends since and epoch under the contract names', () => {
    const url = new URL(withResumeParams('ws://h/ws/abc', 12, 'Ab-_9'));
    expect(url.searchParams.get(RESUME_PARAMS.since)).toBe('12');
    expect(url.searchParams.get(RESUME_PARAMS.epoch)).toBe('Ab-_9');
    expect(url.pathname).toBe('/ws/abc');
  });

  it('keeps the other query parameters byte for byte', () => {
    expect(withResumeParams('wss://h/ws/abc?token=a%2Bb/c+d&flag', 3, 'e')).toBe('wss://h/ws/abc?token=a%2Bb/c+d&flag&since=3&epoch=e');
  });

  it('replaces since/epoch already in the URL instead of repeating them', () => {
    expect(withResumeParams('ws://h/ws/a?since=1&token=t&epoch=old&%73ince=2', 9, 'new')).toBe('ws://h/ws/a?token=t&since=9&epoch=new');
  });

  it('encodes an epoch that needs it, and drops a fragment', () => {
    const built = withResumeParams('ws://h/ws/a#x', 0, 'a&b=c');
    expect(built).toBe('ws://h/ws/a?since=0&epoch=a%26b%3Dc');
    expect(new URL(built).searchParams.get('epoch')).toBe('a&b=c');
  });
});
