import { resolve } from 'node:path';
import { z } from 'zod';

/** Development defaults for the two shared secrets. Refused when NODE_ENV=production. */
export const DEV_ROUTER_TOKEN = 'dev-only-router-token-change-me';
export const DEV_INTERNAL_TOKEN = 'dev-only-internal-token-change-me';

export const isProduction = () => process.env.NODE_ENV === 'production';

const secret = (name: string, devDefault: string) =>
  z
    .string()
    .min(16, `${name} must be at least 16 characters`)
    .optional()
    .transform((v, ctx) => {
      if (v) return v;
      if (isProduction()) {
        ctx.addIssue({ code: 'custom', message: `${name} is required when NODE_ENV=production` });
        return z.NEVER;
      }
      return devDefault;
    });

/**
 * Health, start-up and stream settings every process shares, the router included
 * (README "Self-healing and health probes").
 */
export const healthEnvShape = {
  /** Replicas of every stream a process creates: 1 on one nats-server, 3 on a 3-node JetStream cluster (NATS allows 1–5). */
  NATS_STREAM_REPLICAS: z.coerce.number().int().min(1).max(5).default(1),
  /** Longest wait between two attempts to reach NATS at start-up (it starts at 250 ms and doubles). */
  NATS_CONNECT_MAX_BACKOFF_MS: z.coerce.number().int().positive().default(10_000),
  /** How often readiness re-runs its I/O checks (database, streams); also the liveness window. */
  HEALTH_CHECK_INTERVAL_MS: z.coerce.number().int().min(100).default(5000),
  /** /health/live fails once the event loop was blocked longer than this at once within the last window or two. */
  LIVENESS_MAX_EVENT_LOOP_DELAY_MS: z.coerce.number().int().min(100).default(5000),
  /** After SIGTERM: not ready at once, but keep serving this long before draining, so a load balancer without a preStop hook sees it first. */
  SHUTDOWN_DELAY_MS: z.coerce.number().int().min(0).default(0),
};

/** pino's levels (platform/logger.ts); `silent` logs nothing. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** Logging settings, shared by every process (contexts and router) so a typo is a configuration error, not a crash. */
export const logEnvShape = {
  LOG_LEVEL: z.enum(LOG_LEVELS, { message: `must be one of ${LOG_LEVELS.join(', ')}` }).default('info'),
  /** `json` (one line per event) or `pretty`; unset: pretty on a terminal, JSON otherwise. */
  LOG_FORMAT: z.enum(['json', 'pretty'], { message: 'must be json or pretty' }).optional(),
};

/** A TCP port; 0 lets the OS choose one. */
export const portSchema = z.coerce.number({ message: 'must be a port number (0-65535)' }).int('must be a port number (0-65535)').min(0, 'must be a port number (0-65535)').max(65535, 'must be a port number (0-65535)');

/** Settings every context process shares. */
export const baseEnvSchema = z.object({
  ...logEnvShape,
  /** Unset: the context's default port (subgraphs/registry.ts). */
  PORT: portSchema.optional(),
  NATS_URL: z.string().default('nats://127.0.0.1:4222'),
  DATA_DIR: z.string().default(resolve(process.cwd(), '.data')),
  DATABASE_URL: z.string().optional(),
  HOST: z.string().default('127.0.0.1'),
  ROUTER_TOKEN: secret('ROUTER_TOKEN', DEV_ROUTER_TOKEN),
  INTERNAL_TOKEN: secret('INTERNAL_TOKEN', DEV_INTERNAL_TOKEN),
  OUTBOX_POLL_MS: z.coerce.number().int().positive().default(1000),
  CONSUMER_MAX_DELIVER: z.coerce.number().int().min(1).default(5),
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().positive().default(10000),
  ...healthEnvShape,
});
export type BaseEnv = z.infer<typeof baseEnvSchema>;

/** Parses env with a schema; on failure prints every problem at once and exits (fail fast at start-up). */
export function parseEnv<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv = process.env): z.infer<S> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  const lines = result.error.issues.map((i) => `  - ${i.path.join('.') || '(env)'}: ${i.message}`);
  throw new Error(`Invalid configuration:\n${lines.join('\n')}`);
}

/**
 * Database URL for a context: DATABASE_URL_<CONTEXT> wins; else DATABASE_URL names a
 * PostgreSQL server and the context gets its own database `ordergraph_<context>` on it;
 * else undefined, which means the embedded database under DATA_DIR. A context on SQLite
 * only ever takes its own variable: the shared PostgreSQL server is not for it.
 */
export function databaseUrlFor(context: string, env: NodeJS.ProcessEnv = process.env, engine: 'postgres' | 'sqlite' = 'postgres'): string | undefined {
  const own = env[`DATABASE_URL_${context.toUpperCase()}`];
  if (own) return own;
  if (env.DATABASE_URL && engine === 'postgres') {
    const url = new URL(env.DATABASE_URL);
    url.pathname = `/ordergraph_${context}`;
    return url.toString();
  }
  return undefined;
}
