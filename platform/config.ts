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

/**
 * The event machinery's tuning and retention, every context process (issue 13 points 3 and 4).
 * Checked together by `eventSettingsProblems`: what is pruned must be older than anything
 * that can still arrive twice.
 */
export const eventEnvShape = {
  /** Outbox rows one relay pass reads and publishes at once (all in flight, acks awaited together). */
  OUTBOX_BATCH_SIZE: z.coerce.number().int().min(1).max(10_000).default(256),
  /**
   * On a PostgreSQL server: the relay LISTENs for the outbox trigger's notifications on one connection of
   * its own (beside the pool), so a commit from any process is published within milliseconds; `false`
   * behind a pooler that cannot LISTEN (PgBouncer in transaction mode): then only the poll finds other processes' rows.
   */
  OUTBOX_LISTEN: z.enum(['true', 'false'], { message: 'must be true or false' }).default('true').transform((v) => v === 'true'),
  /** Messages a durable consumer pulls per request (JetStream max_messages). */
  CONSUMER_BATCH: z.coerce.number().int().min(1).max(10_000).default(64),
  /**
   * Events a context handles at once, over all its durable consumers (each in its own transaction,
   * so each holds a database connection; events of one order key always one after another).
   * Must stay below DATABASE_POOL_MAX, which GraphQL requests and the relay share.
   */
  CONSUMER_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(4),
  /**
   * Most events one durable consumer handles in one database transaction (one processed-marker
   * statement, the handlers in stream order, one commit); 1: a transaction per event. A batch
   * that fails is handled again one event per transaction, so only the failing event is retried.
   */
  CONSUMER_BATCH_MAX: z.coerce.number().int().min(1).max(1000).default(64),
  /** Milliseconds an idle consumer worker waits for more events before a batch that is not full; 0 starts at once. */
  CONSUMER_BATCH_LINGER_MS: z.coerce.number().int().min(0).max(1000).default(0),
  /** Connections of a context's pool to its PostgreSQL server (node-postgres `max`). Ten contexts on one server: 10 × this. */
  DATABASE_POOL_MAX: z.coerce.number().int().min(2).max(1000).default(10),
  /** JetStream's duplicate window per stream (msgID de-duplication of the relay's republishes). */
  NATS_DUPLICATE_WINDOW_SECONDS: z.coerce.number().int().min(1).default(120),
  /** Oldest message an event stream keeps, in hours; 0 keeps every message (not for production). */
  NATS_STREAM_MAX_AGE_HOURS: z.coerce.number().min(0).default(168),
  /** Size cap of every stream in bytes; -1 none. A fact stream refuses new messages when full, an event stream drops its oldest. */
  NATS_STREAM_MAX_BYTES: z.coerce.number().int().min(-1).default(-1),
  /** Contexts whose stream holds reference facts a late consumer must still find (catalog's products): no age limit. */
  NATS_FACT_STREAMS: z
    .string()
    .default('catalog')
    .transform((v) => v.split(',').map((s) => s.trim().toLowerCase()).filter(Boolean)),
  /** Sent outbox rows are deleted this many hours after they were sent. */
  OUTBOX_RETENTION_HOURS: z.coerce.number().positive().default(24),
  /** "Event processed" markers are deleted this many hours after processing. */
  PROCESSED_EVENT_RETENTION_HOURS: z.coerce.number().positive().default(168),
  /** How often a context prunes sent outbox rows and old processed markers. */
  PRUNE_INTERVAL_MS: z.coerce.number().int().min(1000).default(600_000),
};

/** The longest time after its first delivery that a message can still be delivered again, in ms (ack wait + back-off per attempt). */
export function longestRedeliveryMs(maxDeliver: number, ackWaitMs = 30_000): number {
  // platform/consumer.ts: nak after min(60 s, 500 ms · 2^(n-1)) (+20 % jitter), or ack wait when a handler died.
  let total = 0;
  for (let n = 1; n <= maxDeliver; n++) total += ackWaitMs + Math.min(60_000, 500 * 2 ** (n - 1)) * 1.2;
  return total;
}

/**
 * Why the retention settings are unsafe, or [] when they are fine:
 *  - a sent outbox row must outlive JetStream's duplicate window (a republish after a crash
 *    is dropped only within it; the row is the record of what was published);
 *  - a processed marker must outlive the duplicate window and the longest redelivery (a
 *    redelivered event whose marker is gone would take effect twice), and every message its
 *    stream still holds (a durable consumer recreated on the server starts at the stream's
 *    first message and relies on the markers to skip what was applied).
 */
export function eventSettingsProblems(c: {
  NATS_DUPLICATE_WINDOW_SECONDS: number;
  NATS_STREAM_MAX_AGE_HOURS: number;
  OUTBOX_RETENTION_HOURS: number;
  PROCESSED_EVENT_RETENTION_HOURS: number;
  CONSUMER_MAX_DELIVER: number;
}): Array<{ path: string; message: string }> {
  const problems: Array<{ path: string; message: string }> = [];
  const hours = (ms: number) => `${(ms / 3_600_000).toFixed(2)} h`;
  const dupMs = c.NATS_DUPLICATE_WINDOW_SECONDS * 1000;
  if (c.OUTBOX_RETENTION_HOURS * 3_600_000 <= dupMs) {
    problems.push({ path: 'OUTBOX_RETENTION_HOURS', message: `must be longer than JetStream's duplicate window (NATS_DUPLICATE_WINDOW_SECONDS = ${hours(dupMs)})` });
  }
  const redeliveryMs = longestRedeliveryMs(c.CONSUMER_MAX_DELIVER);
  const neededMs = Math.max(dupMs, redeliveryMs);
  if (c.PROCESSED_EVENT_RETENTION_HOURS * 3_600_000 <= neededMs) {
    problems.push({
      path: 'PROCESSED_EVENT_RETENTION_HOURS',
      message: `must be longer than JetStream's duplicate window and the longest redelivery (CONSUMER_MAX_DELIVER = ${c.CONSUMER_MAX_DELIVER}: ${hours(neededMs)})`,
    });
  }
  if (c.NATS_STREAM_MAX_AGE_HOURS === 0 || c.PROCESSED_EVENT_RETENTION_HOURS < c.NATS_STREAM_MAX_AGE_HOURS) {
    problems.push({
      path: 'PROCESSED_EVENT_RETENTION_HOURS',
      message: `must be at least NATS_STREAM_MAX_AGE_HOURS (${c.NATS_STREAM_MAX_AGE_HOURS === 0 ? 'no age limit: streams keep everything, so markers cannot be pruned' : `${c.NATS_STREAM_MAX_AGE_HOURS} h`}): a recreated consumer replays what its stream still holds`,
    });
  }
  return problems;
}

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
export const baseEnvSchema = z
  .object({
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
  ...eventEnvShape,
})
  .superRefine((c, ctx) => {
    for (const p of eventSettingsProblems(c)) ctx.addIssue({ code: 'custom', path: [p.path], message: p.message });
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
