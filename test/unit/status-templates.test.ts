import { fillTemplate, renderStatus } from '../../src/plugins/status-templates.js';
import { humanizeName } from '../../src/status.js';

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
