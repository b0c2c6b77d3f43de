/**
 * The small logging interface the client machinery reports through, and the default that prints
 * lines as the server does (`<ISO time> LEVEL [component] message`).
 *
 * @module
 */

/** Where background work (reflectors, workers, elections) reports. */
export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  debug(message: string): void;
}

/** A logger printing to the console, prefixed by `component`; `debug` lines only when asked. */
export function consoleLogger(component: string, options: { debug?: boolean } = {}): Logger {
  const line = (level: string, message: string) =>
    `${new Date().toISOString()} ${level} [${component}] ${message}`;
  return {
    info: (m) => console.log(line("INFO", m)),
    warn: (m) => console.warn(line("WARN", m)),
    error: (m) => console.error(line("ERROR", m)),
    debug: (m) => {
      if (options.debug) console.log(line("DEBUG", m));
    },
  };
}

/** A logger that drops everything (tests, benchmarks). */
export const silentLogger: Logger = {
  info() {},
  warn() {},
  error() {},
  debug() {},
};
