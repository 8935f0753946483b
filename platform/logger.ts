import { AsyncLocalStorage } from 'node:async_hooks';
import { isSpanContextValid, trace } from '@opentelemetry/api';
import pino, { type Logger } from 'pino';

export type { Logger };

/** Fields every log line of one request or one event carries (platform/tracing.ts sets them). */
export interface LogFields {
  requestId?: string;
  orderId?: string;
  correlationId?: string;
  eventId?: string;
  consumer?: string;
}

const fields = new AsyncLocalStorage<LogFields>();

/** Runs `fn` with these fields (added to the current ones) on every log line it and what it starts write. */
export function runWithLogFields<T>(add: LogFields, fn: () => T): T {
  return fields.run({ ...fields.getStore(), ...add }, fn);
}

/** Runs `fn` with no request's or event's fields (background work woken by one). */
export function runWithoutLogFields<T>(fn: () => T): T {
  return fields.exit(fn);
}

/** Adds fields for the rest of the current request or event (e.g. the order id once it is known). No-op outside one. */
export function addLogFields(add: LogFields): void {
  const store = fields.getStore();
  if (store) Object.assign(store, Object.fromEntries(Object.entries(add).filter(([, v]) => v !== undefined)));
}

/** The current request's or event's fields, if any. */
export const logFieldsNow = (): Readonly<LogFields> | undefined => fields.getStore();

/**
 * Per line: `traceId`/`spanId` of the active OpenTelemetry span (when tracing is on) and
 * the fields of the request or event being handled, except those the line or its child
 * logger already has (pino would write a key twice).
 */
function correlation(mergeObject: object, _level: number, logger: Logger): object {
  const store = fields.getStore();
  const sc = trace.getActiveSpan()?.spanContext();
  const traced = sc !== undefined && isSpanContextValid(sc);
  if (!store && !traced) return {};
  const out: Record<string, string> = traced ? { traceId: sc.traceId, spanId: sc.spanId } : {};
  if (store) {
    const bound = logger.bindings();
    for (const [k, v] of Object.entries(store)) if (v !== undefined && !(k in bound) && !(k in mergeObject)) out[k] = v;
  }
  return out;
}

/**
 * One JSON line per event by default (what log collectors want); `LOG_FORMAT=pretty`
 * or an interactive terminal gets human-readable lines. Every line of a request or an
 * event carries `traceId` (tracing on), `requestId` (requests), `correlationId`/`orderId`
 * (events, and requests once the order is known), so one case can be followed across
 * contexts: `grep '"traceId":"<id>"'` or `'"orderId":"<id>"'` over every process's log.
 * `destination`: where lines go instead of stdout (tests).
 */
export function createLogger(service: string, env: NodeJS.ProcessEnv = process.env, destination?: pino.DestinationStream): Logger {
  const level = env.LOG_LEVEL ?? 'info';
  const pretty = !destination && (env.LOG_FORMAT === 'pretty' || (env.LOG_FORMAT !== 'json' && process.stdout.isTTY));
  const options: pino.LoggerOptions = {
    level,
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
    mixin: correlation as never,
    ...(pretty
      ? { transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname' } } }
      : {}),
  };
  // A destination other than stdout is for tests reading the lines.
  return destination ? pino(options, destination) : pino(options);
}
