// Quiet ADK's INFO/WARN lines (ADK-NOTES pitfall 12) and our own logger in tests; tests that
// assert on logging install their own logger.
import { LogLevel, setLogLevel } from '@google/adk';
import { setDefaultLogger, silentLogger } from '../../src/logger.js';

setLogLevel(LogLevel.ERROR);
setDefaultLogger(silentLogger);
