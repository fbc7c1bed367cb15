// A logger that keeps its lines, for tests that assert on what was logged (level, message and fields).

import type { LogFields, Logger, LogLevel } from '../../src/base/logger.js';

export interface LoggedLine {
  readonly level: LogLevel;
  readonly message: string;
  readonly fields: LogFields | undefined;
}

export interface RecordingLogger extends Logger {
  readonly lines: LoggedLine[];
  /** The messages logged at `level`, in order. */
  messages(level: LogLevel): string[];
}

/** Children write into the same list: the fields they add are not merged, as no test here needs them. */
export function recordingLogger(): RecordingLogger {
  const lines: LoggedLine[] = [];
  const logAt = (level: LogLevel) => (message: string, fields?: LogFields) => void lines.push({ level, message, fields });
  const logger: RecordingLogger = {
    lines,
    messages: (level) => lines.filter((line) => line.level === level).map((line) => line.message),
    debug: logAt('debug'),
    info: logAt('info'),
    warn: logAt('warn'),
    error: logAt('error'),
    child: () => logger,
  };
  return logger;
}
