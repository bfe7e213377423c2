import { redactText, redactValue } from './http/redact.js';

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
type EntryLevel = Exclude<LogLevel, 'silent'>;

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  child(bindings: Record<string, unknown>): Logger;
  readonly level: LogLevel;
}

export interface LoggerOptions {
  level?: LogLevel | string | undefined;
  /** Where JSON lines go. stderr by default: stdout belongs to MCP over stdio. */
  write?: ((line: string) => void) | undefined;
  bindings?: Record<string, unknown>;
}

function parseLevel(value: string | undefined): LogLevel {
  const normalised = value?.trim().toLowerCase();
  return (LOG_LEVELS as readonly string[]).includes(normalised ?? '') ? (normalised as LogLevel) : 'info';
}

/**
 * One logger for the whole product: JSON lines, level from LOG_LEVEL, and every entry passes
 * through the redactor before it is written, so a secret cannot be logged by mistake.
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const level = parseLevel(options.level ?? process.env.LOG_LEVEL);
  const threshold = LOG_LEVELS.indexOf(level);
  const write = options.write ?? ((line: string) => process.stderr.write(line));
  const bindings = options.bindings ?? {};

  const emit = (entryLevel: EntryLevel, message: string, fields?: Record<string, unknown>) => {
    if (LOG_LEVELS.indexOf(entryLevel) < threshold) return;
    const entry = redactValue({
      time: new Date().toISOString(),
      level: entryLevel,
      msg: message,
      ...bindings,
      ...fields,
    });
    write(`${redactText(JSON.stringify(entry))}\n`);
  };

  return {
    level,
    debug: (message, fields) => emit('debug', message, fields),
    info: (message, fields) => emit('info', message, fields),
    warn: (message, fields) => emit('warn', message, fields),
    error: (message, fields) => emit('error', message, fields),
    child: (more) => createLogger({ level, write, bindings: { ...bindings, ...more } }),
  };
}

export const silentLogger: Logger = createLogger({ level: 'silent' });
