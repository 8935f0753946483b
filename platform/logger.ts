import pino, { type Logger } from 'pino';

export type { Logger };

/**
 * One JSON line per event by default (what log collectors want); `LOG_FORMAT=pretty`
 * or an interactive terminal gets human-readable lines. Business logs carry
 * `orderId` / `correlationId` fields so one case can be followed across contexts.
 */
export function createLogger(service: string, env: NodeJS.ProcessEnv = process.env): Logger {
  const level = env.LOG_LEVEL ?? 'info';
  const pretty = env.LOG_FORMAT === 'pretty' || (env.LOG_FORMAT !== 'json' && process.stdout.isTTY);
  return pino({
    level,
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
    ...(pretty
      ? { transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname' } } }
      : {}),
  });
}
