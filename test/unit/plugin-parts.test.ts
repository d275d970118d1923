import { LatestThrottle } from '../../src/plugins/latest-throttle.js';
import { fillTemplate, humanizeName, renderStatus } from '../../src/plugins/status-templates.js';

describe('status templates', () => {
  const values = { tool: 'google search', agent: 'finder', args: { query: 'best  laptops\n2026', n: 3, deep: { a: 1 } } };

  it('fills placeholders from the arguments and the tool/agent names', () => {
    expect(fillTemplate('Searching for {query} with {tool} ({agent}, {n}, {deep}, {missing})', values)).toBe(
      'Searching for best laptops 2026 with google search (finder, 3, {"a":1}, )',
    );
  });

  it('cuts long values and long results', () => {
    const long = { ...values, args: { query: 'x'.repeat(500) } };
    expect(fillTemplate('{query}', long)).toHaveLength(80);
    expect(renderStatus('{query}{query}', long, 100)).toHaveLength(100);
    expect(renderStatus('{query}', long, 100)!.endsWith('…')).toBe(true);
  });

  it('treats false, empty output and undefined as silence', () => {
    expect(renderStatus(false, values, 100)).toBeUndefined();
    expect(renderStatus('  ', values, 100)).toBeUndefined();
    expect(renderStatus(() => undefined, values, 100)).toBeUndefined();
  });

  it('humanizes tool names', () => {
    expect(humanizeName('google_search')).toBe('google search');
    expect(humanizeName('fetch-page__v2')).toBe('fetch page v2');
  });
});

describe('LatestThrottle', () => {
  it('sends the first at once, then only the newest per interval', async () => {
    const throttle = new LatestThrottle(40);
    const out: string[] = [];
    for (const item of ['a', 'b', 'c']) throttle.submit('k', () => out.push(item));
    throttle.submit('other', () => out.push('x'));
    expect(out).toEqual(['a', 'x']);
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(out).toEqual(['a', 'x', 'c']);
  });

  it('flushes pending items on demand', () => {
    const throttle = new LatestThrottle(10_000);
    const out: string[] = [];
    for (const item of ['a', 'b', 'c']) throttle.submit('k', () => out.push(item));
    throttle.flush('k');
    expect(out).toEqual(['a', 'c']);
  });

  it('never replaces or delays an urgent item: the pending one goes first, then it', () => {
    const throttle = new LatestThrottle(10_000);
    const out: string[] = [];
    throttle.submit('k', () => out.push('a'));
    throttle.submit('k', () => out.push('b'));
    throttle.submit('k', () => out.push('failed!'), true);
    throttle.submit('k', () => out.push('c'));
    expect(out).toEqual(['a', 'b', 'failed!']);
    throttle.flush();
    expect(out).toEqual(['a', 'b', 'failed!', 'c']);
  });

  it('passes everything through with interval 0', () => {
    const throttle = new LatestThrottle(0);
    const out: number[] = [];
    for (let i = 0; i < 5; i += 1) throttle.submit('k', () => out.push(i));
    expect(out).toEqual([0, 1, 2, 3, 4]);
  });
});
