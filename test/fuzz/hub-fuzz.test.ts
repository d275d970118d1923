/** The fuzz cases of ./hub-fuzz-cases.ts at the size of the quick gate; test/soak/hub-fuzz.test.ts runs 20,000. */
import { describeHubFuzz } from './hub-fuzz-cases.js';

describeHubFuzz({ parse: 2_000, inbound: 2_000, payloads: 2_000, garbage: 60 });
