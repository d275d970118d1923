import { SessionRegistry } from '../../src/hub/session-registry.js';

describe('SessionRegistry', () => {
  it('indexes sockets both ways', () => {
    const registry = new SessionRegistry<string>();
    registry.add('s1', 'a');
    registry.add('s1', 'b');
    registry.add('s2', 'c');
    expect([...registry.socketsOf('s1')]).toEqual(['a', 'b']);
    expect(registry.sessionOf('c')).toBe('s2');
    expect(registry.countOf('s1')).toBe(2);
    expect(registry.sessionCount).toBe(2);
    expect(registry.socketCount).toBe(3);
  });

  it('forgets a session when its last socket leaves', () => {
    const registry = new SessionRegistry<string>();
    registry.add('s1', 'a');
    expect(registry.remove('a')).toBe('s1');
    expect(registry.remove('a')).toBeUndefined();
    expect(registry.sessionCount).toBe(0);
    expect(registry.socketsOf('s1').size).toBe(0);
  });

  it('refuses to register one socket twice', () => {
    const registry = new SessionRegistry<string>();
    registry.add('s1', 'a');
    expect(() => registry.add('s2', 'a')).toThrow(/already registered/);
  });
});
