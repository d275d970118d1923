/** The machine line every report carries: figures mean nothing without it. */
import os from 'node:os';
import type { Machine } from '../types.js';

export function describeMachine(loadAtStart: number): Machine {
  const cpus = os.cpus();
  return {
    cpu: (cpus[0]?.model ?? 'unknown').trim(),
    cores: typeof os.availableParallelism === 'function' ? os.availableParallelism() : cpus.length,
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    totalMemoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    date: new Date().toISOString(),
    loadAverage: { start: loadAtStart, end: os.loadavg()[0]! },
  };
}

export function currentLoad(): number {
  return os.loadavg()[0]!;
}
