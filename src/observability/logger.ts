import { asyncLocalStorage } from '@temporalio/activity';
import type { Logger as TemporalLogger, LogLevel as TemporalLogLevel, LogMetadata } from '@temporalio/common';
import { pino, type Logger, type LoggerOptions } from 'pino';
import type { ObservabilityConfig } from '../config.js';

export type { Logger } from 'pino';

/**
 * Baton's log lines: one JSON object per line (pino) for log shippers, or a short readable line
 * for a terminal (`BATON_LOG_FORMAT`). Whatever concerns a hand-off carries its `handoffId`: the
 * SDK's workflow and activity loggers add the workflow id, and `temporalLogger` turns it into the
 * hand-off id.
 */
export function createLogger(
  opts: ObservabilityConfig['log'],
  destination: { write(line: string): unknown } = process.stdout,
  base: Record<string, unknown> = {},
): Logger {
  const options: LoggerOptions = {
    level: opts.level,
    base: { pid: process.pid, ...base },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  };
  if (opts.format === 'json') return pino(options, destination);
  return pino(options, { write: (line: string) => destination.write(prettyLine(line)) });
}

let processLogger: Logger | undefined;

/** The process's logger: set up once at start (`configureLogging`), JSON at info until then. */
export function logger(): Logger {
  return (processLogger ??= createLogger({ format: 'json', level: 'info' }));
}

export function configureLogging(opts: ObservabilityConfig['log'], base: Record<string, unknown> = {}): Logger {
  processLogger = createLogger(opts, process.stdout, base);
  return processLogger;
}

/** `handoff-<handoffId>` (DESIGN §3) → the hand-off id; any other workflow id has none. */
export function handoffIdOf(workflowId: unknown): string | undefined {
  return typeof workflowId === 'string' && workflowId.startsWith('handoff-') ? workflowId.slice('handoff-'.length) : undefined;
}

/**
 * A request's logger for the API (e.g. in `toProblem`): the method and path, and the hand-off id
 * when the path names one (`/v1/handoffs/<id>/…`).
 */
export function requestLogger(req: { method: string; path: string }): Logger {
  const segment = /^\/v1\/handoffs\/([^/]+)/.exec(req.path)?.[1];
  let handoffId = segment;
  try {
    handoffId = segment && decodeURIComponent(segment);
  } catch {
    // a malformed escape: the segment as it came
  }
  return logger().child({ method: req.method, path: req.path, ...(handoffId ? { handoffId } : {}) });
}

const LEVELS: Record<TemporalLogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = {
  TRACE: 'trace',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
};
const RANK: Record<TemporalLogLevel, number> = { TRACE: 0, DEBUG: 1, INFO: 2, WARN: 3, ERROR: 4 };

/**
 * The Temporal SDK's logger (`Runtime.install({ logger })`) writing to pino: the SDK's own lines,
 * the native core's (forwarded), and the workflow and activity context loggers, with `handoffId`
 * beside the workflow id. `quietSdk` keeps the SDK's own chatter (worker state, bundling) to
 * warnings while workflow and activity lines keep the configured level (`npm start`'s banner).
 */
export function temporalLogger(target: Logger, opts: { quietSdk?: boolean } = {}): TemporalLogger {
  const log = (level: TemporalLogLevel, message: string, meta: LogMetadata = {}): void => {
    const component: unknown = meta.sdkComponent;
    if (opts.quietSdk && (component === 'worker' || component === 'core') && RANK[level] < RANK.WARN) return;
    const { taskToken: _token, error, ...fields } = meta as Record<string, unknown>;
    const handoffId = handoffIdOf(fields.workflowId);
    const line: Record<string, unknown> = { ...(handoffId ? { handoffId } : {}), ...fields };
    if (error !== undefined) line.err = error;
    target[LEVELS[level]](line, message);
  };
  return {
    log,
    trace: (message, meta) => log('TRACE', message, meta),
    debug: (message, meta) => log('DEBUG', message, meta),
    info: (message, meta) => log('INFO', message, meta),
    warn: (message, meta) => log('WARN', message, meta),
    error: (message, meta) => log('ERROR', message, meta),
  };
}

/**
 * Where activity code logs: the running activity's context logger (the SDK adds the workflow id,
 * activity type and attempt, hence the hand-off id), or the process's logger outside an activity
 * (a test calling an activity function directly).
 */
export function activityLogger(): TemporalLogger {
  const context = asyncLocalStorage.getStore();
  return context ? context.log : temporalLogger(logger());
}

const PRETTY_SKIP = new Set(['time', 'level', 'msg', 'pid', 'hostname', 'err']);

/** A pino JSON line as `12:00:01.123 INFO  message  key=value …` (and the error's stack below). */
function prettyLine(json: string): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json;
  }
  const time = typeof entry.time === 'string' ? entry.time.slice(11, 23) : '';
  const level = typeof entry.level === 'string' ? entry.level.toUpperCase() : '';
  const fields = Object.entries(entry)
    .filter(([key, value]) => !PRETTY_SKIP.has(key) && value !== undefined)
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`);
  const err = entry.err as { stack?: string; message?: string } | undefined;
  const stack = err ? `\n  ${(err.stack ?? err.message ?? '').split('\n').join('\n  ')}` : '';
  return `${time} ${level.padEnd(5)} ${typeof entry.msg === 'string' ? entry.msg : ''}${fields.length ? `  ${fields.join(' ')}` : ''}${stack}\n`;
}
