/**
 * FrameWriter's slow-connection queue, against a stand-in channel whose buffer we control (the
 * real-socket behaviour is covered by hub-backpressure.test.ts, the SSE one by hub-sse.test.ts).
 */
import { FrameWriter } from '../../src/hub/frame-writer.js';
import type { FrameChannel } from '../../src/hub/frame-writer.js';

class FakeChannel implements FrameChannel<string> {
  open = true;
  buffered = 0;
  corks = 0;
  sent: string[] = [];
  isOpen(): boolean {
    return this.open;
  }
  bufferedAmount(): number {
    return this.buffered;
  }
  size(data: string): number {
    return Buffer.byteLength(data, 'utf8');
  }
  send(data: string): void {
    this.sent.push(data);
  }
  cork(): void {
    this.corks += 1;
  }
  uncork(): void {
    this.corks -= 1;
  }
  whenDrained(callback: () => void): void {
    setTimeout(callback, 10);
  }
}

function stalled(cap = 1000) {
  const channel = new FakeChannel();
  let overflowed = false;
  const writer = new FrameWriter(channel, cap, () => (overflowed = true));
  channel.buffered = cap; // stalled: everything queues
  return { channel, writer, overflowed: () => overflowed };
}

/** Resolves once the writer has sent everything it held (the channel's drain callback ran). */
async function flushed(writer: FrameWriter<string>): Promise<void> {
  const deadline = Date.now() + 1000;
  while (writer.pendingBytes > 0) {
    if (Date.now() > deadline) throw new Error(`${writer.pendingBytes} bytes still pending`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

describe('FrameWriter', () => {
  it('sends at once while the channel keeps up, corked until the burst ends', async () => {
    const channel = new FakeChannel();
    const writer = new FrameWriter(channel, 1000, () => {});
    expect(writer.write('a', 'status')).toBe('sent');
    expect(writer.write('b', 'status')).toBe('sent');
    expect(channel.sent).toEqual(['a', 'b']);
    expect(channel.corks).toBe(1);
    await Promise.resolve();
    expect(channel.corks).toBe(0);
  });

  it('coalesces a stalled channel to the newest status, in place', async () => {
    const { channel, writer } = stalled();
    expect(writer.write('s1', 'status')).toBe('queued');
    writer.write('m1', 'agent_message');
    writer.write('s2', 'status');
    writer.write('s3', 'status');
    expect(writer.coalesced).toBe(2);
    channel.buffered = 0;
    await flushed(writer);
    expect(channel.sent).toEqual(['s3', 'm1']);
  });

  it('never coalesces across a frame without a key, so a turn keeps its end', async () => {
    const { channel, writer } = stalled();
    writer.write('turn 1 final', 'agent_message');
    writer.write('turn_complete');
    writer.write('turn 2 partial', 'agent_message');
    writer.write('turn 2 more', 'agent_message');
    channel.buffered = 0;
    await flushed(writer);
    expect(channel.sent).toEqual(['turn 1 final', 'turn_complete', 'turn 2 more']);
  });

  it('gives up on a channel whose pending frames pass the cap', () => {
    const { writer, overflowed } = stalled(100);
    writer.write('x'.repeat(60));
    expect(overflowed()).toBe(false);
    expect(writer.write('y'.repeat(60))).toBe('dropped');
    expect(overflowed()).toBe(true);
    expect(writer.pendingBytes).toBe(0);
  });

  it('counts what waits in the bytes the channel sizes it in, so the cap holds for non-ASCII text', () => {
    const { writer, overflowed } = stalled(100);
    writer.write('…'.repeat(20), 'agent_message'); // 20 UTF-16 units, 60 bytes
    expect(writer.pendingBytes).toBe(60);
    writer.write('😀'.repeat(10)); // 20 units, 40 bytes: 100 in all, at the cap
    expect(overflowed()).toBe(false);
    expect(writer.write('x')).toBe('dropped');
    expect(overflowed()).toBe(true);
  });

  it('drops writes to a closed channel', () => {
    const channel = new FakeChannel();
    channel.open = false;
    expect(new FrameWriter(channel, 1000, () => {}).write('a')).toBe('dropped');
    expect(channel.sent).toEqual([]);
  });
});
