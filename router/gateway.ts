import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import { expressMiddleware } from '@as-integrations/express5';
import express, { type NextFunction, type Request, type Response } from 'express';
import { Kind, parse, type DocumentNode } from 'graphql';
import { ACTOR_HEADER, encodeActor, type Actor } from '../platform/auth';
import { IDEMPOTENCY_HEADER, idempotencyKeyOf } from '../platform/idempotency';
import { createLogger } from '../platform/logger';
import { Metrics } from '../platform/metrics';
import { ROUTER_TOKEN_HEADER } from '../platform/service';
import { AuthError, bearerOf, createVerifier } from './auth';
import { guardPlugin } from './guards';
import { SubgraphSource } from './subgraph-source';
import { INTERNAL_MESSAGE, looksInternal, maskError } from '../platform/error-masking';
import { inputRulesPlugin } from '../platform/input-rules';
import { jetstream } from '@nats-io/jetstream';
import { connectNats, jetstreamManager } from '../platform/nats';
import { fail, livenessFor, mountHealth, pass, Readiness } from '../platform/health';
import { shutdownSignal } from '../platform/main';
import { ErrorCode } from '../platform/errors';
import { OrderEventHub } from './order-events';
import { startSubscriptions } from './subscriptions';
import { mountTracker } from './tracker';
import { subgraphsOf } from './compose';
import { loadRouterConfig } from './config';
import { flushTracing, graphqlTracingPlugin, initTracing, requestTracing } from '../platform/tracing';

/** What the router knows of a request: the verified actor (none only for anonymous introspection). */
export interface RouterContext {
  actor?: Actor;
  /** The client's Idempotency-Key header, forwarded to subgraphs as is (they validate it). */
  idempotencyKey?: string;
}

export interface RunningRouter {
  url: string;
  port: number;
  /** What /health/ready answers. */
  readiness: Readiness;
  /** Not ready from now on; stop() follows (platform/main.ts on SIGTERM). */
  draining(): void;
  stop(): Promise<void>;
}

/**
 * The single public entry point: @apollo/gateway over the committed, statically
 * composed supergraph. It adds the router-only token to every subgraph request;
 * subgraphs refuse GraphQL without it.
 */
export async function startRouter(env: NodeJS.ProcessEnv = process.env, opts: { signal?: AbortSignal } = {}): Promise<RunningRouter> {
  const config = loadRouterConfig(env);
  initTracing('router', env);
  const log = createLogger('router', env);
  const metrics = new Metrics('router', log);
  const fetches = metrics.subgraphFetches();
  const supergraphSdl = readFileSync(config.SUPERGRAPH_PATH, 'utf8');
  const urls = { ...subgraphsOf(supergraphSdl), ...config.subgraphUrls };
  // @apollo/gateway reports anonymous usage to Apollo unless told not to, and probes cloud
  // metadata servers (AWS, GCP, Azure) for it at start: off unless the operator opts in.
  process.env.APOLLO_TELEMETRY_DISABLED ??= env.APOLLO_TELEMETRY_DISABLED ?? 'true';
  const verifier = await createVerifier(config.jwt);
  log.info({ keys: verifier.source, issuer: config.jwt.issuer, audience: config.jwt.audience, algorithms: config.jwt.algorithms }, 'JWT verification');

  const sources: SubgraphSource[] = [];
  const gateway = new ApolloGateway({
    supergraphSdl,
    buildService: ({ name, url }) => {
      const source = new SubgraphSource({
        name,
        url: urls[name] ?? url!,
        log,
        metrics: fetches,
        timeoutMs: config.SUBGRAPH_TIMEOUT_MS,
        dedupe: config.ROUTER_DEDUPE === 'on',
        // The trusted channel: subgraphs read the actor only behind the router token.
        headersFor(context) {
          const { actor, idempotencyKey } = context as RouterContext;
          const headers: Record<string, string> = { [ROUTER_TOKEN_HEADER]: config.ROUTER_TOKEN };
          if (actor) headers[ACTOR_HEADER] = encodeActor(actor);
          // The client's Idempotency-Key, for the creating mutations (platform/idempotency.ts).
          if (idempotencyKey !== undefined) headers[IDEMPOTENCY_HEADER] = idempotencyKey;
          return headers;
        },
      });
      sources.push(source);
      return source;
    },
  });

  // Listen first (health only): live while it waits for NATS, ready once everything is up.
  const readiness = new Readiness('router', { intervalMs: config.HEALTH_CHECK_INTERVAL_MS, log });
  const liveness = livenessFor('router', config);
  const app = express();
  app.disable('x-powered-by');
  const httpServer = createServer(app);
  mountHealth(app, readiness, liveness);
  let serving = false;
  app.use('/graphql', (_req, res, next) => {
    if (serving) return next();
    res.status(503).json({ errors: [{ message: 'The router is starting; try again shortly.', extensions: { code: ErrorCode.SERVICE_UNAVAILABLE } }] });
  });
  await new Promise<void>((resolve) => httpServer.listen(config.PORT, config.HOST, resolve));

  readiness.starting(`waiting for NATS at ${config.NATS_URL}`);
  let link;
  try {
    link = await connectNats(config.NATS_URL, 'ordergraph-router', log, {
      signal: opts.signal ?? shutdownSignal,
      maxBackoffMs: config.NATS_CONNECT_MAX_BACKOFF_MS,
      onAttempt: (attempt, error) => readiness.starting(`waiting for NATS at ${config.NATS_URL} (attempt ${attempt}: ${error})`),
    });
  } catch (e) {
    liveness.stop();
    await new Promise((r) => httpServer.close(r));
    throw e;
  }
  const nc = link.nc;
  const hub = new OrderEventHub(jetstream(nc), await jetstreamManager(nc), log, { replicas: config.NATS_STREAM_REPLICAS });
  await hub.start();
  let subscriptions: { close(): Promise<void> } | undefined;
  const server = new ApolloServer<RouterContext>({
    gateway,
    // Refuses text/plain, form posts and GETs without a preflight-forcing header (code BAD_REQUEST, HTTP 400).
    csrfPrevention: true,
    plugins: [
      graphqlTracingPlugin(),
      guardPlugin({ maxDepth: config.MAX_DEPTH, maxCost: config.MAX_COST, maxAliases: config.MAX_ALIASES }),
      metrics.graphqlPlugin(),
      // Control characters, over-long values, malformed ids: refused before any subgraph is called.
      inputRulesPlugin(),
      // Stop the subscription server when Apollo stops (before the HTTP server drains).
      { async serverWillStart() { return { async drainServer() { await subscriptions?.close(); } }; } },
      ApolloServerPluginDrainHttpServer({ httpServer }),
      // Apollo Sandbox in development (it loads its UI from Apollo's CDN); no landing page at all in production.
      config.production ? ApolloServerPluginLandingPageDisabled() : ApolloServerPluginLandingPageLocalDefault({ embed: true, footer: false }),
    ],
    introspection: !config.production,
    stopOnTerminationSignals: false,
    includeStacktraceInErrorResponses: false,
    // The router's own unexpected errors and anything a subgraph lets through: masked, with an errorId in the log.
    formatError: (formatted, error) => maskError(formatted, error, log),
  });
  await server.start();

  app.get('/metrics', metrics.handler());
  const natsLink = link;
  readiness
    .addCheck('supergraph', () => (serving ? pass(`${Object.keys(urls).length} subgraphs`) : fail('not loaded')))
    .addCheck('nats', () => (natsLink.connected() ? pass() : fail(`not connected to ${config.NATS_URL}`)))
    .addCheck('events', () => (hub.ready ? pass() : fail('not reading ordering events (subscriptions would miss changes)')))
    // Reported, not deciding: a router replica cannot mend a subgraph, and taking every router out
    // of rotation for one subgraph down would turn a partial outage into a total one.
    .addPolledCheck(
      'subgraphs',
      async () => {
        const down = (
          await Promise.all(
            Object.entries(urls).map(async ([name, u]) => {
              const live = u.replace(/\/graphql\/?$/, '/health/live');
              const ok = await fetch(live, { signal: AbortSignal.timeout(1500) }).then((r) => r.ok, () => false);
              return ok ? undefined : name;
            }),
          )
        ).filter(Boolean);
        return down.length ? fail(`unreachable: ${down.join(', ')}`) : pass(`${Object.keys(urls).length} reachable`);
      },
      { advisory: true },
    );
  const authenticate = async (req: Request, res: Response, next: NextFunction) => {
    // A browser asking for the page (Sandbox in development), not an operation.
    if (req.method === 'GET' && req.query.query === undefined) return next();
    try {
      const token = bearerOf(req.headers.authorization);
      if (token) {
        res.locals.actor = (await verifier.verify(token)).actor;
        return next();
      }
      // Sandbox reads the schema before the user has pasted a token: introspection alone is open where introspection is on.
      if (!config.production && isIntrospectionOnly(req)) return next();
      return refuse(res, 'Sign in first: send Authorization: Bearer <JWT> (in development: npm run token -- --role customer --sub c-33).');
    } catch (e) {
      if (e instanceof AuthError) return refuse(res, e.message);
      return next(e);
    }
  };
  const limits = { maxDepth: config.MAX_DEPTH, maxCost: config.MAX_COST, maxAliases: config.MAX_ALIASES };
  const subs = startSubscriptions({ httpServer, path: '/graphql', supergraphSdl, apollo: server, hub, verifier, limits, maxBuffered: config.SUBSCRIPTION_BUFFER, maxBodyBytes: config.MAX_BODY_BYTES, log, production: config.production, metrics: metrics.subscriptions() });
  subscriptions = subs;
  // Subscriptions over Server-Sent Events: `Accept: text/event-stream` on /graphql (router/sse.ts).
  app.use('/graphql', subs.sse);
  app.use(
    '/graphql',
    express.json({ limit: config.MAX_BODY_BYTES }),
    // The operation's span (a new trace: a client's traceparent is only linked) and the request id.
    requestTracing('router', { trustTraceparent: false }),
    authenticate,
    expressMiddleware(server, { context: async ({ req, res }) => ({ actor: res.locals.actor as Actor | undefined, idempotencyKey: idempotencyKeyOf(req) }) }),
  );
  // Body too large or not JSON: a coded GraphQL error instead of Express's HTML page.
  app.use((err: { status?: number; type?: string; message?: string }, _req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(err);
    const status = err.status ?? 500;
    const code = err.type === 'entity.too.large' ? 'PAYLOAD_TOO_LARGE' : status < 500 ? 'BAD_REQUEST' : 'INTERNAL_SERVER_ERROR';
    if (status >= 500) {
      const errorId = randomUUID();
      log.error({ err, errorId }, 'router error');
      return void res.status(status).json({ errors: [{ message: INTERNAL_MESSAGE, extensions: { code, errorId } }] });
    }
    // body-parser's messages name the client's own input ("Unexpected token } in JSON at position 12").
    const message = code === 'PAYLOAD_TOO_LARGE' ? `Request body larger than ${config.MAX_BODY_BYTES} bytes.` : looksInternal(err.message ?? '') ? 'Bad request.' : `Bad request: ${err.message}`;
    res.status(status).json({ errors: [{ message, extensions: { code } }] });
  });

  mountTracker(app);
  // http://localhost:4000/ leads somewhere: the GraphQL endpoint (Apollo Sandbox in development).
  app.get('/', (_req, res) => res.redirect(302, '/graphql'));

  serving = true;
  await readiness.running();
  liveness.reset();
  const port = (httpServer.address() as AddressInfo).port;
  const url = `http://${config.HOST === '0.0.0.0' ? 'localhost' : config.HOST}:${port}/graphql`;
  log.info({ url, subscriptions: url.replace(/^http/, 'ws'), tracker: url.replace(/\/graphql$/, '/tracker'), subgraphs: urls }, 'router ready');

  let stopping: Promise<void> | undefined;
  return {
    url,
    port,
    readiness,
    draining: () => readiness.draining(),
    stop: () =>
      (stopping ??= (async () => {
        readiness.draining();
        await server.stop();
        httpServer.closeIdleConnections();
        await hub.stop();
        await Promise.all(sources.map((s) => s.close().catch(() => undefined)));
        await nc.drain().catch(() => undefined);
        await flushTracing();
        readiness.stop();
        liveness.stop();
        log.info('router stopped');
      })()),
  };
}

function refuse(res: Response, message: string): void {
  res
    .status(401)
    .set('WWW-Authenticate', `Bearer realm="ordergraph", error="invalid_token"`)
    .json({ errors: [{ message, extensions: { code: 'UNAUTHENTICATED' } }] });
}

/** True when every operation of the request asks only for __schema / __type / __typename. */
function isIntrospectionOnly(req: Request): boolean {
  const query = req.method === 'GET' ? req.query.query : (req.body as { query?: unknown } | undefined)?.query;
  if (typeof query !== 'string') return false;
  let doc: DocumentNode;
  try {
    doc = parse(query);
  } catch {
    return false;
  }
  return doc.definitions.every(
    (d) => d.kind !== Kind.OPERATION_DEFINITION || d.selectionSet.selections.every((s) => s.kind === Kind.FIELD && s.name.value.startsWith('__')),
  );
}
