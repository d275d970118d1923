import { EventBuffer } from '../../src/events/event-buffer.js';

interface Item {
  key: string | undefined;
  bytes: number;
  n: number;
}

const item = (n: number, key: string | undefined, bytes = 10): Item => ({ n, key, bytes });

describe('EventBuffer', () => {
  it('keeps insertion order per ordering key, and forgets a key with its last event', () => {
    const buffer = new EventBuffer<Item>(10, 1000);
    const items = [item(1, 'a'), item(2, 'b'), item(3, 'a'), item(4, undefined), item(5, 'b')];
    for (const i of items) expect(buffer.tryAdd(i)).toBe(true);
    expect(buffer.eventsOf('a').map((i) => i.n)).toEqual([1, 3]);
    expect(buffer.eventsOf(undefined).map((i) => i.n)).toEqual([4]);
    expect(buffer.keys()).toEqual(['a', 'b', undefined]);
    buffer.remove(items[0]!);
    expect(buffer.eventsOf('a').map((i) => i.n)).toEqual([3]);
    buffer.remove(items[2]!);
    expect(buffer.keys()).toEqual(['b', undefined]);
  });

  it('refuses what would pass either bound, and remembers its peaks', () => {
    const buffer = new EventBuffer<Item>(3, 100);
    expect(buffer.tryAdd(item(1, 'a', 60))).toBe(true);
    expect(buffer.tryAdd(item(2, 'a', 50))).toBe(false); // 110 bytes
    expect(buffer.tryAdd(item(3, 'a', 20))).toBe(true);
    expect(buffer.tryAdd(item(4, 'b', 20))).toBe(true);
    expect(buffer.tryAdd(item(5, 'b', 1))).toBe(false); // a 4th event
    expect({ count: buffer.count, bytes: buffer.bytes }).toEqual({ count: 3, bytes: 100 });
    expect(buffer.clear().map((i) => i.n)).toEqual([1, 3, 4]);
    expect({ count: buffer.count, bytes: buffer.bytes, peakCount: buffer.peakCount, peakBytes: buffer.peakBytes }).toEqual({
      count: 0,
      bytes: 0,
      peakCount: 3,
      peakBytes: 100,
    });
    expect(buffer.remove(item(9, 'a'))).toBe(false);
  });
});
