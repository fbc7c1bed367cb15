// Structured logs: one JSON object per line, so they can be shipped and queried as-is. The interface lives in
// base/logger.ts; this is its production implementation, created once by the CLI and injected everywhere.

import type { LogFields, Logger, LogLevel } from '../base/logger.js';

const ORDER: Readonly<Record<LogLevel, number>> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface JsonLoggerOptions {
  readonly level?: LogLevel;
  readonly write?: (line: string) => void;
  readonly now?: () => Date;
}

export function createJsonLogger(options: JsonLoggerOptions = {}, bound: LogFields = {}): Logger {
  const threshold = ORDER[options.level ?? 'info'];
  const write = options.write ?? ((line: string) => process.stderr.write(line));
  const now = options.now ?? (() => new Date());
  const emit = (level: LogLevel, message: string, fields?: LogFields) => {
    if (ORDER[level] < threshold) return;
    const entry = { time: now().toISOString(), level, msg: message, ...bound, ...fields };
    write(`${JSON.stringify(entry, errorReplacer)}\n`);
  };
  return {
    debug: (message, fields) => emit('debug', message, fields),
    info: (message, fields) => emit('info', message, fields),
    warn: (message, fields) => emit('warn', message, fields),
    error: (message, fields) => emit('error', message, fields),
    child: (fields) => createJsonLogger(options, { ...bound, ...fields }),
  };
}

/** Errors serialise to their message and code instead of `{}`. */
function errorReplacer(_key: string, value: unknown): unknown {
  if (value instanceof Error) {
    const code = (value as { code?: unknown }).code;
    return code === undefined ? { message: value.message } : { message: value.message, code };
  }
  return value;
}
