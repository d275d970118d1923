/** Soak: the fuzz cases of test/fuzz/hub-fuzz-cases.ts with 20,000 inputs to each parser and 10,000 through a real hub. */
import { describeHubFuzz } from '../fuzz/hub-fuzz-cases.js';

describeHubFuzz({ parse: 20_000, inbound: 10_000, payloads: 10_000, garbage: 300 });
