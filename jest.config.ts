/** @jest-config-loader esbuild-register */
import type { Config } from 'jest';

// ts-jest in CommonJS mode. ADK's CJS build requires the ESM-only `lodash-es`; mapping it to
// `lodash` (same API) is the simplest of the three setups in ADK-NOTES §7.
const soak = process.env.STATUS_MESSENGER_SOAK === '1';

const config: Config = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  // Soak-sized cases (thousands of cycles, long outages, big fuzz runs) live in test/soak and run
  // only with `npm run test:soak` (STATUS_MESSENGER_SOAK=1), so that `npm test` stays a quick gate.
  testMatch: soak ? ['<rootDir>/test/soak/**/*.test.ts'] : ['**/*.test.ts'],
  testPathIgnorePatterns: soak ? ['/node_modules/'] : ['/node_modules/', '<rootDir>/test/soak/'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/test/tsconfig.json', diagnostics: { warnOnly: false } }],
  },
  moduleNameMapper: {
    '^lodash-es$': 'lodash',
    // The example imports the package by name, as users do; in tests that is our own source.
    '^adk-status-messenger$': '<rootDir>/src/index.ts',
    '^adk-status-messenger/protocol$': '<rootDir>/src/protocol.ts',
    '^adk-status-messenger/ag-ui$': '<rootDir>/src/ag-ui/index.ts',
    '^adk-status-messenger/ai-sdk$': '<rootDir>/src/ai-sdk/index.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  setupFilesAfterEnv: ['<rootDir>/test/support/setup-after-env.ts'],
  // Generous: hooks launch Chromium, child servers and the ADK CLI, and CI may run on a busy 2-core machine.
  testTimeout: soak ? 10 * 60_000 : 60_000,
  maxWorkers: 2,
  verbose: false,
};

export default config;
