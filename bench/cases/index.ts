/**
 * The registry: every case `npm run bench` runs, in order. A new case is one file in this
 * folder and one line here.
 */
import type { BenchCase } from '../types.js';
import { aiSdkCase } from './ai-sdk.js';
import { alsOverheadCase } from './als-overhead.js';
import { fanOutCase } from './fan-out.js';
import { idleMemoryCase } from './idle-memory.js';
import { pubsubCase } from './pubsub.js';
import { relayCase } from './relay.js';
import { sseCase } from './sse.js';
import { throughputCase } from './throughput.js';
import { toolLatencyCase } from './tool-latency.js';

export const BENCH_CASES: readonly BenchCase[] = [
  throughputCase,
  fanOutCase,
  sseCase,
  toolLatencyCase,
  alsOverheadCase,
  idleMemoryCase,
  pubsubCase,
  relayCase,
  aiSdkCase,
];
