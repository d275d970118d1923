/**
 * The logger every component accepts as an option. Anything with these four methods works
 * (console, pino, winston). The default writes to the console with a prefix.
 */
export interface Logger {
  debug(message: string, ...details: unknown[]): void;
  info(message: string, ...details: unknown[]): void;
  warn(message: string, ...details: unknown[]): void;
  error(message: string, ...details: unknown[]): void;
}

const PREFIX = '[adk-status-messenger]';

export const consoleLogger: Logger = {
  debug: () => {},
  info: (message, ...details) => console.info(PREFIX, message, ...details),
  warn: (message, ...details) => console.warn(PREFIX, message, ...details),
  error: (message, ...details) => console.error(PREFIX, message, ...details),
};

/** A logger that drops everything; handy in tests and benchmarks. */
export const silentLogger: Logger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
};

let defaultLogger: Logger = consoleLogger;

/** The logger used where no `logger` option was given. */
export function getDefaultLogger(): Logger {
  return defaultLogger;
}

/** Replaces the logger used where no `logger` option was given (e.g. `silentLogger` in tests). */
export function setDefaultLogger(logger: Logger): void {
  defaultLogger = logger;
}
