/**
 * Process-wide state that every copy of this package must share: the ESM and CJS builds, and
 * the copies a bundler inlines (ADK's devtools bundle each agent file with esbuild, and
 * `--reload_agents` imports it again). Module-level `Map`s would be private to one copy, so
 * each registry lives on `globalThis` under a `Symbol.for` key, created by whichever copy
 * asks first. Bump a key's version when the value's shape changes.
 */
export function processRegistry<T>(name: string, create: () => T): T {
  const key = Symbol.for(`adk-status-messenger/${name}`);
  const holder = globalThis as unknown as Record<symbol, T | undefined>;
  return (holder[key] ??= create());
}
