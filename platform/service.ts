import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID, timingSafeEqual } from 'node:crypto';
import { ApolloServer, type BaseContext } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { expressMiddleware } from '@as-integrations/express5';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper';
import { jetstream, type JetStreamClient } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import express, { type ErrorRequestHandler, type Request, type RequestHandler, type Router } from 'express';
import { parse } from 'graphql';
import { z } from 'zod';
import { baseEnvSchema, databaseUrlFor, parseEnv, type BaseEnv } from './config';
import { engineOfMigrations, openDatabase, type DriverAdapter, type OpenedDatabase, type PlatformDb, type RawSql } from './database';
import { HandlerSlots, PolicyConsumer, type Policy } from './consumer';
import { listDeadLetters, replayDeadLetter } from './dead-letters';
import { actorOf, type AuthContext } from './auth';
import { INTERNAL_MESSAGE, looksInternal, maskError } from './error-masking';
import { inputRulesPlugin } from './input-rules';
import { ErrorCode } from './errors';
import { fail, livenessFor, mountHealth, pass, Readiness } from './health';
import { shutdownSignal } from './main';
import { idempotencyKeyOf, type IdempotencyContext } from './idempotency';
import { createLogger, type Logger } from './logger';
import { Metrics, readConsumerStates } from './metrics';
import { connectNats, ensureStream, jetstreamManager, streamLimitsOf, type NatsLink } from './nats';
import { replayIntoNewDatabase } from './new-database-replay';
import { OutboxRelay } from './outbox';
import { PgOutboxListener } from './outbox-listener';
import { startEventPruner } from './retention';
import { platformSqlFor } from './sql-dialect';
import { streamName } from './events';
import { flushTracing, graphqlTracingPlugin, initTracing, requestTracing, traceTransactions } from './tracing';

/** Header the router sets on every subgraph request; subgraphs refuse GraphQL without it. */
export const ROUTER_TOKEN_HEADER = 'x-ordergraph-router-token';
/** Header for service-to-service calls on `/internal/*` (ordering → payment). */
export const INTERNAL_TOKEN_HEADER = 'x-ordergraph-internal-token';

/** What a context's code gets to work with. */
export interface ContextDeps<Db, Cfg> {
  name: string;
  db: Db;
  config: BaseEnv & Cfg;
  log: Logger;
  relay: OutboxRelay;
  js: JetStreamClient;
  /** This context's metrics: context code records what it does (breaker, sends). Absent when parts are built alone (contract tests). */
  metrics?: Metrics;
}

export interface ContextSpec<Db extends PlatformDb<Tx>, Tx extends RawSql, Cfg extends object, Ctx extends object> {
  name: string;
  defaultPort: number;
  /** Folder holding `schema.graphql`. */
  dir: string;
  createClient(adapter: DriverAdapter): Db;
  /** The context's own settings, on top of the shared ones. */
  config?: z.ZodType<Cfg>;
  /** True when the context publishes events (its stream is created at start). */
  produces?: boolean;
  /** Builds the context's parts once its database and NATS are ready. */
  build(deps: ContextDeps<Db, Cfg>): ContextParts<Tx, Ctx>;
}

export interface ContextParts<Tx extends RawSql, Ctx extends object> {
  resolvers: GraphQLResolverMap<Ctx>;
  /** Per-request context (e.g. DataLoaders). */
  requestContext?(req: Request): Ctx;
  policies?: Policy<Tx, any>[];
  /** Called after a policy's transaction committed, besides waking the outbox relay (e.g. to send what it recorded). */
  afterCommit?(): void;
  internalRoutes?(router: Router): void;
  /** Runs before consumers start and the server listens (seeding, timers). */
  start?(): Promise<void>;
  /** Runs on shutdown, after the server stopped taking requests. */
  stop?(): Promise<void>;
}

export interface RunningContext<Db = unknown> {
  name: string;
  url: string;
  port: number;
  db: Db;
  relay: OutboxRelay;
  consumers: PolicyConsumer<any>[];
  nc: NatsConnection;
  /** What /health/ready answers (tests read it directly). */
  readiness: Readiness;
  metrics: Metrics;
  stop(): Promise<void>;
  /** Not ready from now on; stop() follows (platform/main.ts on SIGTERM). */
  draining(): void;
}

/**
 * Starts a context: the HTTP server first (health only: live, not ready), then its
 * database, then NATS (waiting with back-off while unreachable), its stream, parts,
 * consumers and relay, then GraphQL; ready once all of that is up and the readiness
 * checks pass (README "Self-healing and health probes"). `opts.signal` (default: the
 * process' shutdown signal) ends a start that still waits; the promise then rejects.
 */
export async function startContext<Db extends PlatformDb<Tx>, Tx extends RawSql, Cfg extends object, Ctx extends object>(
  spec: ContextSpec<Db, Tx, Cfg, Ctx>,
  env: NodeJS.ProcessEnv = process.env,
  opts: { signal?: AbortSignal } = {},
): Promise<RunningContext<Db>> {
  initTracing(spec.name, env);
  // Settings before the logger: a bad LOG_LEVEL is one line of the configuration error list, not a logger crash.
  const schema = spec.config ? z.intersection(baseEnvSchema, spec.config) : baseEnvSchema;
  const config = parseEnv(schema, env) as BaseEnv & Cfg;
  if (config.CONSUMER_CONCURRENCY >= config.DATABASE_POOL_MAX) {
    // Every event in hand holds a connection for its transaction: leave some for GraphQL and the relay.
    throw new Error(`Invalid configuration:\n  - CONSUMER_CONCURRENCY: must be less than DATABASE_POOL_MAX (${config.DATABASE_POOL_MAX}), which GraphQL requests and the outbox relay share`);
  }
  const log = createLogger(spec.name, env);
  const port = env.PORT !== undefined ? Number(env.PORT) : spec.defaultPort;
  const signal = opts.signal ?? shutdownSignal;
  const streams = { replicas: config.NATS_STREAM_REPLICAS, limits: streamLimitsOf(config) };

  // Listen before anything can keep us waiting: an orchestrator sees the process live (not ready) meanwhile.
  const readiness = new Readiness(spec.name, { intervalMs: config.HEALTH_CHECK_INTERVAL_MS, log });
  const liveness = livenessFor(spec.name, config);
  const app = express();
  app.disable('x-powered-by');
  const httpServer = createServer(app);
  mountHealth(app, readiness, liveness);
  let serving = false;
  // Until GraphQL is mounted (and again while draining), a request gets a coded 503, not Express' 404 page.
  app.use(['/graphql', '/internal'], (_req, res, next) => {
    if (serving) return next();
    res.status(503).json({ errors: [{ message: `${spec.name} is starting; try again shortly.`, extensions: { code: ErrorCode.SERVICE_UNAVAILABLE } }] });
  });
  await new Promise<void>((resolve) => httpServer.listen(port, config.HOST, resolve));
  const actualPort = (httpServer.address() as AddressInfo).port;
  const url = `http://${config.HOST}:${actualPort}/graphql`;

  let database: OpenedDatabase<Db> | undefined;
  let link: NatsLink | undefined;
  const abandon = async (e: unknown): Promise<never> => {
    readiness.stop();
    liveness.stop();
    await closeServer(httpServer);
    await link?.nc.close().catch(() => undefined);
    await database?.close().catch(() => undefined);
    throw e;
  };

  try {
    readiness.starting('opening the database');
    const migrationsDir = `${spec.dir}/../../prisma/${spec.name}/migrations`;
    database = await openDatabase({
      context: spec.name,
      url: databaseUrlFor(spec.name, env, engineOfMigrations(migrationsDir)),
      dataDir: config.DATA_DIR,
      migrationsDir,
      createClient: (a) => spec.createClient(a),
      log,
      poolMax: config.DATABASE_POOL_MAX,
    });
    log.info({ engine: database.engine, where: database.where }, 'database ready');

    readiness.starting(`waiting for NATS at ${config.NATS_URL}`);
    link = await connectNats(config.NATS_URL, `ordergraph-${spec.name}`, log, {
      signal,
      maxBackoffMs: config.NATS_CONNECT_MAX_BACKOFF_MS,
      onAttempt: (attempt, error) => readiness.starting(`waiting for NATS at ${config.NATS_URL} (attempt ${attempt}: ${error})`),
    });
  } catch (e) {
    return abandon(e);
  }
  const nc = link.nc;
  const jsm = await jetstreamManager(nc);
  const js = jetstream(nc);
  if (spec.produces) await ensureStream(jsm, spec.name, streams, log);

  const db = traceTransactions(database.client, spec.name, database.engine === 'postgres' || database.engine === 'pglite' ? 'postgresql' : 'sqlite');
  const metrics = new Metrics(spec.name, log);
  const databaseUrl = databaseUrlFor(spec.name, env, engineOfMigrations(`${spec.dir}/../../prisma/${spec.name}/migrations`));
  // A PostgreSQL server announces every outbox commit (any process): LISTEN on a connection of its own (platform/outbox-listener.ts).
  const listener = database.engine === 'postgres' && databaseUrl && config.OUTBOX_LISTEN ? new PgOutboxListener(databaseUrl, log, { applicationName: `ordergraph-${spec.name}-outbox` }) : undefined;
  const relay = new OutboxRelay(db, js, log, { pollMs: config.OUTBOX_POLL_MS, batchSize: config.OUTBOX_BATCH_SIZE, metrics, jsm, streams, listener });
  const deps: ContextDeps<Db, Cfg> = { name: spec.name, db, config, log, relay, js, metrics };
  const parts = spec.build(deps);

  // One budget for the whole context: every event in hand holds a database connection.
  const handlerSlots = new HandlerSlots(config.CONSUMER_CONCURRENCY);
  const consumers = (parts.policies ?? []).map(
    (p) => new PolicyConsumer<Tx>(p, db, js, jsm, log, {
        slots: handlerSlots,
        context: spec.name,
        maxDeliver: config.CONSUMER_MAX_DELIVER,
        batch: config.CONSUMER_BATCH,
        concurrency: config.CONSUMER_CONCURRENCY,
        batchMax: config.CONSUMER_BATCH_MAX,
        batchLingerMs: config.CONSUMER_BATCH_LINGER_MS,
        streams,
        metrics,
        afterCommit: () => {
          relay.notify();
          parts.afterCommit?.();
        },
      }),
  );

  // Lag of this context's consumers and, for a producer, of every durable consumer of its stream (reported even while that consumer's process is down).
  const producedStream = spec.produces ? streamName(spec.name) : undefined;
  metrics.consumers().readStates(() => readConsumerStates(jsm, consumers.map((c) => ({ stream: c.stream, consumer: c.durable })), producedStream));
  metrics.consumers().readDeadLetters(() => platformSqlFor(db).deadLetterCounts(db));

  readiness.starting('creating consumers');
  for (const c of consumers) await c.prepare();
  await parts.start?.();
  relay.start();
  // Sent outbox rows and processed markers older than their retention go (issue 13 point 4).
  const stopPruner = startEventPruner(
    db,
    { outboxRetentionMs: config.OUTBOX_RETENTION_HOURS * 3_600_000, processedRetentionMs: config.PROCESSED_EVENT_RETENTION_HOURS * 3_600_000, intervalMs: config.PRUNE_INTERVAL_MS },
    log,
  );
  // A new database behind old durable consumers first gets the facts it copies (new-database-replay.ts).
  for (const [i, p] of (parts.policies ?? []).entries()) if (p.replayIntoNewDatabase) await replayIntoNewDatabase(consumers[i], p, db, js, jsm, log);

  const linkNow = link;
  const openDb = database;
  readiness
    .addCheck('nats', () => (linkNow.connected() ? pass() : fail(`not connected to ${config.NATS_URL}`)))
    .addCheck('consumers', () => {
      const bad = consumers.map((c) => [c.durable, c.health()] as const).filter(([, h]) => !h.ok);
      return bad.length ? fail(bad.map(([d, h]) => `${d}: ${h.detail}`).join('; ')) : pass(`${consumers.length} running`);
    })
    .addCheck('relay', () => relay.health())
    .addPolledCheck('database', async () => {
      await db.$queryRaw`SELECT 1`;
      return pass(openDb.engine);
    });
  // The streams this context writes to and reads from must exist (a wiped server has none until healed).
  const needed = [...new Set([...(spec.produces ? [streamName(spec.name)] : []), ...consumers.map((c) => c.stream)])];
  if (needed.length) {
    readiness.addPolledCheck('streams', async () => {
      if (!linkNow.connected()) return fail('NATS not connected');
      const missing: string[] = [];
      for (const s of needed) await jsm.streams.info(s).catch(() => missing.push(s));
      return missing.length ? fail(`missing: ${missing.join(', ')}`) : pass(needed.join(', '));
    });
  }

  app.get('/metrics', metrics.handler());

  const internal = express.Router();
  internal.use(requireToken(INTERNAL_TOKEN_HEADER, config.INTERNAL_TOKEN), express.json({ limit: '100kb' }), requestTracing(spec.name, { trustTraceparent: true }));
  internal.get('/dead-letters', async (_req, res) => void res.json(await listDeadLetters(db)));
  internal.post('/dead-letters/:id/replay', async (req, res) => {
    const result = await replayDeadLetter(db, consumers, String(req.params.id));
    res.status(result.status).json(result.body);
  });
  parts.internalRoutes?.(internal);
  app.use('/internal', internal);

  const apollo = new ApolloServer<Ctx & BaseContext>({
    schema: buildSubgraphSchema({ typeDefs: parse(readFileSync(`${spec.dir}/schema.graphql`, 'utf8')), resolvers: parts.resolvers as never }),
    // Input rules before any resolver runs (platform/input-rules.ts): the router applies them too.
    plugins: [ApolloServerPluginDrainHttpServer({ httpServer }), ApolloServerPluginInlineTraceDisabled(), metrics.graphqlPlugin(), graphqlTracingPlugin(), inputRulesPlugin()],
    // Shutdown is ours (platform/main.ts): ordered, with a deadline.
    stopOnTerminationSignals: false,
    // Stacks go to the log, not to clients.
    includeStacktraceInErrorResponses: false,
    // Unexpected errors: a plain message and an errorId for the client, the full error in the log (platform/error-masking.ts).
    formatError: (formatted, error) => maskError(formatted, error, log),
  });
  await apollo.start();
  app.use(
    '/graphql',
    requireToken(ROUTER_TOKEN_HEADER, config.ROUTER_TOKEN),
    express.json({ limit: '1mb' }),
    // Behind the router token: continues the router's trace (traceparent) and request id.
    requestTracing(spec.name, { trustTraceparent: true }),
    // The actor the router verified (see platform/auth.ts); trusted only behind the router token above.
    expressMiddleware(apollo, {
      context: async ({ req }) =>
        ({
          ...(parts.requestContext?.(req) ?? {}),
          actor: actorOf(req),
          // The client's Idempotency-Key as the router forwarded it (platform/idempotency.ts); checked by the mutations that take one.
          idempotencyKey: idempotencyKeyOf(req),
        }) as Ctx & AuthContext & IdempotencyContext,
    }),
  );

  // Errors outside Apollo (a body that is not JSON, an internal route that throws): JSON, never Express's HTML page with the stack.
  app.use(jsonErrors(log));

  serving = true;
  // Consuming starts last: a backlog to catch up on must not hold up the start-up above.
  for (const c of consumers) await c.start();
  await readiness.running();
  liveness.reset();
  log.info({ url, ready: readiness.report().status }, `${spec.name} subgraph ready`);

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      readiness.draining();
      log.info('shutting down');
      const step = async (what: string, fn: () => Promise<unknown>) => {
        const t = Date.now();
        await fn();
        log.debug({ ms: Date.now() - t }, `stopped ${what}`);
      };
      await step('http', () => apollo.stop()); // stops accepting, lets in-flight requests finish
      await step('server', () => closeServer(httpServer));
      await step('consumers', async () => {
        for (const c of consumers) await c.stop();
      });
      await step('context', async () => parts.stop?.());
      await step('relay', () => relay.stop());
      await step('pruner', () => stopPruner());
      await step('nats', () => nc.drain().catch(() => undefined));
      await step('database', () => openDb.close());
      await step('tracing', () => flushTracing());
      readiness.stop();
      liveness.stop();
      log.info('stopped');
    })());

  return { name: spec.name, url, port: actualPort, db, relay, consumers, nc, metrics, readiness, stop, draining: () => readiness.draining() };
}

export function requireToken(header: string, expected: string): RequestHandler {
  const want = Buffer.from(expected);
  return (req, res, next) => {
    const got = Buffer.from(String(req.headers[header] ?? ''));
    if (got.length === want.length && timingSafeEqual(got, want)) return next();
    res.status(403).json({
      errors: [{ message: 'This endpoint only answers the ordergraph router and its services.', extensions: { code: 'FORBIDDEN' } }],
    });
  };
}

/** Express error handler: 4xx with a plain message, 5xx masked with an errorId that is in the log line (platform/error-masking.ts). */
export function jsonErrors(log: Logger): ErrorRequestHandler {
  return (err: { status?: number; message?: string }, _req, res, next) => {
    if (res.headersSent) return next(err);
    const status = err.status && err.status >= 400 && err.status < 600 ? err.status : 500;
    if (status < 500) return void res.status(status).json({ errors: [{ message: looksInternal(err.message ?? '') ? 'Bad request.' : `Bad request: ${err.message}`, extensions: { code: 'BAD_REQUEST' } }] });
    const errorId = randomUUID();
    log.error({ err, errorId }, 'unexpected error (masked for the client)');
    res.status(status).json({ errors: [{ message: INTERNAL_MESSAGE, extensions: { code: 'INTERNAL_SERVER_ERROR', errorId } }] });
  };
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) return resolve();
    server.close(() => resolve());
    server.closeIdleConnections();
  });
}
