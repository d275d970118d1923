/**
 * SocketWriter's slow-socket queue, against a stand-in socket whose buffer we control (the
 * real-socket behaviour is covered by hub-backpressure.test.ts).
 */
import { SocketWriter } from '../../src/hub/socket-writer.js';

class FakeSocket {
  readonly OPEN = 1;
  readyState = 1;
  bufferedAmount = 0;
  sent: string[] = [];
  send(data: string | Buffer): void {
    this.sent.push(data.toString());
  }
}

function stalled(cap = 1000) {
  const socket = new FakeSocket();
  let overflowed = false;
  const writer = new SocketWriter(socket as never, undefined, cap, () => (overflowed = true));
  socket.bufferedAmount = cap; // stalled: everything queues
  return { socket, writer, overflowed: () => overflowed };
}

const flush = () => new Promise((resolve) => setTimeout(resolve, 30));

describe('SocketWriter', () => {
  it('sends at once while the socket keeps up', () => {
    const socket = new FakeSocket();
    const writer = new SocketWriter(socket as never, undefined, 1000, () => {});
    expect(writer.write('a', 'status')).toBe('sent');
    expect(socket.sent).toEqual(['a']);
  });

  it('coalesces a stalled socket to the newest status, in place', async () => {
    const { socket, writer } = stalled();
    expect(writer.write('s1', 'status')).toBe('queued');
    writer.write('m1', 'agent_message');
    writer.write('s2', 'status');
    writer.write('s3', 'status');
    expect(writer.coalesced).toBe(2);
    socket.bufferedAmount = 0;
    await flush();
    expect(socket.sent).toEqual(['s3', 'm1']);
  });

  it('never coalesces across a frame without a key, so a turn keeps its end', async () => {
    const { socket, writer } = stalled();
    writer.write('turn 1 final', 'agent_message');
    writer.write('turn_complete');
    writer.write('turn 2 partial', 'agent_message');
    writer.write('turn 2 more', 'agent_message');
    socket.bufferedAmount = 0;
    await flush();
    expect(socket.sent).toEqual(['turn 1 final', 'turn_complete', 'turn 2 more']);
  });

  it('gives up on a socket whose pending frames pass the cap', () => {
    const { writer, overflowed } = stalled(100);
    writer.write('x'.repeat(60));
    expect(overflowed()).toBe(false);
    expect(writer.write('y'.repeat(60))).toBe('dropped');
    expect(overflowed()).toBe(true);
    expect(writer.pendingBytes).toBe(0);
  });
});
