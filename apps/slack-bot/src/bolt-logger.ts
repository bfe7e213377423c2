import { type Logger as BoltLogger, LogLevel } from '@slack/bolt';
import { LOG_LEVELS, type Logger } from '@sumo-ops/core';

const LEVELS: Record<string, LogLevel> = {
  debug: LogLevel.DEBUG,
  info: LogLevel.INFO,
  warn: LogLevel.WARN,
  error: LogLevel.ERROR,
  silent: LogLevel.ERROR,
};

type EntryLevel = 'debug' | 'info' | 'warn' | 'error';

function text(parts: unknown[]): string {
  return parts
    .map((part) =>
      typeof part === 'string' ? part : part instanceof Error ? part.message : JSON.stringify(part),
    )
    .join(' ');
}

/**
 * Bolt and the Web API client log through ours, so their lines are JSON on stderr and pass the
 * same redactor as everything else (a Slack error can quote a request). Lines below the level are
 * dropped before they are formatted: Bolt logs several debug lines per request.
 */
export function boltLogger(logger: Logger): BoltLogger {
  let level = LEVELS[logger.level] ?? LogLevel.INFO;
  const threshold = LOG_LEVELS.indexOf(logger.level);
  const at =
    (entry: EntryLevel) =>
    (...parts: unknown[]) => {
      if (LOG_LEVELS.indexOf(entry) >= threshold) logger[entry](text(parts), { component: 'bolt' });
    };
  return {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    setLevel: (next: LogLevel) => {
      level = next;
    },
    getLevel: () => level,
    setName: () => undefined,
  };
}
