// Structured JSON logs, one object per line. Values pass through `redact` so a
// credential that slipped into a message or field never reaches the log.
import { sanitizeText } from './sanitize.js';

export type LogLevel = 'debug' | 'info' | 'error';
const RANK: Record<LogLevel, number> = { debug: 0, info: 1, error: 2 };

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  with(fields: Record<string, unknown>): Logger;
}

export interface LoggerOptions {
  readonly level?: LogLevel;
  readonly write?: (line: string) => void;
  readonly now?: () => Date;
}

export function createLogger(opts: LoggerOptions = {}, base: Record<string, unknown> = {}): Logger {
  const min = RANK[opts.level ?? 'info'];
  const write = opts.write ?? ((line: string) => process.stderr.write(line + '\n'));
  const now = opts.now ?? (() => new Date());
  const emit = (level: LogLevel, msg: string, fields?: Record<string, unknown>): void => {
    if (RANK[level] < min) return;
    const entry: Record<string, unknown> = { level, ts: now().toISOString(), msg: sanitizeText(msg) };
    for (const [k, v] of Object.entries({ ...base, ...fields })) entry[k] = redactValue(v);
    write(JSON.stringify(entry));
  };
  return {
    debug: (m, f) => {
      emit('debug', m, f);
    },
    info: (m, f) => {
      emit('info', m, f);
    },
    error: (m, f) => {
      emit('error', m, f);
    },
    with: (fields) => createLogger(opts, { ...base, ...fields }),
  };
}

/** A logger that drops everything (tests, library defaults). */
export const silentLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  error: () => undefined,
  with: () => silentLogger,
};

function redactValue(value: unknown): unknown {
  if (typeof value === 'string') return sanitizeText(value);
  if (value instanceof Error) return sanitizeText(value.message);
  return value;
}
