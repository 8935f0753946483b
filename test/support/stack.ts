import { built, spawnChild } from './children';
import { resolve } from 'node:path';
import { startRouter, type RunningRouter } from '../../router/gateway';
import type { RunningContext } from '../../platform/service';
import { CONTEXT_NAMES, CONTEXTS as REGISTRY, type ContextName } from '../../subgraphs/registry';
import { ACTOR_HEADER, encodeActor, type Actor } from '../../platform/auth';
import { DEV_ROUTER_TOKEN } from '../../platform/config';
import { ROUTER_TOKEN_HEADER } from '../../platform/service';
import { as, createTestKeys, type TestKeys } from './auth';
import { startNatsServer, type TestNats } from './nats';
import { createTestDatabases, type TestDatabases } from './postgres';
import { freePort, waitFor } from './ports';

export const CONTEXTS = CONTEXT_NAMES;
export type { ContextName };

export interface GraphQLResponse<T = any> {
  data?: T;
  errors?: Array<{ message: string; extensions?: Record<string, unknown> }>;
}

/** A caller of the router with one identity. */
export interface Client {
  /** GraphQL through the router with this client's bearer token (and extra HTTP headers, e.g. Idempotency-Key). */
  gql<T = any>(query: string, variables?: Record<string, unknown>, headers?: Record<string, string>): Promise<GraphQLResponse<T>>;
  /** The same, with the HTTP status. */
  post<T = any>(query: string, variables?: Record<string, unknown>, headers?: Record<string, string>): Promise<{ status: number; body: GraphQLResponse<T> }>;
  /** The bearer token (null for an anonymous client). */
  token(): Promise<string | null>;
}

export interface Stack {
  nats: TestNats;
  /** The key pair the router trusts (its JWT_PUBLIC_KEY). */
  keys: TestKeys;
  /** A client with this identity (an Actor), this raw token (string), or none (null). */
  as(who: Actor | string | null): Client;
  /** Shortcuts: `stack.customer('c-1').gql(...)`. */
  customer(id: string): Client;
  staff(storeId: string): Client;
  courier(): Client;
  stockManager(): Client;
  admin(): Client;
  dbs: TestDatabases;
  ports: Record<ContextName | 'router', number>;
  services: Partial<Record<ContextName, RunningContext<any>>>;
  router?: RunningRouter;
  /** The environment a context process gets (in-process or spawned). */
  envFor(name: ContextName): NodeJS.ProcessEnv;
  start(name: ContextName): Promise<RunningContext<any>>;
  stop(name: ContextName): Promise<void>;
  /**
   * Runs a context as a real child process (for stop/restart experiments). `port` and
   * `env` override its defaults, e.g. to run a second replica of it next to the first.
   */
  spawn(name: ContextName, opts?: { port?: number; env?: NodeJS.ProcessEnv }): Promise<SpawnedService>;
  /** GraphQL through the router as admin (use `customer(id)`, `staff(storeId)`… for other roles). */
  gql<T = any>(query: string, variables?: Record<string, unknown>): Promise<GraphQLResponse<T>>;
  /** The router's environment (for a second router process or in-process replica). */
  routerEnv(port: number): NodeJS.ProcessEnv;
  close(): Promise<void>;
}

export interface SpawnedService {
  pid: number;
  /** SIGTERM (graceful) by default; SIGKILL simulates a crash. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/**
 * Starts an isolated ordergraph for one test file: its own nats-server, its own
 * PostgreSQL databases, the given contexts in-process on fixed free ports (so a
 * context can be stopped and started again at the same address), and the router.
 */
export async function startStack(
  opts: {
    contexts?: ContextName[];
    router?: boolean;
    env?: NodeJS.ProcessEnv;
    /** A supergraph file for the router instead of the committed one (e.g. composed without a context). */
    supergraphPath?: string;
  } = {},
): Promise<Stack> {
  const contexts = opts.contexts ?? [...CONTEXTS];
  const keys = await createTestKeys();
  const nats = await startNatsServer();
  // Without its databases the stack never starts: stop the broker too, or its process keeps Jest from exiting.
  const dbs = await createTestDatabases([...CONTEXTS]).catch(async (e) => {
    await nats.stop();
    throw e;
  });
  const ports = Object.fromEntries(await Promise.all([...CONTEXTS, 'router'].map(async (n) => [n, await freePort()]))) as Stack['ports'];
  const services: Stack['services'] = {};
  const children = new Set<SpawnedService>();

  /** What every process of the stack gets, the router included. */
  const commonEnv = (): NodeJS.ProcessEnv => ({
    PATH: process.env.PATH,
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'warn',
    LOG_FORMAT: 'json',
    HOST: '127.0.0.1',
    NATS_URL: nats.url,
  });
  const envFor = (name: ContextName): NodeJS.ProcessEnv => ({
    ...commonEnv(),
    ...dbs.env,
    PORT: String(ports[name]),
    PAYMENT_URL: `http://127.0.0.1:${ports.payment}`,
    NOTIFICATION_URL: `http://127.0.0.1:${ports.notification}`,
    OUTBOX_POLL_MS: '200',
    CONSUMER_MAX_DELIVER: '3',
    // Production's 610 ms (the bakery seed's Hystrix timeout) is a fault a loaded 2-core test
    // machine produces by itself (PAYMENT_UNAVAILABLE on a cold first charge); the tests that
    // are about the timeout set their own.
    PAYMENT_TIMEOUT_MS: '5000',
    // Two test files run at once, each with up to ten contexts on one PostgreSQL server
    // (max_connections 100 by default, 3 of them reserved): 4 pool connections per context
    // (3 handler batches in hand) plus the outbox relay's LISTEN connection: 2 × 9 × 5 = 90.
    DATABASE_POOL_MAX: '4',
    CONSUMER_CONCURRENCY: '3',
    ...opts.env,
  });

  const client = (who: Actor | string | null): Client => {
    let token: Promise<string | null> | undefined;
    const tokenOf = () => (token ??= who === null ? Promise.resolve(null) : typeof who === 'string' ? Promise.resolve(who) : keys.token(who));
    const post = async (query: string, variables?: Record<string, unknown>, headers: Record<string, string> = {}) => {
      if (!stack.router) throw new Error('router not started');
      const t = await tokenOf();
      const res = await fetch(stack.router.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(t ? { authorization: `Bearer ${t}` } : {}), ...headers },
        body: JSON.stringify({ query, variables }),
      });
      return { status: res.status, body: (await res.json()) as GraphQLResponse };
    };
    return { post, gql: async (q, v, h) => (await post(q, v, h)).body, token: tokenOf };
  };
  const routerEnv = (port: number): NodeJS.ProcessEnv => ({
    ...commonEnv(),
    PORT: String(port),
    JWT_PUBLIC_KEY: keys.publicPem,
    ...(opts.supergraphPath ? { SUPERGRAPH_PATH: opts.supergraphPath } : {}),
    ...Object.fromEntries(CONTEXTS.map((c) => [`SUBGRAPH_URL_${c.toUpperCase()}`, `http://127.0.0.1:${ports[c]}/graphql`])),
    ...opts.env,
  });

  const stack: Stack = {
    nats,
    keys,
    as: client,
    customer: (id) => client(as.customer(id)),
    staff: (storeId) => client(as.staff(storeId)),
    courier: () => client(as.courier()),
    stockManager: () => client(as.stockManager()),
    admin: () => client(as.admin()),
    routerEnv,
    dbs,
    ports,
    services,
    envFor,
    async start(name) {
      services[name] = await REGISTRY[name].start(envFor(name));
      return services[name]!;
    },
    async stop(name) {
      await services[name]?.stop();
      delete services[name];
    },
    async spawn(name, spawnOpts = {}) {
      const port = spawnOpts.port ?? ports[name];
      const child = spawnChild(process.execPath, [built(`subgraphs/${name}/main.ts`)], {
        env: { ...envFor(name), ...spawnOpts.env, PORT: String(port) },
        stdio: ['ignore', 'ignore', 'inherit'],
      });
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      await waitFor(
        () => fetch(`http://127.0.0.1:${port}/health/ready`).then((r) => r.ok),
        `${name} process to become ready`,
        30_000,
        200,
      );
      const handle: SpawnedService = {
        pid: child.pid!,
        stop: async (signal = 'SIGTERM') => {
          children.delete(handle);
          if (child.exitCode === null && child.signalCode === null) child.kill(signal);
          await exited;
        },
      };
      children.add(handle);
      return handle;
    },
    gql: (query, variables) => client(as.admin()).gql(query, variables),
    async close() {
      await stack.router?.stop();
      for (const c of [...children]) await c.stop('SIGKILL');
      for (const name of Object.keys(services) as ContextName[]) await stack.stop(name);
      await nats.stop();
      await dbs.drop();
    },
  };

  try {
    // Sequential: a 2-core machine starts them about as fast, and errors read clearly.
    for (const name of contexts) await stack.start(name);
    if (opts.router !== false) {
      stack.router = await startRouter(routerEnv(ports.router));
    }
  } catch (e) {
    await stack.close().catch(() => undefined);
    throw e;
  }
  return stack;
}

/**
 * GraphQL through a subgraph directly, as the router would call it: with the router token
 * and an actor (admin unless given; null: no actor). A string as the 4th argument is a
 * router token (to test a wrong one).
 */
export async function subgraphGql<T = any>(
  url: string,
  query: string,
  variables?: Record<string, unknown>,
  opts: string | { actor?: Actor | null; routerToken?: string } = {},
): Promise<GraphQLResponse<T>> {
  const o = typeof opts === 'string' ? { routerToken: opts } : opts;
  const actor = o.actor === undefined ? as.admin() : o.actor;
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      [ROUTER_TOKEN_HEADER]: o.routerToken ?? DEV_ROUTER_TOKEN,
      ...(actor ? { [ACTOR_HEADER]: encodeActor(actor) } : {}),
    },
    body: JSON.stringify({ query, variables }),
  });
  return (await res.json()) as GraphQLResponse<T>;
}
