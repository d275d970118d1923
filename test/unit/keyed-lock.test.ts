import { KeyedLock } from '../../src/runner/keyed-lock.js';

describe('KeyedLock', () => {
  it('runs holders of one key one at a time, in arrival order', async () => {
    const lock = new KeyedLock();
    const log: string[] = [];
    const job = async (name: string, ms: number) => {
      const release = (await lock.acquire('k'))!;
      log.push(`start ${name}`);
      await new Promise((resolve) => setTimeout(resolve, ms)); // window: holds the lock across timers, so an unlocked b or c would finish first
      log.push(`end ${name}`);
      release();
    };
    await Promise.all([job('a', 20), job('b', 1), job('c', 5)]);
    expect(log).toEqual(['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
    expect(lock.size).toBe(0);
  });

  it('lets different keys run at once', async () => {
    const lock = new KeyedLock();
    const r1 = (await lock.acquire('x'))!;
    const r2 = (await lock.acquire('y'))!;
    expect(lock.size).toBe(2);
    r1();
    r2();
    r1(); // releasing twice is harmless
    expect(lock.size).toBe(0);
  });
});
