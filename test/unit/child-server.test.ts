import { startChildServer } from '../support/child-server.js';

/** Whether a process with this pid still exists. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const script = (source: string) => ['-e', source];

describe('startChildServer (test support)', () => {
  it('resolves with the ready line’s match, and stop() ends the child', async () => {
    const server = await startChildServer({ name: 'echo server', args: script('console.log("listening 1234"); setInterval(() => {}, 1000)'), cwd: __dirname, ready: /listening (\d+)/ });
    expect(server.ready[1]).toBe('1234');
    const pid = server.child.pid!;
    expect(alive(pid)).toBe(true);
    expect(await server.stop()).toBe(null); // ended by SIGTERM
    expect(alive(pid)).toBe(false);
  });

  it('kills a child that never gets ready, before rejecting', async () => {
    const failure = await startChildServer({
      name: 'silent server',
      // Ignores SIGTERM, as a wedged server would.
      args: script('process.on("SIGTERM", () => {}); console.log("pid " + process.pid); setInterval(() => {}, 1000)'),
      cwd: __dirname,
      ready: /never/,
      timeoutMs: 8000,
    }).then(() => new Error('it got ready'), (error: Error) => error);
    expect(failure.message).toMatch(/^silent server did not get ready within 8000 ms:\npid (\d+)/);
    expect(alive(Number(/pid (\d+)/.exec(failure.message)![1]))).toBe(false);
  });

  it('rejects with the output when the child exits early', async () => {
    await expect(
      startChildServer({ name: 'failing server', args: script('console.error("port 1 is busy"); process.exit(1)'), cwd: __dirname, ready: /listening/ }),
    ).rejects.toThrow('failing server exited early (code 1, signal null):\nport 1 is busy');
  });
});
