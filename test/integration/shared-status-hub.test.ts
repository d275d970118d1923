import net from 'node:net';
import { StatusMessengerError } from '../../src/errors.js';
import { sharedStatusHub, sharedStatusHubAddress } from '../../src/hub/shared-status-hub.js';
import type { StatusHub } from '../../src/hub/status-hub.js';
import { rawUpgrade } from '../support/hub-server.js';

function optionError(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(StatusMessengerError.isInstance(error, 'ERR_INVALID_OPTION')).toBe(true);
    return (error as Error).message;
  }
  throw new Error('expected ERR_INVALID_OPTION');
}

/** The same function made again from its source, as a second bundled copy of an agent file makes it. */
function remade<T extends (...args: never[]) => unknown>(fn: T): T {
  return new Function(`return (${fn.toString()})`)() as T;
}

describe('sharedStatusHub', () => {
  const made: StatusHub[] = [];
  const shared = (options: Parameters<typeof sharedStatusHub>[0]): StatusHub => {
    const hub = sharedStatusHub(options);
    made.push(hub);
    return hub;
  };
  afterEach(async () => {
    await Promise.all(made.splice(0).map((hub) => hub.close()));
  });

  it('returns one hub per name, and a fresh one after close', async () => {
    const a = shared({ name: 'one-per-name', heartbeatIntervalMs: 0 });
    expect(shared({ name: 'one-per-name', heartbeatIntervalMs: 0 })).toBe(a);
    expect(shared({ name: 'another-name', heartbeatIntervalMs: 0 })).not.toBe(a);
    await a.close();
    expect(shared({ name: 'one-per-name', heartbeatIntervalMs: 0 })).not.toBe(a);
  });

  it('validates its options strictly on every call, also when the hub exists', () => {
    expect(optionError(() => sharedStatusHub({ name: 'strict', authorise: () => true } as never))).toMatch(
      /sharedStatusHub\(options\): unknown option `authorise` \(did you mean `authorize`\?\)/,
    );
    shared({ name: 'strict', heartbeatIntervalMs: 0 });
    expect(optionError(() => sharedStatusHub({ name: 'strict', authorise: () => true } as never))).toMatch(/unknown option `authorise`/);
    expect(optionError(() => sharedStatusHub({ name: 'strict', port: 70_000 }))).toMatch(/Expected `port` to be a port number/);
    expect(optionError(() => sharedStatusHub({ name: '' }))).toMatch(/Expected `name` to be a non-empty string/);
    expect(optionError(() => sharedStatusHub({ name: 'strict', heartbeatIntervalMs: 100, heartbeatTimeoutMs: 100 }))).toMatch(
      /heartbeatTimeoutMs/,
    );
  });

  it('refuses options that differ from the hub made under that name, naming them, and keeps its guard', async () => {
    const authorize = () => ({ allow: false, status: 403 as const });
    const hub = shared({ name: 'guarded', heartbeatIntervalMs: 0, authorize, allowMissingOrigin: false });
    const message = optionError(() => sharedStatusHub({ name: 'guarded', heartbeatIntervalMs: 0 }));
    expect(message).toMatch(/sharedStatusHub\(options\): the shared hub "guarded" was made with other options: `allowMissingOrigin`, `authorize` differ/);
    expect(optionError(() => sharedStatusHub({ name: 'guarded', heartbeatIntervalMs: 0, authorize: () => true, allowMissingOrigin: false }))).toMatch(
      /`authorize` differs/,
    );
    expect(optionError(() => sharedStatusHub({ name: 'guarded', heartbeatIntervalMs: 0, authorize, allowMissingOrigin: false, port: 0 }))).toMatch(
      /`port` differs/,
    );
    // Still the first hub, still guarded.
    const { port } = await hub.listen(0, '127.0.0.1');
    expect((await rawUpgrade(port, '/ws/s')).status).toBe(403);
    expect((await rawUpgrade(port, '/ws/s', { Origin: `http://127.0.0.1:${port}` })).status).toBe(403);
  });

  it('returns the hub to a call that passes no options but the name', () => {
    const hub = shared({ name: 'bare', heartbeatIntervalMs: 0, authorize: () => false });
    expect(sharedStatusHub({ name: 'bare' })).toBe(hub);
    expect(sharedStatusHub({ name: 'bare', port: undefined })).toBe(hub);
    const byDefault = shared({ heartbeatIntervalMs: 0 });
    expect(sharedStatusHub()).toBe(byDefault);
  });

  it('takes the same options made again by a second copy of the code (functions compare by source)', () => {
    const options = {
      name: 'reloaded',
      heartbeatIntervalMs: 0,
      allowedOrigins: ['https://app.example.com'],
      authorize: (_request: unknown, sessionId: string) => sessionId.startsWith('user-'),
      inboundRateLimit: { messages: 5, intervalMs: 1000 },
    };
    const hub = shared(options);
    const again = { ...options, authorize: remade(options.authorize), inboundRateLimit: { messages: 5, intervalMs: 1000 } };
    expect(again.authorize).not.toBe(options.authorize);
    expect(sharedStatusHub(again)).toBe(hub);
    // An origin written differently but naming the same origin, and a default spelt out, are the same options.
    expect(sharedStatusHub({ ...again, allowedOrigins: ['https://APP.example.com:443'], maxPayload: 65_536 })).toBe(hub);
  });

  it('ends a preconnect on the port it listens on when closed, within closeTimeoutMs', async () => {
    const hub = sharedStatusHub({ name: 'listening', heartbeatIntervalMs: 0, closeTimeoutMs: 300, port: 0, host: '127.0.0.1' });
    const address = await sharedStatusHubAddress('listening');
    const preconnect = net.connect(address!.port, '127.0.0.1');
    preconnect.on('error', () => {});
    await new Promise((resolve) => preconnect.once('connect', resolve));
    const started = Date.now();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      hub.close(),
      new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('close() still pending after 1300 ms')), 1300))),
    ]).finally(() => clearTimeout(timer));
    expect(Date.now() - started).toBeLessThan(1300);
    expect(await sharedStatusHubAddress('listening')).toBeUndefined();
  });
});
