// The one module that writes to the console. Everything else takes a Logger, tagged with the
// plugin or part it belongs to. Silent by default under tests unless ALLO_LOG_LEVEL is set.

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

export interface LogRecord {
  level: Exclude<LogLevel, 'silent'>;
  tag: string;
  message: string;
  time: string;
}

export type LogSink = (record: LogRecord) => void;

export interface Logger {
  readonly tag: string;
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  /** Warns once per key for the life of the process (an ignored or overridden setting). */
  warnOnce(key: string, message: string): void;
  child(tag: string): Logger;
}

function defaultLevel(): LogLevel {
  const fromEnv = process.env.ALLO_LOG_LEVEL as LogLevel | undefined;
  if (fromEnv !== undefined && fromEnv in ORDER) return fromEnv;
  return process.env.VITEST ? 'silent' : 'info';
}

const state: { level: LogLevel; sinks: LogSink[]; warned: Set<string> } = {
  level: defaultLevel(),
  sinks: [],
  warned: new Set(),
};

/** Writes log lines to stderr, so that stdout stays for results and JSON events. */
export function consoleSink(record: LogRecord): void {
  const prefix = record.level === 'info' ? '' : `${record.level}: `;
  process.stderr.write(`[${record.tag}] ${prefix}${record.message}\n`);
}

export function setLogLevel(level: LogLevel): void {
  state.level = level;
}

export function getLogLevel(): LogLevel {
  return state.level;
}

/** Replaces where log records go (the CLI routes them through its progress display). */
export function setLogSinks(sinks: LogSink[]): void {
  state.sinks = sinks;
}

function emit(level: Exclude<LogLevel, 'silent'>, tag: string, message: string): void {
  if (ORDER[level] < ORDER[state.level]) return;
  const record: LogRecord = { level, tag, message, time: new Date().toISOString() };
  const sinks = state.sinks.length > 0 ? state.sinks : [consoleSink];
  for (const sink of sinks) sink(record);
}

export function createLogger(tag: string): Logger {
  return {
    tag,
    debug: (message) => emit('debug', tag, message),
    info: (message) => emit('info', tag, message),
    warn: (message) => emit('warn', tag, message),
    error: (message) => emit('error', tag, message),
    warnOnce(key, message) {
      if (state.warned.has(key)) return;
      state.warned.add(key);
      emit('warn', tag, message);
    },
    child: (sub) => createLogger(`${tag}:${sub}`),
  };
}

/** Writes a line to stdout: results a command prints (tables, JSON), not log messages. */
export function writeOut(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}
